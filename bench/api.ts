/**
 * bench/api: the REST API's reads (issue 15) — GET /api/v1/mailboxes/{address} and a search
 * (GET /api/v1/mailboxes?q=SURNAME) — requests per second and latency with many distinct tokens,
 * not one warm caller: --tokens tokens (default 10,000), each makes one GET and one search, in
 * random order, against a server in its own process (`serve --no-jobs`, as in production) on
 * PostgreSQL holding --mailboxes generated mailboxes. Every request authenticates its bearer token
 * (SHA-256, a primary-key read), passes its rate limit and is logged (api_requests, in batches).
 * Fast set-up, not measured: the tokens are inserted straight into api_tokens (a random token, its
 * SHA-256, as createApiToken writes them). Usage:
 *   npx tsx bench/api.ts [--db postgres://…] [--tokens 10000] [--mailboxes 100000] [--connections 20]
 * Needs a fresh build (npm run build): the server runs from dist/.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import pg from 'pg'
import { sql } from 'drizzle-orm'
import { tokenHash, TOKEN_PREFIX } from '../src/api-tokens/token-text'
import { FNOMCEO_DEMO, saveConvention } from '../src/catalog/queries'
import { businessDate } from '../src/core/calendar'
import { migrateDatabase, openDatabase, queryRows } from '../src/db/client'
import { insertBulkMailboxes } from '../src/demo/bulk-mailboxes'
import { PROVIDER_ENV } from '../test/support/config'
import { freePort } from '../test/support/free-port'

/** A name of this process's own: a bench of another checkout keeps its database. */
const BENCH_DATABASE = `pec_renewal_bench_api_${process.pid}`
const CLI = new URL('../bin/pec-renewal.js', import.meta.url).pathname

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    tokens: { type: 'string', default: '10000' },
    mailboxes: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '20' },
  },
})
const tokenCount = Number(values.tokens)
const mailboxCount = Number(values.mailboxes)

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[xs[i], xs[j]] = [xs[j], xs[i]]
  }
  return xs
}

async function serve(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawn('nice', ['-n', '10', process.execPath, CLI, 'serve', '--no-jobs'], { env: { ...process.env, ...env, PORT: String(port) } })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  for (let attempt = 0; ; attempt++) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return { child, url }
    if (child.exitCode !== null || attempt > 6000) { // five minutes: a loaded machine starts slowly
      child.kill('SIGTERM')
      throw new Error(`server did not start: ${out}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

const admin = new pg.Client({ connectionString: values.db })
await admin.connect()
await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`)
await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`)
const databaseUrl = Object.assign(new URL(values.db!), { pathname: `/${BENCH_DATABASE}` }).toString()
try {
  const seedStart = performance.now()
  const database = await openDatabase(databaseUrl)
  let addresses: string[]
  let surnames: string[]
  const tokens = Array.from({ length: tokenCount }, () => TOKEN_PREFIX + randomBytes(32).toString('base64url'))
  try {
    await migrateDatabase(database)
    await saveConvention(database.db, FNOMCEO_DEMO)
    await insertBulkMailboxes(database.db, { count: mailboxCount, today: businessDate(new Date()), fromDays: -30, toDays: 365, variedHolders: true })
    const rows = tokens.map((token, i) => ({ name: `bench-${i}`, prefix: token.slice(0, 16), tokenHash: tokenHash(token) }))
    for (let i = 0; i < rows.length; i += 2000) {
      await database.db.execute(sql`INSERT INTO api_tokens (name, prefix, token_hash, scopes, created_at, created_by)
        SELECT r.name, r.prefix, r."tokenHash", ARRAY['read'], now(), 'operator:bench'
          FROM jsonb_to_recordset(${JSON.stringify(rows.slice(i, i + 2000))}::jsonb) AS r(name text, prefix text, "tokenHash" text)`)
    }
    await database.db.execute(sql`ANALYZE`)
    addresses = (await queryRows<{ address: string }>(database.db, sql`SELECT address FROM mailboxes ORDER BY random() LIMIT ${tokenCount}`)).map((r) => r.address)
    surnames = (await queryRows<{ s: string }>(database.db, sql`SELECT DISTINCT split_part(last_name, ' ', 1) AS s FROM accounts`)).map((r) => r.s)
  } finally {
    await database.close()
  }
  const seedMs = Math.round(performance.now() - seedStart)
  const env = { DATABASE_URL: databaseUrl, SESSION_SECRET: '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0', OFFICE_TOTP_KEY: '9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9', ...PROVIDER_ENV }
  const { child, url } = await serve(env) // a fresh process: nothing cached
  const results: Record<string, unknown> = {}
  try {
    const kinds = {
      get: tokens.map((token, i) => ({ token, path: `/api/v1/mailboxes/${encodeURIComponent(addresses[i % addresses.length])}` })),
      search: tokens.map((token, i) => ({ token, path: `/api/v1/mailboxes?q=${encodeURIComponent(`${surnames[i % surnames.length]} ${'abcdefghilmnoprstuvz'[i % 20]}`)}&limit=20` })),
    }
    for (const [kind, calls] of Object.entries(kinds)) {
      shuffle(calls)
      let next = 0
      const wrong: string[] = []
      const cpuBefore = process.cpuUsage()
      const result = await autocannon({
        url,
        connections: Number(values.connections),
        amount: calls.length,
        requests: [
          {
            setupRequest: (request: Record<string, unknown>) => {
              const call = calls[next++ % calls.length]
              return { ...request, method: 'GET', path: call.path, headers: { ...(request.headers as object), authorization: `Bearer ${call.token}` } }
            },
            onResponse: (status: number) => {
              if (status !== 200 && wrong.length < 5) wrong.push(String(status))
            },
          },
        ],
      })
      results[kind] = {
        requests: result.requests.total,
        reqPerSec: Math.round(result.requests.total / result.duration),
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        maxMs: result.latency.max,
        non2xx: result.non2xx,
        errors: result.errors,
        loadCpuMs: Math.round(process.cpuUsage(cpuBefore).user / 1000),
        ...(wrong.length ? { wrongStatuses: wrong } : {}),
      }
    }
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.on('close', resolve))
  }
  console.log(JSON.stringify({ database: 'postgres', mailboxes: mailboxCount, tokens: tokenCount, connections: Number(values.connections), seedMs, ...results, loadAverage: loadavg().map((l) => l.toFixed(2)) }, null, 2))
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`)
  await admin.end()
}
