/**
 * bench/provisioning: a renewal campaign's worst day, 50,000 deactivations, delivered to the mail
 * platform through the HTTP adapter (signed JSON POSTs) to a local receiver in its own thread, which
 * verifies every signature and answers 503 to the first attempt of a share of the commands (retry
 * behaviour). Target (issue 13): every command reaches the platform within 5 minutes. Usage:
 *   npx tsx bench/provisioning.ts [--n 50000] [--db postgres://…|pglite] [--fail-share 0.02] [--concurrency 32] [--batch 500]
 * Figures, as JSON: the delivery's wall time and throughput; the floor (the same signed POSTs,
 * same concurrency, from this process without the queue) and the ratio; the retries and, on the
 * injected clock, when the last retried command arrived (its backoff waits included).
 */
import { Agent, request } from 'node:http'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import pg from 'pg'
import { FNOMCEO_DEMO, saveConvention } from '../src/catalog/queries'
import { parseCalendarDate } from '../src/core/calendar'
import { ManualClock } from '../src/core/clock'
import { migrateDatabase, openDatabase, queryRows, sql, type Database } from '../src/db/client'
import type { Deps } from '../src/deps'
import { insertBulkMailboxes } from '../src/demo/bulk-mailboxes'
import { runLifecycle } from '../src/lifecycle/run-lifecycle'
import { DEFAULT_RETRY, deliverProvisioningCommands, retryDelayMs } from '../src/provisioning/deliver-commands'
import { httpMailPlatform, signPlatformRequest } from '../src/provisioning/http-platform'

/** A name of this process's own: a bench (or the benches' CI test) of another checkout keeps its database. */
const BENCH_DATABASE = `pec_renewal_bench_provisioning_${process.pid}`

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '50000' },
    db: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'fail-share': { type: 'string', default: '0.02' },
    concurrency: { type: 'string', default: '32' },
    batch: { type: 'string', default: '500' },
  },
})
const n = Number(values.n)
const failShare = Number(values['fail-share'])
const concurrency = Number(values.concurrency)
const batchSize = Number(values.batch)
const SECRET = 'b3c5e7a9d1f2a4c6e8b0d2f4a6c8e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6'
const TARGET_MS = 5 * 60_000

/** The receiver, in a thread of its own: verifies each signature, refuses a share of first attempts, counts keys carried out. */
const RECEIVER = `
const { parentPort, workerData } = require('node:worker_threads')
const { createServer } = require('node:http')
const { createHmac, timingSafeEqual } = require('node:crypto')
const seen = new Map()
let requests = 0, refused = 0, failedOnPurpose = 0, applied = 0, repeated = 0
const every = workerData.failShare > 0 ? Math.round(1 / workerData.failShare) : 0
const server = createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    requests++
    const body = Buffer.concat(chunks).toString()
    const ts = req.headers['x-pec-timestamp'], sig = Buffer.from(String(req.headers['x-pec-signature']))
    const expected = Buffer.from('sha256=' + createHmac('sha256', workerData.secret).update(ts + '.' + body).digest('hex'))
    if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) { refused++; res.writeHead(401).end(); return }
    const key = req.headers['idempotency-key']
    if (key === undefined) { res.writeHead(200).end(); return } // the floor's requests
    const tries = (seen.get(key) || 0) + 1
    seen.set(key, tries)
    const id = Number(String(key).split('-').pop())
    if (every && id % every === 0 && tries === 1) { failedOnPurpose++; res.writeHead(503).end('busy'); return }
    if (tries === 1 || (every && id % every === 0 && tries === 2)) applied++; else repeated++
    res.writeHead(200).end('ok')
  })
})
server.keepAliveTimeout = 60000
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }))
parentPort.on('message', () => parentPort.postMessage({ requests, refused, failedOnPurpose, applied, repeated, keys: seen.size }))
`

interface ReceiverStats {
  requests: number
  refused: number
  failedOnPurpose: number
  applied: number
  repeated: number
  keys: number
}

async function startReceiver() {
  const worker = new Worker(RECEIVER, { eval: true, workerData: { secret: SECRET, failShare } })
  const { port } = await new Promise<{ port: number }>((resolve) => worker.once('message', resolve))
  return {
    url: `http://127.0.0.1:${port}/pec/commands`,
    stats: () =>
      new Promise<ReceiverStats>((resolve) => {
        worker.once('message', resolve)
        worker.postMessage('stats')
      }),
    stop: () => worker.terminate(),
  }
}

