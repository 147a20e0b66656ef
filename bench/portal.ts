/**
 * bench/portal: requests per second and p99 latency of the holder's GET pages, on the embedded
 * database and on PostgreSQL, with the real server in its own process (as in production) and
 * autocannon in this one. Usage:
 *   npx tsx bench/portal.ts [--db pglite|postgres://…] [--duration 10] [--connections 20] [--profile DIR] [--smoke] [--cli FILE]
 * (--profile writes the server's CPU profile, one .cpuprofile per database, into DIR; --smoke: 20
 * requests per page, so CI sees the bench still runs. The server is started on a free port
 * and awaited on /healthz: nothing here reads its human, Italian-first text. --cli serves with
 * another build, e.g. `--cli dist-other/main.js`, to compare two versions side by side.)
 * Target on a 2-core machine: ≥ 2,000 req/s and p99 < 50 ms for each page.
 *
 * --cold [--holders 10000] [--mailboxes 1000000]: a renewal campaign rather than one warm holder.
 * The database holds --mailboxes generated mailboxes (one account each); --holders of them, picked
 * at random, are signed in and half-way through the wizard, and each loads its mailbox list and its
 * renewal summary exactly once, all requests in random order. Target on PostgreSQL: ≥ 1,000 req/s,
 * p99 < 100 ms. Fast set-up, not measured: the sessions are inserted straight into web_sessions
 * (a random token, its SHA-256, as `openSession` writes them; the cookie carries the token), and
 * each holder's wizard draft is a copy of one draft made through the real pages. Reports the server
 * process's CPU (user + system, from /proc) per request too: a figure a loaded machine disturbs less.
 * --keep (with --cold): the seeded databases are kept (PostgreSQL pec_renewal_bench_portal_cold, embedded
 * ${tmpdir}/pec-renewal-bench-portal-cold) and reused by the next --keep run, migrated, with fresh sessions
 * and drafts: before/after figures on the same million rows without seeding twice.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import pg from 'pg'
import { systemClock } from '../src/core/clock'
import { migrateDatabase, openDatabase, queryRows } from '../src/db/client'
import { loadDemo } from '../src/demo/load-demo'
import { freePort } from '../test/support/free-port'
import { PROVIDER_ENV } from '../test/support/config'
import { createHash, randomBytes } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { insertBulkMailboxes } from '../src/demo/bulk-mailboxes'
import { businessDate } from '../src/core/calendar'


const { values } = parseArgs({
  options: {
    db: { type: 'string', multiple: true },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '20' },
    profile: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    cli: { type: 'string' },
    cold: { type: 'boolean', default: false },
    holders: { type: 'string', default: '10000' },
    mailboxes: { type: 'string', default: '1000000' },
    keep: { type: 'boolean', default: false },
  },
})
if (values.smoke && values.cold) {
  values.holders = '200'
  values.mailboxes = '10000'
}
if (values.smoke) values.connections = '2'
/** A name of this process's own: a bench (or the benches' CI test) of another checkout keeps its database. */
const BENCH_DATABASE = values.keep && values.cold ? 'pec_renewal_bench_portal_cold' : `pec_renewal_bench_portal_${process.pid}`
const targets = values.db ?? ['pglite', 'postgres://postgres@127.0.0.1:5432/postgres']
const CLI = values.cli ?? new URL('../bin/pec-renewal.js', import.meta.url).pathname

/** Bank details, so the server offers bonifico in production mode (the demo is refused on PostgreSQL). */
const PAYMENT = {
  PAYMENT_BENEFICIARY: 'PEC Provider S.p.A.',
  PAYMENT_IBAN: 'IT60X0542811101000000123456',
  PAYMENT_BIC: 'BPMOIT22XXX',
  PAYMENT_POSTAL_ACCOUNT: '12345678',
}

/** The demo's holders, loaded in this process on either database; the server then runs in production mode on them. */
async function loadSampleHolders(databaseUrl: string) {
  const database = await openDatabase(databaseUrl)
  try {
    await migrateDatabase(database)
    const deps = { db: database.db, clock: systemClock, config: { publicUrl: 'http://127.0.0.1:3000', businessTimeZone: 'Europe/Rome' } }
    return await loadDemo(deps, 'operator:bench')
  } finally {
    await database.close()
  }
}

