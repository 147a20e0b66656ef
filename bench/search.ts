/**
 * bench/search: the back office's search box (/ufficio/cerca, findInOffice) at scale. Target
 * (issue 11): every kind answers in < 100 ms at a million mailboxes on PostgreSQL.
 * Loads N mailboxes with varied holders (src/demo/bulk-mailboxes: common first names and surnames,
 * compound ones too, a codice fiscale each), an order for each, and a bank payment for each (its
 * entry reference, end-to-end ID and payer's IBAN, as a statement import stores them). Then times
 * each kind of text an operator types, --repeat times with a different value each time, through
 * findInOffice itself: median and p99 per kind, the kind the box took it for, how many rows came
 * back, and the plan of every statement the search sent (EXPLAIN of the captured SQL with its
 * values), with the indexes used and any sequential scan of a big table.
 * Usage:
 *   npx tsx bench/search.ts [--n 1000000] [--db postgres://…|pglite] [--repeat 200] [--keep] [--reuse DBNAME] [--analyze]
 * --keep leaves the loaded PostgreSQL database (its name is printed); --reuse measures on it again.
 * --analyze: each plan as run (EXPLAIN ANALYZE, BUFFERS), with its execution time on the server.
 */
import { parseArgs } from 'node:util'
import { loadavg } from 'node:os'
import pg from 'pg'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import type { Logger } from 'drizzle-orm'
import { parseCalendarDate } from '../src/core/calendar'
import { composeItalianIban } from '../src/core/iban'
import { formatOrderId, newOrderId, type OrderId } from '../src/core/order-id'
import { asQuickLookup, migrateDatabase, openDatabase, queryRows, sql, type Database, type Db } from '../src/db/client'
import { FNOMCEO_DEMO, saveConvention } from '../src/catalog/queries'
import { BULK_FIRST_NAMES, BULK_SURNAMES, insertBulkMailboxes } from '../src/demo/bulk-mailboxes'
import { findInOffice } from '../src/flows/find-in-office'

const { values } = parseArgs({
  options: {
    n: { type: 'string' },
    db: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    repeat: { type: 'string', default: '200' },
    // PostgreSQL: measure on a database an earlier run loaded and kept (--keep), skipping the load
    reuse: { type: 'string' },
    keep: { type: 'boolean', default: false },
    // the plans as run: EXPLAIN (ANALYZE, BUFFERS) of each statement, not only EXPLAIN
    analyze: { type: 'boolean', default: false },
  },
})
const onPglite = values.db === 'pglite'
const n = Number(values.n ?? (onPglite ? '100000' : '1000000'))
const repeat = Number(values.repeat)
const today = parseCalendarDate('2026-06-20')
const OUR_IBAN = 'IT60X0542811101000000123456'
/** Payers whose IBAN is valid (the search checks it): each paid three of the orders. */
const PAYERS = Math.min(200, Math.floor(n / 3))

/** A deterministic pseudo-random sequence (mulberry32): the same values every run. */
function random(seed: number): (max: number) => number {
  let state = seed >>> 0
  return (max) => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * max)
  }
}

/** `count` distinct order IDs. */
function distinctOrderIds(count: number): OrderId[] {
  const next = random(42)
  const ids = new Set<OrderId>()
  while (ids.size < count) ids.add(newOrderId(next))
  return [...ids]
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]
}

async function onServer(query: string): Promise<void> {
  const admin = new pg.Client({ connectionString: values.db })
  await admin.connect()
  try {
    await admin.query(query)
  } finally {
    await admin.end()
  }
}

async function freshDatabase(): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (onPglite) {
    const database = await openDatabase('memory://')
    return { database, drop: () => database.close() }
  }
  const name = values.reuse ?? `pec_renewal_bench_search_${process.pid}`
  if (!values.reuse) {
    await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await onServer(`CREATE DATABASE ${name}`)
  }
  const url = new URL(values.db!)
  url.pathname = `/${name}`
  const database = await openDatabase(url.toString(), { maxConnections: 2 })
  return {
    database,
    drop: async () => {
      await database.close()
      if (values.keep) console.error(`kept: --reuse ${name}`)
      else await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    },
  }
}

/**
 * A second drizzle over the same client that records every statement it sends, so the bench can
 * EXPLAIN exactly what findInOffice ran. (The drivers keep their client on the session: bench-only.)
 */
function recordingDb(database: Database): { db: Db; sent: Array<{ query: string; params: unknown[] }> } {
  const sent: Array<{ query: string; params: unknown[] }> = []
  const logger: Logger = { logQuery: (query, params) => void sent.push({ query, params }) }
  const client = (database.db as unknown as { session: { client: unknown } }).session.client
  const db = database.kind === 'pglite' ? drizzlePglite(client as never, { logger }) : drizzlePg(client as never, { logger })
  return { db: db as unknown as Db, sent }
}