async function freshDatabase(): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (values.db === 'pglite') {
    const database = await openDatabase('memory://')
    return { database, drop: () => database.close() }
  }
  const admin = new pg.Client({ connectionString: values.db })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`)
  await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`)
  const url = new URL(values.db!)
  url.pathname = `/${BENCH_DATABASE}`
  const database = await openDatabase(url.toString())
  return {
    database,
    drop: async () => {
      await database.close()
      await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`)
      await admin.end()
    },
  }
}

/** The floor: the same number of signed POSTs, the same concurrency and client (node:http, kept alive), no queue. */
async function rawPosts(url: string, count: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  let next = 0
  const start = performance.now()
  const lane = async () => {
    while (next < count) {
      const i = next++
      const body = JSON.stringify({ action: 'disable', address: `casella${i}@pec.example.it`, mode: 'off' })
      const timestamp = String(Math.floor(Date.now() / 1000))
      const headers = { 'content-type': 'application/json', 'x-pec-timestamp': timestamp, 'x-pec-signature': signPlatformRequest(SECRET, timestamp, body) }
      await new Promise<void>((resolve, reject) => {
        const req = request(url, { method: 'POST', agent, headers }, (res) => {
          res.resume()
          res.on('end', resolve)
        })
        req.on('error', reject)
        req.end(body)
      })
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  agent.destroy()
  return performance.now() - start
}

async function main() {
  const { database, drop } = await freshDatabase()
  const receiver = await startReceiver()
  try {
    await migrateDatabase(database)
    await saveConvention(database.db, FNOMCEO_DEMO)
    const today = parseCalendarDate('2026-07-02')
    await insertBulkMailboxes(database.db, { count: n, today, fromDays: -1, toDays: -1 }) // every one expired yesterday
    const clock = new ManualClock('2026-07-02T00:30:00+02:00')
    const deps: Deps = { db: database.db, clock, config: { publicUrl: 'https://bench.example', businessTimeZone: 'Europe/Rome' } }
    const runStart = performance.now()
    const run = await runLifecycle(deps, { date: today })
    const lifecycleMs = performance.now() - runStart
    if (run.deactivated !== n) throw new Error(`expected ${n} deactivations, the run made ${run.deactivated}`)

    const floorMs = await rawPosts(receiver.url, n)
    const platform = httpMailPlatform({ url: receiver.url, secret: SECRET, clock })
    const started = clock.now().getTime()
    const deliveryStart = performance.now()
    const first = await deliverProvisioningCommands(deps, platform, { batchSize, concurrency })
    const firstPassMs = performance.now() - deliveryStart
    // The retried ones come back after their backoff: the injected clock moves by it, nothing sleeps.
    let waitedMs = 0
    let retries = first.retried
    let totals = first
    for (let failures = 1; totals.retried > 0; failures++) {
      clock.advanceMs(retryDelayMs(failures))
      waitedMs += retryDelayMs(failures)
      totals = await deliverProvisioningCommands(deps, platform, { batchSize, concurrency })
      retries += totals.retried
    }
    const deliveryMs = performance.now() - deliveryStart
    const lastArrivalMs = deliveryMs + waitedMs // wall time of the work plus the backoff the clock skipped
    const [left] = await queryRows<{ open: number; done: number }>(
      database.db,
      sql`SELECT count(*) FILTER (WHERE status <> 'done')::int AS open, count(*) FILTER (WHERE status = 'done')::int AS done FROM provisioning_commands`,
    )
    const stats = await receiver.stats()
    console.log(
      JSON.stringify(
        {
          deactivations: n,
          database: values.db === 'pglite' ? 'pglite' : 'postgres',
          concurrency,
          batchSize,
          lifecycleRunMs: Math.round(lifecycleMs),
          firstPass: { ms: Math.round(firstPassMs), perSecond: Math.round((first.done / firstPassMs) * 1000), done: first.done, retried: first.retried },
          floor: { ms: Math.round(floorMs), perSecond: Math.round((n / floorMs) * 1000) },
          ratioToFloor: Number((firstPassMs / floorMs).toFixed(2)),
          retries: { commandsRetried: retries, backoffWaitedMs: waitedMs, policy: DEFAULT_RETRY },
          lastCommandArrivedAfterMs: Math.round(lastArrivalMs),
          withinTarget: lastArrivalMs <= TARGET_MS && left.open === 0,
          commandsDone: left.done,
          commandsOpen: left.open,
          receiver: { ...stats, requests: stats.requests - n }, // without the floor's requests
          injectedClockMovedMs: clock.now().getTime() - started,
        },
        null,
        2,
      ),
    )
    if (left.open !== 0 || stats.applied !== n || stats.refused !== 0) process.exitCode = 1
  } finally {
    await receiver.stop()
    await drop()
  }
}

await main()
