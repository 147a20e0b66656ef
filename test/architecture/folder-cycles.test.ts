import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// DESIGN §3: capabilities do not import each other in circles; a flow that spans several lives in
// src/flows. The graph's nodes are src's folders (accounts, payments, flows …) and its top-level
// files (config, deps, services); an edge is any import, a type import too. db/schema.ts, every
// table gathered for drizzle-kit and the tests, is a node of its own, and no source file imports it.

const SRC = fileURLToPath(new URL('../../src', import.meta.url))
const BARREL = 'db/schema.ts'

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

/** The relative modules a file imports or re-exports (static, type-only and dynamic). */
function importsOf(text: string): string[] {
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\b[^'"`;]*?\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g),
  ]
  return specifiers.map((m) => m[1])
}

function nodeOf(file: string): string {
  const path = relative(SRC, file).replace(/\\/g, '/')
  if (path === BARREL || path === BARREL.replace(/\.ts$/, '')) return 'db/schema'
  const [first, ...rest] = path.split('/')
  return rest.length ? first : first.replace(/\.ts$/, '')
}

interface Edge {
  from: string
  to: string
  /** One file-level import that makes the edge: file → module. */
  example: string
}

function folderGraph(): Map<string, Map<string, Edge>> {
  const graph = new Map<string, Map<string, Edge>>()
  for (const file of sourceFiles(SRC)) {
    const from = nodeOf(file)
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      const to = nodeOf(resolve(dirname(file), specifier))
      if (to === from) continue
      const edges = graph.get(from) ?? new Map<string, Edge>()
      if (!edges.has(to)) edges.set(to, { from, to, example: `${relative(SRC, file)} → ${specifier}` })
      graph.set(from, edges)
    }
  }
  return graph
}

/** Every cycle through the graph's strongly connected parts, each as the hops of one shortest loop. */
function cycles(graph: Map<string, Map<string, Edge>>): Edge[][] {
  const found: Edge[][] = []
  const seen = new Set<string>()
  for (const start of graph.keys()) {
    // breadth-first back to `start`: the shortest loop through it, reported once per set of nodes
    const previous = new Map<string, Edge>()
    const queue = [start]
    while (queue.length) {
      const node = queue.shift()!
      for (const edge of graph.get(node)?.values() ?? []) {
        if (edge.to === start) {
          const loop = [edge]
          for (let at = node; at !== start; at = previous.get(at)!.from) loop.unshift(previous.get(at)!)
          const key = loop.map((e) => e.from).sort().join(' ')
          if (!seen.has(key)) found.push(loop)
          seen.add(key)
          queue.length = 0
          break
        }
        if (!previous.has(edge.to) && edge.to !== start) {
          previous.set(edge.to, edge)
          queue.push(edge.to)
        }
      }
    }
  }
  return found
}

describe('the folder graph of src', () => {
  it('DESIGN §3: has no cycle (folders and top-level files; type imports count)', () => {
    const loops = cycles(folderGraph()).map((loop) => `${loop.map((e) => e.from).join(' → ')} → ${loop[0].from}\n    ${loop.map((e) => e.example).join('\n    ')}`)
    expect(loops).toEqual([])
  })

  it('db/schema.ts gathers the tables for drizzle-kit and the tests only: no source file imports it', () => {
    const importers = sourceFiles(SRC).filter((file) => nodeOf(file) !== 'db/schema' && importsOf(readFileSync(file, 'utf8')).some((s) => nodeOf(resolve(dirname(file), s)) === 'db/schema'))
    expect(importers.map((file) => relative(SRC, file))).toEqual([])
  })

  it('finds a cycle when there is one (the check itself)', () => {
    const edge = (from: string, to: string): [string, Map<string, Edge>] => [from, new Map([[to, { from, to, example: `${from}/x.ts → ../${to}/y` }]])]
    const graph = new Map([edge('accounts', 'notifications'), edge('notifications', 'renewals'), edge('renewals', 'accounts'), edge('web', 'accounts')])
    expect(cycles(graph).map((loop) => loop.map((e) => e.from))).toEqual([['accounts', 'notifications', 'renewals']])
    expect(importsOf(`import type { A } from '../a'\nexport { b } from './b'\nconst c = await import('../c/d')\nimport x from 'fastify'`)).toEqual(['../a', './b', '../c/d'])
  })
})