/** The plan of a statement as findInOffice runs it: in a transaction with its settings (asQuickLookup). */
async function explain(database: Database, statement: { query: string; params: unknown[] }): Promise<string[]> {
  const rows = await asQuickLookup(database.db, (tx) =>
    tx.execute(sql.raw(`EXPLAIN ${values.analyze ? '(ANALYZE, BUFFERS) ' : ''}${inlined(statement)}`)),
  )
  return ((rows as { rows?: unknown[] }).rows ?? (rows as unknown as unknown[])).map((r) => (r as Record<string, string>)['QUERY PLAN'])
}

/** A captured statement with its values written in (bench-only: the values are the bench's own). */
function inlined(statement: { query: string; params: unknown[] }): string {
  return statement.query.replace(/\$(\d+)/g, (_, k: string) => {
    const value = statement.params[Number(k) - 1]
    return typeof value === 'number' ? String(value) : `'${String(value).replace(/'/g, "''")}'`
  })
}

const BIG_TABLES = ['accounts', 'mailboxes', 'orders', 'payments']

async function load(database: Database, orderIds: OrderId[]) {
  await migrateDatabase(database)
  await saveConvention(database.db, FNOMCEO_DEMO)
  await insertBulkMailboxes(database.db, { count: n, today, fromDays: -120, toDays: 244, settledPast: true, variedHolders: true })
  // an order for every mailbox (paid), then the bank payment that paid it, as a statement import stores it
  await database.db.execute(sql`INSERT INTO orders (id, mailbox_id, account_id, status, years, net_cents, vat_cents, total_cents, method, billing, placed_by, placed_at, placed_on)
    SELECT v.id, m.id, m.account_id, 'paid', 1, 1000, 220, 1220, 'bonifico', '{"name":"Bench","fiscalCode":"RSSMRA85T10A562S","email":"b@example.it"}'::jsonb, 'holder:bench', now(), ${today}::date
      FROM jsonb_array_elements_text(${JSON.stringify(orderIds)}::jsonb) WITH ORDINALITY AS v(id, n)
      JOIN mailboxes m ON m.address = 'casella' || v.n || '@pec.example.it'`)
  await database.db.execute(sql`INSERT INTO payments (method, reference, order_ref, order_id, amount_cents, outcome, source, received_at, raw)
    SELECT 'bonifico', ${OUR_IBAN} || '/BANK-' || v.n, v.id, v.id, 1220, 'paid', 'operator:bench', now(),
           jsonb_build_object('account', ${OUR_IBAN}::text, 'entryRef', 'BANK-' || v.n, 'endToEndId', 'E2E-' || v.n,
                              'debtorName', 'Titolare ' || v.n, 'debtorIban', 'IT00X' || lpad(v.n::text, 22, '0'), 'remittanceText', 'Rinnovo ' || v.id)
      FROM jsonb_array_elements_text(${JSON.stringify(orderIds)}::jsonb) WITH ORDINALITY AS v(id, n)`)
  // a few payers with a real IBAN, three payments each
  const payers = Array.from({ length: PAYERS }, (_, k) => composeItalianIban('03069', '09606', String(100000000000 + k).slice(-12)))
  await database.db.execute(sql`UPDATE payments p SET raw = jsonb_set(p.raw, '{debtorIban}', to_jsonb(v.iban))
      FROM jsonb_array_elements_text(${JSON.stringify(payers)}::jsonb) WITH ORDINALITY AS v(iban, k)
     WHERE p.reference IN (${OUR_IBAN} || '/BANK-' || v.k, ${OUR_IBAN} || '/BANK-' || (v.k + ${PAYERS}), ${OUR_IBAN} || '/BANK-' || (v.k + 2 * ${PAYERS}))
       AND p.method = 'bonifico'`)
  await database.db.execute(sql`VACUUM ANALYZE`)
  return payers
}

/** The payers' IBANs a kept database holds (the load wrote them from the same deterministic list). */
async function reusedPayers(database: Database): Promise<string[]> {
  await migrateDatabase(database) // indexes added since the load
  await database.db.execute(sql`ANALYZE`)
  const rows = await queryRows<{ iban: string }>(database.db, sql`SELECT DISTINCT raw ->> 'debtorIban' AS iban FROM payments WHERE raw ->> 'debtorIban' NOT LIKE 'IT00X%' AND raw ->> 'debtorIban' IS NOT NULL`)
  return rows.map((r) => r.iban)
}

