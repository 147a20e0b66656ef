// Runs a bench as compiled JavaScript, as the figures of peak memory are taken: the bench and the
// sources it imports bundled by esbuild (packages stay outside, loaded from node_modules), then run
// by node with --expose-gc. No tsx in the process. Usage:
//   node bench/compiled.mjs bench/statements.ts [the bench's own options]
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const [entry, ...args] = process.argv.slice(2)
if (!entry) throw new Error('usage: node bench/compiled.mjs bench/NAME.ts [options]')
const folder = join(import.meta.dirname, '.compiled')
const outfile = join(folder, `${process.pid}.mjs`)
mkdirSync(folder, { recursive: true })
try {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // the one import.meta.url a bench reaches is the database's, to find its migrations
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(join(import.meta.dirname, '../src/db/client.ts')).href) },
    logLevel: 'warning',
  })
  const run = spawnSync(process.execPath, ['--expose-gc', outfile, ...args], { stdio: 'inherit' })
  process.exitCode = run.status ?? 1
} finally {
  rmSync(outfile, { force: true })
}
