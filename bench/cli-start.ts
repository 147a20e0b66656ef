/**
 * bench/cli-start: how long the installed command takes, as an operator types it: `--help`, and
 * `mailbox show ADDRESS --json` on a migrated database (the demo's, on PGlite; the same holders
 * on PostgreSQL), against the floors: an empty Node script, Node loading PGlite, and the embedded
 * database itself (a bare process that opens the same folder with PGlite and runs one query).
 * Each is a fresh process; medians of --runs, wall clock and CPU (user + system) of the process,
 * the runs of each interleaved. Target (issue 10):
 * < 0.5 s each. Needs the build (`npm run build`). Usage:
 *   npx tsx bench/cli-start.ts [--runs 7] [--db postgres://…|pglite] [--smoke]
 * (--smoke: one run of each, so CI sees the bench still runs.)
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { systemClock } from '../src/core/clock'
import { migrateDatabase, openDatabase } from '../src/db/client'
import { loadDemo } from '../src/demo/load-demo'

/** A name of this process's own: a bench (or the benches' CI test) of another checkout keeps its database. */
const BENCH_DATABASE = `pec_renewal_bench_cli_${process.pid}`

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    db: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    smoke: { type: 'boolean', default: false },
  },
})
const runs = values.smoke ? 1 : Number(values.runs)
const CLI = new URL('../bin/pec-renewal.js', import.meta.url).pathname
const ADDRESS = 'mario.rossi@pec.omceo-demo.it'
const SECRET = '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0'

/** Wraps a command so the child reports its own CPU time at exit (process.cpuUsage, on stderr's last line). */
function withCpu(args: string[]): string[] {
  return ['--import', `data:text/javascript,${encodeURIComponent("process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write(`\\ncpu ${Math.round((u.user + u.system) / 1000)}\\n`) })")}`, ...args]
}

async function measure(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn(process.execPath, withCpu(args), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    child.stdout.resume()
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('exit', (code) => {
      const ms = performance.now() - start
      const cpu = /cpu (\d+)\n$/.exec(err)
      if (code !== 0 || !cpu) return reject(new Error(`${args.join(' ')}: exit ${code}: ${err}`))
      resolve({ ms, cpuMs: Number(cpu[1]) })
    })
  })
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return Math.round(s[Math.floor(s.length / 2)])
}

async function loadHolders(url: string): Promise<void> {
  const database = await openDatabase(url)
  try {
    await migrateDatabase(database)
    await loadDemo({ db: database.db, clock: systemClock, config: { publicUrl: 'http://127.0.0.1:3000', businessTimeZone: 'Europe/Rome' } }, 'operator:bench')
  } finally {
    await database.close()
  }
}

const folder = mkdtempSync(join(tmpdir(), 'pec-renewal-bench-cli-'))
const admin = values.db!.startsWith('postgres') ? new pg.Client({ connectionString: values.db }) : undefined
try {
  const dataFolder = join(folder, 'data')
  await loadHolders(dataFolder)
  // The floors, each a bare process: Node itself (an empty script), Node loading PGlite's module,
  // and PGlite alone opening the same folder and running one query as the command opens it (its
  // small buffer cache, V8's baseline WebAssembly compiler only: src/cli/main.ts, briefRun) and as
  // PGlite's defaults would (the optimising compiler on).
  const floorScript = join(folder, 'floor.mjs')
  writeFileSync(
    floorScript,
    `import { setFlagsFromString } from 'node:v8'
     if (process.argv[3] === 'brief') setFlagsFromString('--liftoff-only --no-wasm-tier-up --no-wasm-dynamic-tiering')
     const { PGlite } = await import(${JSON.stringify(import.meta.resolve('@electric-sql/pglite'))})
     const db = await PGlite.create(process.argv[2], { startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'] })
     await db.query('select 1')
     await db.close()`,
  )
  const emptyScript = join(folder, 'empty.mjs')
  writeFileSync(emptyScript, '')
  const importScript = join(folder, 'import.mjs')
  writeFileSync(importScript, `await import(${JSON.stringify(import.meta.resolve('@electric-sql/pglite'))})`)
  const commands: Record<string, { args: string[]; env: NodeJS.ProcessEnv }> = {
    help: { args: [CLI, '--help'], env: {} },
    mailboxShowPglite: { args: [CLI, 'mailbox', 'show', ADDRESS, '--json'], env: { DATABASE_URL: dataFolder, SESSION_SECRET: SECRET } },
    nodeEmptyScript: { args: [emptyScript], env: {} },
    nodeImportPglite: { args: [importScript], env: {} },
    pgliteFloor: { args: [floorScript, dataFolder, 'brief'], env: {} },
    pgliteFloorDefaultCompiler: { args: [floorScript, dataFolder, 'default'], env: {} },
  }
  if (admin) {
    await admin.connect()
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`)
    await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`)
    const url = new URL(values.db!)
    url.pathname = `/${BENCH_DATABASE}`
    await loadHolders(url.toString())
    commands.mailboxShowPostgres = { args: [CLI, 'mailbox', 'show', ADDRESS, '--json'], env: { DATABASE_URL: url.toString(), SESSION_SECRET: SECRET, OFFICE_TOTP_KEY: SECRET } }
  }
  const results: Record<string, Array<{ ms: number; cpuMs: number }>> = {}
  await measure(commands.help.args, {}) // a first start fills the operating system's file cache (and Node's compile cache)
  for (let run = 0; run < runs; run++) {
    for (const [name, command] of Object.entries(commands)) (results[name] ??= []).push(await measure(command.args, command.env))
  }
  const figures = Object.fromEntries(
    Object.entries(results).map(([name, list]) => [name, { medianMs: median(list.map((r) => r.ms)), medianCpuMs: median(list.map((r) => r.cpuMs)) }]),
  )
  console.log(JSON.stringify({ node: process.version, runs, ...figures, target: { ms: 500 } }, null, 2))
} finally {
  rmSync(folder, { recursive: true, force: true })
  if (admin) {
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`).catch(() => {})
    await admin.end()
  }
}
