/**
 * bench/portal-statements: the SQL statements a cold holder's mailbox list and renewal summary
 * run, counted and shown with EXPLAIN ANALYZE, on a database `bench/portal.ts --cold --keep` left
 * (PostgreSQL only: the statements are read at the pg driver). Usage:
 *   npx tsx bench/portal-statements.ts [--db postgres://…/pec_renewal_bench_portal_cold] [--explain]
 * Signs one generated holder in (a session row, as the bench does), with a draft copied from an
 * existing one, then GETs /caselle and /rinnovo/:id/riepilogo in a fresh server, twice each.
 * --holders N: then N more cold holders, each page once in random order, through app.inject (no
 * sockets): this process's CPU per request, the handlers' share of the bench's figure (run with
 * `node --cpu-prof --import tsx` to see where it goes).
 */
import { createHash, randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { sql } from 'drizzle-orm'
import { systemClock } from '../src/core/clock'
import { loadConfig } from '../src/config'
import { openDatabase, queryRows } from '../src/db/client'
import { buildServices } from '../src/services'
import { buildServer } from '../src/web/server'
import { PROVIDER_ENV } from '../test/support/config'

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/pec_renewal_bench_portal_cold' },
    explain: { type: 'boolean', default: false },
    holders: { type: 'string', default: '0' },
  },
})

const seen: Array<{ text: string; values: unknown[] }> = []
let recording = false
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const [first, second] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined]
  if (recording) seen.push({ text: typeof first === 'string' ? first : first.text, values: Array.isArray(second) ? second : ((first as { values?: unknown[] }).values ?? []) })
  return query.apply(this, args)
} as typeof pg.Client.prototype.query

const env = { DATABASE_URL: values.db!, SESSION_SECRET: '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0', OFFICE_TOTP_KEY: '9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9', PAYMENT_BENEFICIARY: 'PEC Provider S.p.A.', PAYMENT_IBAN: 'IT60X0542811101000000123456', PAYMENT_BIC: 'BPMOIT22XXX', PAYMENT_POSTAL_ACCOUNT: '12345678', PORT: '0', ...PROVIDER_ENV }
const database = await openDatabase(values.db!)
const db = database.db
const n = 1 + Math.floor(Math.random() * 900_000)
const accountId = `B${String(n).padStart(9, '0')}`
const token = randomBytes(32).toString('base64url')
const now = new Date()
await db.execute(sql`INSERT INTO web_sessions (token_hash, account_id, signed_in_with, language, created_at, last_seen_at, expires_at)
  VALUES (${createHash('sha256').update(token).digest('hex')}, ${accountId}, ${'account:' + accountId}, 'it', ${new Date(now.getTime() - 120_000)}, ${new Date(now.getTime() - 120_000)}, ${new Date(now.getTime() + 1_800_000)})`)
const [{ id }] = await queryRows<{ id: string }>(db, sql`SELECT id FROM mailboxes WHERE account_id = ${accountId}`)
await db.execute(sql`INSERT INTO renewal_drafts (account_id, mailbox_id, years, accepted_contracts, billing, method, updated_at)
  SELECT ${accountId}, ${Number(id)}, years, accepted_contracts, billing, method, updated_at FROM renewal_drafts LIMIT 1`)

const services = buildServices(loadConfig(env), database, systemClock)
const app = await buildServer(services)
await app.ready()
for (const path of ['/caselle', `/rinnovo/${id}/riepilogo`, '/caselle', `/rinnovo/${id}/riepilogo`]) {
  seen.length = 0
  recording = true
  const response = await app.inject({ method: 'GET', url: path, headers: { cookie: `pec_sid=${token}` } })
  recording = false
  console.log(`\n## GET ${path}: ${response.statusCode}, ${seen.length} statements`)
  for (const s of seen) {
    console.log(`- ${s.text.replace(/\s+/g, ' ').slice(0, 300)}  ${JSON.stringify(s.values).slice(0, 200)}`)
    if (values.explain && /^\s*(select|with)/i.test(s.text)) {
      const client = new pg.Client({ connectionString: values.db })
      await client.connect()
      const plan = await query.call(client, { text: `EXPLAIN (ANALYZE, BUFFERS) ${s.text}`, values: s.values }) as pg.QueryResult
      console.log(plan.rows.map((r) => '    ' + r['QUERY PLAN']).join('\n'))
      await client.end()
    }
  }
}
const holders = Number(values.holders)
if (holders > 0) {
  const rows = Array.from({ length: holders }, () => ({ n: 1 + Math.floor(Math.random() * 999_000), token: randomBytes(32).toString('base64url') }))
  await db.execute(sql`INSERT INTO web_sessions (token_hash, account_id, signed_in_with, language, created_at, last_seen_at, expires_at)
    SELECT h, 'B' || lpad(n::text, 9, '0'), 'account:B' || lpad(n::text, 9, '0'), 'it', ${now}, ${now}, ${new Date(now.getTime() + 1_800_000)}
      FROM unnest(${sql.raw(`ARRAY[${rows.map((r) => `'${createHash('sha256').update(r.token).digest('hex')}'`).join(',')}]::text[]`)}, ${sql.raw(`ARRAY[${rows.map((r) => r.n).join(',')}]::int[]`)}) AS s(h, n)
    ON CONFLICT DO NOTHING`)
  const ids = await queryRows<{ account_id: string; id: string }>(db, sql`SELECT account_id, id FROM mailboxes WHERE account_id = ANY(${sql.raw(`ARRAY[${rows.map((r) => `'B${String(r.n).padStart(9, '0')}'`).join(',')}]::text[]`)})`)
  const byAccount = new Map(ids.map((r) => [r.account_id, Number(r.id)]))
  await db.execute(sql`INSERT INTO renewal_drafts (account_id, mailbox_id, years, accepted_contracts, billing, method, updated_at)
    SELECT m.account_id, m.id, d.years, d.accepted_contracts, d.billing, d.method, d.updated_at
      FROM mailboxes m, (SELECT * FROM renewal_drafts WHERE mailbox_id = ${Number(id)}) d
     WHERE m.id = ANY(${sql.raw(`ARRAY[${ids.map((r) => r.id).join(',')}]::bigint[]`)}) ON CONFLICT DO NOTHING`)
  const visits = rows.flatMap((r) => {
    const mailbox = byAccount.get(`B${String(r.n).padStart(9, '0')}`)!
    return [`/caselle`, `/rinnovo/${mailbox}/riepilogo`].map((url) => ({ url, cookie: `pec_sid=${r.token}` }))
  })
  visits.sort(() => Math.random() - 0.5)
  const cpu = process.cpuUsage()
  const started = performance.now()
  let wrong = 0
  for (let i = 0; i < visits.length; i += 20) {
    const responses = await Promise.all(visits.slice(i, i + 20).map((v) => app.inject({ method: 'GET', url: v.url, headers: { cookie: v.cookie } })))
    wrong += responses.filter((r) => r.statusCode !== 200).length
  }
  const used = process.cpuUsage(cpu)
  console.log(JSON.stringify({ requests: visits.length, wrong, cpuMsPerRequest: Number(((used.user + used.system) / 1000 / visits.length).toFixed(3)), wallMs: Math.round(performance.now() - started) }))
}
await app.close()
await database.close()