const { database, drop } = await freshDatabase()
try {
  const orderIds = distinctOrderIds(n)
  const loadStart = performance.now()
  const payers = values.reuse ? await reusedPayers(database) : await load(database, orderIds)
  const loadMs = performance.now() - loadStart
  const [{ accounts }] = await queryRows<{ accounts: number }>(database.db, sql`SELECT count(*)::int AS accounts FROM accounts`)

  const pick = random(7)
  const number = () => 1 + pick(n)
  const lower = (name: string) => name.toLowerCase()
  const compound = BULK_SURNAMES.filter((s) => /^\S+ \S+$/.test(s) && !s.includes("'"))
  const account = (i: number) => `B${String(i).padStart(9, '0')}`
  const fiscalCode = (i: number) =>
    [0, 1, 2, 3, 4, 5].map((k) => String.fromCharCode(65 + (Math.floor(i / 26 ** k) % 26))).join('') + '85T10A562S'
  // each kind: the text an operator types, a new value each time
  const kinds: Record<string, () => string> = {
    order: () => formatOrderId(orderIds[number() - 1]).toLowerCase(),
    orderTypo: () => {
      const id = orderIds[number() - 1]
      return id.slice(0, 9) + String((Number(id[9]) + 1) % 10) // the last check digit mistyped
    },
    fiscalCode: () => fiscalCode(number()),
    account: () => account(number()),
    addressPrefix: () => `casella${number()}@pec`,
    email: () => `Titolare${number()}@Example.it`,
    name: () => `${BULK_SURNAMES[pick(BULK_SURNAMES.length)]} ${BULK_FIRST_NAMES[pick(BULK_FIRST_NAMES.length)]}`.toLowerCase(),
    surnameTwoWords: () => lower(compound[pick(compound.length)]),
    paymentReference: () => `BANK-${number()}`,
    endToEndId: () => `E2E-${number()}`,
    iban: () => payers[pick(payers.length)].replace(/(.{4})/g, '$1 ').trim(),
    miss: () => `zq${pick(1000)}x`,
  }

  // warm-up: the first call of each kind pays for plans and cold pages
  for (const make of Object.values(kinds)) await findInOffice(database.db, make())
  const loadBefore = loadavg()[0]
  const results: Record<string, unknown> = {}
  const recorder = recordingDb(database)
  for (const [kind, make] of Object.entries(kinds)) {
    const times: number[] = []
    const found: number[] = []
    let tookFor = ''
    for (let r = 0; r < repeat; r++) {
      const text = make()
      const start = performance.now()
      const result = await findInOffice(database.db, text)
      times.push(performance.now() - start)
      found.push((result?.results.length ?? 0) + (result?.payments.length ?? 0))
      tookFor = result?.kind ?? 'too short'
    }
    // the plan of each statement of one more search of this kind
    recorder.sent.length = 0
    await findInOffice(recorder.db, make())
    const plans: string[][] = []
    // the lookups only: not the transaction's begin, commit and settings
    for (const statement of recorder.sent.filter((s) => /^\s*(with|select)\b/i.test(s.query) && !s.query.includes('set_config'))) plans.push(await explain(database, statement))
    const planText = plans.flat().join('\n')
    results[kind] = {
      medianMs: Number(quantile(times, 0.5).toFixed(2)),
      p99Ms: Number(quantile(times, 0.99).toFixed(2)),
      maxMs: Number(Math.max(...times).toFixed(2)),
      takenFor: tookFor,
      rowsMedian: quantile(found, 0.5),
      statements: plans.length,
      indexes: [...new Set([...planText.matchAll(/(?:Index Scan|Index Only Scan|Bitmap Index Scan) (?:Backward )?(?:using|on) (\w+)/g)].map((m) => m[1]))],
      seqScans: [...new Set([...planText.matchAll(/Seq Scan on (\w+)/g)].map((m) => m[1]).filter((t) => BIG_TABLES.includes(t)))],
      plan: plans,
    }
  }
  const worst = Object.entries(results as Record<string, { p99Ms: number; medianMs: number }>).reduce((a, b) => (b[1].p99Ms > a[1].p99Ms ? b : a))
  console.log(
    JSON.stringify(
      {
        database: database.kind,
        mailboxes: n,
        accounts,
        loadMs: Math.round(loadMs),
        repeat,
        loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0].toFixed(2)) },
        worstP99: { kind: worst[0], ms: worst[1].p99Ms },
        kinds: results,
      },
      null,
      2,
    ),
  )
} finally {
  await drop()
}
