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
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import pg from 'pg'
import { systemClock } from '../src/core/clock'
import { migrateDatabase, openDatabase } from '../src/db/client'
import { loadDemo } from '../src/demo/load-demo'
import { freePort } from '../test/support/free-port'

const { values } = parseArgs({
  options: {
    db: { type: 'string', multiple: true },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '20' },
    profile: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    cli: { type: 'string' },
  },
})
if (values.smoke) values.connections = '2'
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
    if (child.exitCode !== null || attempt > 600) {
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
  const folder = mkdtempSync(join(tmpdir(), 'pec-renewal-bench-portal-'))
  let databaseUrl = join(folder, 'data')
  let admin: pg.Client | undefined
  if (target.startsWith('postgres')) {
    admin = new pg.Client({ connectionString: target })
    await admin.connect()
    await admin.query('DROP DATABASE IF EXISTS pec_renewal_bench_portal WITH (FORCE)')
    await admin.query('CREATE DATABASE pec_renewal_bench_portal')
    const url = new URL(target)
    url.pathname = '/pec_renewal_bench_portal'
    databaseUrl = url.toString()
  }
  const env = { DATABASE_URL: databaseUrl, SESSION_SECRET: '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0', ...PAYMENT }
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
      await admin.query('DROP DATABASE IF EXISTS pec_renewal_bench_portal WITH (FORCE)')
      await admin.end()
    }
  }
}