/** Starts `serve` on a free port and waits until its /healthz answers. */
async function serve(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const profile = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : []
  const child = spawn(process.execPath, [...profile, CLI, 'serve', '--no-jobs'], { env: { ...process.env, ...env, PORT: String(port) } })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  for (let attempt = 0; ; attempt++) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return { child, url }
    if (child.exitCode !== null || attempt > 2400) { // two minutes: a loaded machine starts it slowly
      child.kill('SIGTERM')
      throw new Error(`server did not start: ${out}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A browser's worth of state: cookies and the form fields of the last page. */
class Visitor {
  cookies = new Map<string, string>()
  constructor(readonly base: string) {}
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }
  private keep(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const i = pair.indexOf('=')
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1))
    }
  }
  async get(path: string): Promise<string> {
    const response = await fetch(this.base + path, { headers: { cookie: this.header() }, redirect: 'manual' })
    this.keep(response)
    return response.text()
  }
  /** Submits the first form of `html` that posts to `action`: as pre-filled, every checkbox ticked, plus `overrides`. */
  async submit(html: string, action: string, overrides: Record<string, string> = {}): Promise<string> {
    const form = html.slice(html.indexOf(`action="${action}"`))
    const body = new URLSearchParams()
    for (const input of form.slice(0, form.indexOf('</form>')).matchAll(/<input([^>]*)>/g)) {
      const attr = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(input[1])?.[1]
      const name = attr('name')
      if (!name || name in overrides) continue
      const type = attr('type') ?? 'text'
      if (type === 'radio' && !/\bchecked\b/.test(input[1])) continue
      body.append(name, type === 'checkbox' ? (attr('value') ?? 'on') : (attr('value') ?? ''))
    }
    for (const [k, v] of Object.entries(overrides)) body.set(k, v)
    const response = await fetch(this.base + action, {
      method: 'POST',
      body,
      headers: { cookie: this.header(), 'content-type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
    })
    this.keep(response)
    const next = response.headers.get('location')
    if (response.status !== 303 || !next) throw new Error(`${action}: ${response.status} ${await response.text()}`)
    return next
  }
}

/** What the holder types on each step (the rest comes pre-filled). */
const ANSWERS: Record<string, Record<string, string>> = {
  durata: { years: '1' },
  fatturazione: { street: 'Via Nazionale', streetNumber: '10', postalCode: '00184', city: 'Roma', province: 'RM' },
  pagamento: { method: 'bonifico' },
}

async function measure(url: string, cookie: string) {
  const length = values.smoke ? { amount: 20 } : { duration: Number(values.duration) }
  const result = await autocannon({ url, connections: Number(values.connections), ...length, headers: cookie ? { cookie } : {} })
  return { reqPerSec: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors }
}

for (const target of targets) {
  const keep = values.keep && values.cold
  const folder = keep ? join(tmpdir(), 'pec-renewal-bench-portal-cold') : mkdtempSync(join(tmpdir(), 'pec-renewal-bench-portal-'))
  let databaseUrl = join(folder, 'data')
  let admin: pg.Client | undefined
  let reused = keep && existsSync(databaseUrl)
  if (keep) mkdirSync(folder, { recursive: true })
  if (target.startsWith('postgres')) {
    admin = new pg.Client({ connectionString: target })
    await admin.connect()
    reused = keep && (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [BENCH_DATABASE])).rowCount! > 0
    if (!reused) {
      await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`)
      await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`)
    }
    const url = new URL(target)
    url.pathname = `/${BENCH_DATABASE}`
    databaseUrl = url.toString()
  }
  const env = { DATABASE_URL: databaseUrl, SESSION_SECRET: '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0', OFFICE_TOTP_KEY: '9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9', ...PAYMENT, ...PROVIDER_ENV }
  if (values.cold) {
    if (!reused) await loadSampleHolders(databaseUrl) // the conventions, prices and contracts the generated mailboxes use
    await benchCold(target, databaseUrl, env)
    if (!keep) rmSync(folder, { recursive: true, force: true })
    if (admin) {
      if (!keep) await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`)
      await admin.end()
    }
    continue
  }
  const demo = await loadSampleHolders(databaseUrl)
  const { child, url } = await serve(env)
  try {
    const visitor = new Visitor(url)
    const signIn = await visitor.get('/rinnova')
    await visitor.submit(signIn, '/accedi', { identifier: 'FNOM000001', password: demo.accountPassword })
    const list = await visitor.get('/caselle')
    const start = /href="(\/rinnovo\/\d+)[^"]*"/.exec(list)![1]
    let step = start + '/durata'
    for (const path of ['durata', 'contratti', 'fatturazione', 'pagamento']) {
      const html = await visitor.get(step)
      step = await visitor.submit(html, `${start}/${path}`, ANSWERS[path] ?? {})
    }
    if (!step.endsWith('/riepilogo')) throw new Error(`the wizard ended on ${step}`)
    const cookie = visitor.header()
    const pages = {
      signInPage: await measure(`${url}/rinnova`, ''),
      mailboxList: await measure(`${url}/caselle`, cookie),
      summaryStep: await measure(`${url}${step}`, cookie),
    }
    console.log(JSON.stringify({ database: target.startsWith('postgres') ? 'postgres' : 'pglite', connections: Number(values.connections), durationS: Number(values.duration), pages }, null, 2))
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.on('close', resolve))
    rmSync(folder, { recursive: true, force: true })
    if (admin) {
      await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`)
      await admin.end()
    }
  }
}

/** --cold: many holders, each loading the list and the summary once, in random order (see the header). */
async function benchCold(target: string, databaseUrl: string, env: NodeJS.ProcessEnv): Promise<void> {
  const holders = Number(values.holders)
  const mailboxCount = Number(values.mailboxes)
  const seedStart = performance.now()
  const database = await openDatabase(databaseUrl)
  let sessions: Array<{ token: string; mailboxId: number }>
  try {
    await migrateDatabase(database)
    const [{ seeded }] = await queryRows<{ seeded: number | string }>(database.db, sql`SELECT count(*) AS seeded FROM mailboxes WHERE address LIKE 'casella%'`)
    if (Number(seeded) !== mailboxCount) {
      if (Number(seeded) > 0) throw new Error(`the kept database holds ${seeded} generated mailboxes, not ${mailboxCount}: drop it`)
      const today = businessDate(new Date())
      await insertBulkMailboxes(database.db, { count: mailboxCount, today, fromDays: 1, toDays: 120, registeredShare: 0.05 })
    } else {
      // a kept database: the earlier run's sessions and drafts go, so every holder is cold again
      await database.db.execute(sql`DELETE FROM renewal_drafts`)
      await database.db.execute(sql`DELETE FROM web_sessions`)
    }
    await database.db.execute(sql`ANALYZE`)
    sessions = await signInHolders(database, holders, mailboxCount)
  } finally {
    await database.close()
  }
  // One draft through the real pages (durata → contratti → fatturazione → pagamento), then copied to
  // every holder with the server stopped (the embedded database has one process at a time).
  const template = sessions[0]
  const first = await serve(env)
  try {
    const visitor = new Visitor(first.url)
    visitor.cookies.set('pec_sid', template.token)
    const start = `/rinnovo/${template.mailboxId}`
    let step = `${start}/durata`
    for (const path of ['durata', 'contratti', 'fatturazione', 'pagamento']) {
      const html = await visitor.get(step)
      step = await visitor.submit(html, `${start}/${path}`, ANSWERS[path] ?? {})
    }
    if (!step.endsWith('/riepilogo')) throw new Error(`the wizard ended on ${step}`)
  } finally {
    first.child.kill('SIGTERM')
    await new Promise((resolve) => first.child.on('close', resolve))
  }
  await copyDraft(databaseUrl, template, sessions.slice(1))
  const seedMs = Math.round(performance.now() - seedStart)
  const { child, url } = await serve(env) // a fresh process: no session or page cached
  try {

    const visits = sessions.flatMap(({ token, mailboxId }) => [
      { path: '/caselle', cookie: `pec_sid=${token}` },
      { path: `/rinnovo/${mailboxId}/riepilogo`, cookie: `pec_sid=${token}` },
    ])
    shuffle(visits)
    const cpuBefore = processCpuMs(child.pid!)
    const backendsBefore = await postgresBackendsCpuMs(target, databaseUrl)
    let next = 0
    const wrong: string[] = []
    const result = await autocannon({
      url,
      connections: Number(values.connections),
      amount: visits.length,
      requests: [
        {
          setupRequest: (request: Record<string, unknown>) => {
            const visit = visits[next++ % visits.length]
            return { ...request, method: 'GET', path: visit.path, headers: { ...(request.headers as object), cookie: visit.cookie } }
          },
          onResponse: (status: number) => {
            if (status !== 200 && wrong.length < 5) wrong.push(String(status))
          },
        },
      ],
    })
    const serverCpuMs = processCpuMs(child.pid!) - cpuBefore
    const backendsAfter = await postgresBackendsCpuMs(target, databaseUrl)
    // PostgreSQL's share: the CPU of the backends serving the bench's database (those open at the end; new ones from 0)
    const databaseCpuMs = backendsAfter && [...backendsAfter].reduce((sum, [pid, ms]) => sum + ms - (backendsBefore?.get(pid) ?? 0), 0)
    console.log(
      JSON.stringify(
        {
          mode: 'cold',
          database: target.startsWith('postgres') ? 'postgres' : 'pglite',
          mailboxes: mailboxCount,
          holders,
          requests: result.requests.total,
          connections: Number(values.connections),
          seedMs,
          reqPerSec: Math.round(result.requests.total / result.duration),
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          maxMs: result.latency.max,
          serverCpuMsPerRequest: Number((serverCpuMs / result.requests.total).toFixed(3)),
          ...(databaseCpuMs === undefined ? {} : { postgresCpuMsPerRequest: Number((databaseCpuMs / result.requests.total).toFixed(3)) }),
          // both processes on two idle cores, the load generator elsewhere
          projectedReqPerSecOnTwoIdleCores: Math.round((2 * 1000 * result.requests.total) / (serverCpuMs + (databaseCpuMs ?? 0))),
          loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
          non2xx: result.non2xx,
          errors: result.errors,
          ...(wrong.length ? { wrongStatuses: wrong } : {}),
        },
        null,
        2,
      ),
    )
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.on('close', resolve))
  }
}

/**
 * Sessions for `holders` distinct generated accounts, picked at random: inserted as openSession
 * writes them (the table keeps the token's SHA-256), one statement. Returns each cookie token
 * with the holder's mailbox.
 */
async function signInHolders(database: Awaited<ReturnType<typeof openDatabase>>, holders: number, mailboxCount: number) {
  const picked = new Set<number>()
  while (picked.size < holders) picked.add(1 + Math.floor(Math.random() * mailboxCount))
  const rows = [...picked].map((n) => ({ n, token: randomBytes(32).toString('base64url') }))
  const now = new Date()
  const expires = new Date(now.getTime() + 30 * 60_000)
  for (let i = 0; i < rows.length; i += 5000) {
    const batch = rows.slice(i, i + 5000)
    await database.db.execute(sql`INSERT INTO web_sessions (token_hash, account_id, signed_in_with, language, created_at, last_seen_at, expires_at)
      SELECT h, 'B' || lpad(n::text, 9, '0'), 'account:' || 'B' || lpad(n::text, 9, '0'), 'it', ${now}, ${now}, ${expires}
        FROM unnest(${sql.raw(`ARRAY[${batch.map((r) => `'${createHash('sha256').update(r.token).digest('hex')}'`).join(',')}]::text[]`)},
                    ${sql.raw(`ARRAY[${batch.map((r) => r.n).join(',')}]::int[]`)}) AS s(h, n)`)
  }
  const ids = await queryRows<{ address: string; id: number | string }>(
    database.db,
    sql`SELECT address, id FROM mailboxes WHERE address = ANY(${sql.raw(`ARRAY[${rows.map((r) => `'casella${r.n}@pec.example.it'`).join(',')}]::text[]`)})`,
  )
  const byAddress = new Map(ids.map((r) => [r.address, Number(r.id)]))
  return rows.map((r) => ({ token: r.token, mailboxId: byAddress.get(`casella${r.n}@pec.example.it`)! }))
}

/** Every holder half-way through the wizard like the template: its draft row copied (years, contracts, billing, method). */
async function copyDraft(databaseUrl: string, template: { mailboxId: number }, others: Array<{ mailboxId: number }>) {
  const database = await openDatabase(databaseUrl)
  try {
    await database.db.execute(sql`INSERT INTO renewal_drafts (account_id, mailbox_id, years, accepted_contracts, billing, method, updated_at)
      SELECT m.account_id, m.id, d.years, d.accepted_contracts, d.billing, d.method, d.updated_at
        FROM mailboxes m, renewal_drafts d
       WHERE d.mailbox_id = ${template.mailboxId} AND m.id = ANY(${sql.raw(`ARRAY[${others.map((o) => o.mailboxId).join(',') || 0}]::bigint[]`)})`)
  } finally {
    await database.close()
  }
}

/** On PostgreSQL, the CPU so far of each backend connected to the bench's database, by pid (read from /proc: a local server). */
async function postgresBackendsCpuMs(target: string, databaseUrl: string): Promise<Map<number, number> | undefined> {
  if (!target.startsWith('postgres')) return undefined
  const client = new pg.Client({ connectionString: target })
  await client.connect()
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [new URL(databaseUrl).pathname.slice(1)])
    const cpu = new Map<number, number>()
    for (const { pid } of rows) {
      try {
        cpu.set(pid, processCpuMs(pid))
      } catch {
        // gone in between
      }
    }
    return cpu
  } finally {
    await client.end()
  }
}

/** User + system CPU of a process so far, in ms (Linux /proc; clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[items[i], items[j]] = [items[j], items[i]]
  }
}
