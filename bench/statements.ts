/**
 * bench/statements: a generated camt.053 statement of N entries (default 100,000) imported on
 * PostgreSQL (a fresh database, created and dropped), against the floor of the bare streaming parse
 * of the same file and against its write floor (below). The import stores the file, then settles it
 * in batches; `import.progress` says when the entries were stored and how often settlement
 * reported its progress (entries settled / total), as the CLI's progress bar and the back office
 * show it. Targets (issue 10): import ≤ 1.5 × its write floor, peak RSS < 300 MB on compiled
 * JavaScript (bench/compiled.mjs runs this file bundled by esbuild). Usage:
 *   node --expose-gc --import tsx bench/statements.ts [--n 100000] [--db postgres://…] [--batch-size N] [--parse-mb 200] [--profile FILE]
 * (--parse-mb also streams a generated file of that many MB through the parser: time and memory;
 * --profile writes the first import's CPU profile, this process's main thread only, to FILE.cpuprofile.)
 * Memory is the process's peak RSS during each measured step (baselineRssMb: before it, after a GC),
 * sampled every 5 ms; the bench holds nothing of its own through the steps (not the order IDs, and
 * the first import's results are let go before the second). Time is wall-clock, so on a shared
 * machine it depends on the load: each step also reports the CPU time it took, nodeCpuMs for this
 * process (all its threads) and dbCpuMs for the server processes of the bench database (read from
 * /proc, so null when the server runs elsewhere), and loadAverage is the 1-minute load around the
 * imports. Compare ratios measured in the same run.
 * The write floor: the rows the import must write for each payment that renews (a payment, the
 * order paid, the mailbox renewed, one audit row, the payment_received mail, its invoice numbered
 * from the counter row: `invoices` is what the invoice costs), written for every open
 * order of the bench at once, one set-based statement per table, after one read of the orders with
 * their mailboxes and holders, then rolled back (and vacuumed away). No import can write those rows
 * faster than the database does here, so writeFloor.ratioToParse bounds the import's ratio from below.
 * As the import stores the file first, the floor also writes one statement_entries row per renewal
 * (its facts as a bank entry's) and the batches' results (statement_batches, one row per 2,000);
 * msPerTable shows each, so the floor without them can be read off too.
 * The statement: mostly exact payments of open orders, with typos, mismatched amounts, duplicates,
 * debits, pending entries and a few reversals mixed in; a second import of the same file shows R8.
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { parseArgs } from 'node:util'
import { getHeapStatistics } from 'node:v8'
import { Session } from 'node:inspector/promises'
import pg from 'pg'
import { parseCalendarDate } from '../src/core/calendar'
import { ManualClock } from '../src/core/clock'
import { checkDigits, ORDER_ID_ALPHABET } from '../src/core/order-id'
import type { SQL } from 'drizzle-orm'
import { migrateDatabase, openDatabase, queryRows, sql } from '../src/db/client'
import { FNOMCEO_DEMO, saveConvention } from '../src/catalog/queries'
import { insertBulkMailboxes } from '../src/demo/bulk-mailboxes'
import { importStatement } from '../src/flows/imports/import-statement'
import { issueInvoicesSql } from '../src/invoicing/issue'
import type { ImportProgress } from '../src/flows/imports/settle-import'
import { readStatementFile } from '../src/payments/offline/read-statement'
import type { Deps } from '../src/deps'
import { camtEntry, camtHeader, CAMT_FOOTER, type EntrySpec } from '../test/payments/offline/statement-builder'

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    db: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'parse-mb': { type: 'string' },
    'batch-size': { type: 'string' }, // default: the import's own
    profile: { type: 'string' },
  },
})
const n = Number(values.n)
const today = parseCalendarDate('2026-05-02')
const folder = mkdtempSync(join(tmpdir(), 'bench-statements-'))

/** Deterministic order IDs (a small LCG), valid check digits. */
function orderIds(count: number): string[] {
  let seed = 42
  const random = (max: number) => {
    seed ^= seed << 13 // xorshift32
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) % max
  }
  const ids = new Set<string>()
  while (ids.size < count) {
    let payload = ''
    for (let i = 0; i < 8; i++) payload += ORDER_ID_ALPHABET[random(ORDER_ID_ALPHABET.length)]
    ids.add(payload + checkDigits(payload))
  }
  return [...ids]
}

/** Entry i mostly pays order i exactly; every so often something else happens. */
function entryFor(i: number, ids: string[]): EntrySpec {
  const id = ids[i % ids.length]
  const ref = `BENCH${String(i).padStart(9, '0')}`
  const base = { amountCents: 1220, acctSvcrRef: ref, endToEndId: `E2E${i}`, debtorName: `TITOLARE ${i}`, remittance: [`RINNOVO PEC ORDINE ${id.slice(0, 4)}-${id.slice(4, 8)}-${id.slice(8)}`, `CASELLA${i}`] }
  if (i % 997 === 996) return { ...base, creditDebit: 'DBIT', reversal: true, endToEndId: `E2E${i - 1}`, remittance: [`STORNO ${ids[(i - 1) % ids.length]}`] }
  if (i % 101 === 100) return { ...base, creditDebit: 'DBIT', remittance: ['COMMISSIONI'] }
  if (i % 89 === 88) return { ...base, status: 'PDNG' }
  if (i % 50 === 49) return { ...base, remittance: [`ORDINE ${id.slice(0, 3)}B${id.slice(4)}`] } // a typo
  if (i % 37 === 36) return { ...base, amountCents: 1000 }
  if (i % 45 === 44) return { ...base, remittance: [ids[(i - 1) % ids.length]] } // pays the previous order again
  return base
}

async function writeStatement(path: string, count: number, ids: string[], padding = 0): Promise<number> {
  const out = createWriteStream(path)
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain')
  }
  await write(camtHeader(8, 'BENCH'))
  for (let i = 0; i < count; i++) {
    const spec = entryFor(i, ids)
    // each line within Ustrd's Max140Text, as the parser requires
    if (padding) spec.remittance = [...(spec.remittance ?? []), ...Array.from({ length: Math.ceil(padding / 140) }, () => 'X'.repeat(140))]
    await write(camtEntry(spec, 8))
  }
  await write(CAMT_FOOTER)
  out.end()
  await once(out, 'finish')
  return statSync(path).size
}

/** CPU time (user + system, ms) the database's server processes for the bench database have used; null when not on this machine. */
async function databaseCpuMs(): Promise<Map<number, number> | null> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [name])
  const used = new Map<number, number>()
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
      used.set(pid, (Number(fields[11]) + Number(fields[12])) * 10) // utime + stime, in 1/100 s
    } catch {
      return null // a server on another machine (or another namespace): no figure rather than a wrong one
    }
  }
  return used
}

type Measured<T> = { ms: number; result: T; peakRssMb: number; baselineRssMb: number; peakHeapMb: number; cpuMs: number; dbCpuMs: number | null }

async function measured<T>(work: () => Promise<T>): Promise<Measured<T>> {
  if (global.gc) global.gc()
  const dbBefore = await databaseCpuMs()
  const cpuBefore = process.cpuUsage()
  const baseline = process.memoryUsage().rss
  let peak = baseline
  let heap = process.memoryUsage().heapUsed
  const sample = () => {
    // the cheap readings: process.memoryUsage() every 5 ms cost the measured work a few per cent
    peak = Math.max(peak, process.memoryUsage.rss())
    heap = Math.max(heap, getHeapStatistics().used_heap_size)
  }
  const sampler = setInterval(sample, 5)
  const start = performance.now()
  const result = await work()
  const ms = performance.now() - start
  clearInterval(sampler)
  sample()
  const cpu = process.cpuUsage(cpuBefore)
  const dbAfter = await databaseCpuMs()
  let dbCpuMs: number | null = null
  if (dbBefore && dbAfter) {
    dbCpuMs = 0 // a server process that started during the step counts from zero
    for (const [pid, used] of dbAfter) dbCpuMs += used - (dbBefore.get(pid) ?? 0)
  }
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20)
  return { ms, result, peakRssMb: mb(peak), baselineRssMb: mb(baseline), peakHeapMb: mb(heap), cpuMs: Math.round((cpu.user + cpu.system) / 1000), dbCpuMs }
}

function memory(m: { peakRssMb: number; baselineRssMb: number; peakHeapMb: number }) {
  return { baselineRssMb: m.baselineRssMb, peakRssMb: m.peakRssMb, peakHeapMb: m.peakHeapMb }
}

function cpu(m: { cpuMs: number; dbCpuMs: number | null }) {
  return { nodeCpuMs: m.cpuMs, dbCpuMs: m.dbCpuMs }
}

async function startProfile(): Promise<Session> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return session
}

async function stopProfile(session: Session, file: string): Promise<void> {
  const { profile } = await session.post('Profiler.stop')
  writeFileSync(file.endsWith('.cpuprofile') ? file : `${file}.cpuprofile`, JSON.stringify(profile))
  session.disconnect()
}

/** The rows of one renewing payment per open order, set-based, rolled back: see the header. */
async function writeFloor(database: Awaited<ReturnType<typeof openDatabase>>): Promise<{ renewals: number; msPerTable: Record<string, number> }> {
  const rolledBack = new Error('rolled back')
  let renewals = 0
  const msPerTable: Record<string, number> = {}
  try {
    await database.db.transaction(async (tx) => {
      const timed = async (table: string, query: SQL) => {
        const start = performance.now()
        await tx.execute(query)
        msPerTable[table] = Math.round(performance.now() - start)
      }
      await timed('read', sql`CREATE TEMP TABLE floor_input ON COMMIT DROP AS
        SELECT o.id AS order_id, m.id AS mailbox_id, m.expires_on, m.address, a.reference_email, a.language,
               a.first_name || ' ' || a.last_name AS holder_name
          FROM orders o JOIN mailboxes m ON m.id = o.mailbox_id JOIN accounts a ON a.id = m.account_id
         WHERE o.status = 'open'`)
      await timed('payments', sql`INSERT INTO payments (method, reference, order_ref, order_id, amount_cents, outcome, reason, refund_status, source, received_at, raw)
        SELECT 'bonifico', 'IT60X0542811101000000123456/FLOOR' || f.mailbox_id, f.order_id, f.order_id, 1220, 'paid', NULL, 'none', 'operator:bench', now(),
               jsonb_build_object('account', 'IT60X0542811101000000123456', 'entryRef', 'FLOOR' || f.mailbox_id, 'bookingDate', '2026-05-01',
                                  'valueDate', '2026-05-01', 'remittanceText', 'RINNOVO PEC ORDINE ' || f.order_id || ' CASELLA' || f.mailbox_id,
                                  'debtorName', 'TITOLARE ' || f.mailbox_id, 'endToEndId', 'E2EFLOOR' || f.mailbox_id)
          FROM floor_input f`)
      await timed('orders', sql`UPDATE orders o SET status = 'paid', paid_at = now(), extended_from = f.expires_on, new_expires_on = f.expires_on + 365
          FROM floor_input f WHERE o.id = f.order_id`)
      await timed('mailboxes', sql`UPDATE mailboxes m SET expires_on = f.expires_on + 365, updated_at = now() FROM floor_input f WHERE m.id = f.mailbox_id`)
      await timed('audit_log', sql`INSERT INTO audit_log (at, actor, action, mailbox_id, order_id, payment_id, reason, data)
        SELECT now(), 'operator:bench', 'payment.paid', f.mailbox_id, f.order_id, NULL, NULL,
               jsonb_build_object('amountCents', 1220, 'from', f.expires_on, 'to', f.expires_on + 365, 'years', 1)
          FROM floor_input f`)
      await timed('outbox', sql`INSERT INTO outbox (template, language, recipient, params, mailbox_id, order_id, next_attempt_at, created_at)
        SELECT 'payment_received', f.language, f.reference_email,
               jsonb_build_object('holderName', f.holder_name, 'mailbox', f.address, 'orderId', f.order_id, 'amountCents', 1220,
                                  'method', 'bonifico', 'newExpiresOn', f.expires_on + 365, 'reactivated', false),
               f.mailbox_id, f.order_id, now(), now()
          FROM floor_input f`)
      // R11: the invoice of each renewal, numbered from its counter row: the statement the settlement runs
      const invoiceWrites = issueInvoicesSql(
        sql`SELECT row_number() OVER () AS id, f.order_id AS "orderId", f.mailbox_id AS "mailboxId", 'bonifico' AS method, f.expires_on AS "extendedFrom",
                   f.expires_on + 365 AS "newExpiresOn", 1 AS years, row_number() OVER () AS n FROM floor_input f`,
        { issuedOn: today, series: 'PEC', now: new Date() },
      )
      await timed('invoices', sql`WITH ${sql.join(invoiceWrites.map((w) => sql`${sql.identifier(w.name)} AS (${w.sql})`), sql`, `)} SELECT 1`)
      // Store first (issue 10): the import keeps each entry of the file, then each batch's results
      // with the import's progress; rows the import must write too, so the floor writes them
      await timed('statement_entries', sql`WITH file AS (
          INSERT INTO statement_imports (digest, format, file_name, actor, entries, staged_at)
          SELECT 'floor', 'camt053', 'floor.xml', 'operator:bench', count(*)::int, now() FROM floor_input RETURNING id
        )
        INSERT INTO statement_entries (import_id, position, kind, entry_ref, amount_cents, method, reference, order_ref, order_id, note, facts)
        SELECT file.id, (row_number() OVER ())::int - 1, 'payment', 'FLOOR' || f.mailbox_id, 1220, 'bonifico', 'IT60X0542811101000000123456/FLOOR' || f.mailbox_id,
               f.order_id, f.order_id, 'unknown_order:' || f.order_id,
               jsonb_build_object('account', 'IT60X0542811101000000123456', 'entryRef', 'FLOOR' || f.mailbox_id, 'bookingDate', '2026-05-01',
                                  'valueDate', '2026-05-01', 'remittanceText', 'RINNOVO PEC ORDINE ' || f.order_id || ' CASELLA' || f.mailbox_id,
                                  'debtorName', 'TITOLARE ' || f.mailbox_id, 'endToEndId', 'E2EFLOOR' || f.mailbox_id)
          FROM floor_input f CROSS JOIN file`)
      await timed('statement_batches', sql`INSERT INTO statement_batches (import_id, first_position, count, results, settled_at)
        SELECT e.import_id, (e.position / 2000) * 2000, count(*)::int, jsonb_agg(jsonb_build_array('registered', NULL, e.order_id, NULL) ORDER BY e.position), now()
          FROM statement_entries e WHERE e.import_id = (SELECT id FROM statement_imports WHERE digest = 'floor') GROUP BY e.import_id, e.position / 2000`)
      const [count] = await queryRows<{ n: number }>(tx, sql`SELECT count(*)::int AS n FROM floor_input`)
      renewals = count.n
      throw rolledBack
    })
  } catch (error) {
    if (error !== rolledBack) throw error
  }
  return { renewals, msPerTable }
}

async function parseOnly(path: string): Promise<number> {
  let count = 0
  for await (const _ of readStatementFile(path)) count++
  return count
}

const admin = new pg.Client({ connectionString: values.db })
await admin.connect()
// a name of this process's own: a bench (or the benches' CI test) of another checkout keeps its database
const name = `pec_renewal_bench_statements_${process.pid}`
await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
await admin.query(`CREATE DATABASE ${name}`)
const url = new URL(values.db!)
url.pathname = `/${name}`
const database = await openDatabase(url.toString(), { maxConnections: 2 })
try {
  await migrateDatabase(database)
  await saveConvention(database.db, FNOMCEO_DEMO)
  const setupStart = performance.now()
  await insertBulkMailboxes(database.db, { count: n, today, fromDays: 30, toDays: 365 })
  let ids: string[] | null = orderIds(n)
  // One open order per mailbox, inserted set-based: the IDs the statement quotes.
  await database.db.execute(sql`INSERT INTO orders (id, mailbox_id, account_id, status, years, net_cents, vat_cents, total_cents, method, billing, placed_by, placed_at, placed_on)
    SELECT v.id, m.id, m.account_id, 'open', 1, 1000, 220, 1220, 'bonifico', '{"name":"Bench","fiscalCode":"RSSMRA85T10A562S","email":"b@example.it"}'::jsonb, 'operator:bench', now(), ${today}::date
      FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) WITH ORDINALITY AS v(id, n)
      JOIN mailboxes m ON m.address = 'casella' || v.n || '@pec.example.it'`)
  await database.db.execute(sql`VACUUM ANALYZE`)
  const setupMs = performance.now() - setupStart

  const path = join(folder, 'statement.xml')
  const bytes = await writeStatement(path, n, ids)
  ids = null // not kept through the measured steps: whatever the bench holds counts in their memory
  const floor = await measured(() => parseOnly(path))
  const writes = await measured(() => writeFloor(database))
  await database.db.execute(sql`VACUUM ANALYZE`) // the rolled-back rows must not slow the import
  const deps: Deps = { db: database.db, clock: new ManualClock('2026-05-02T10:00:00Z'), config: { publicUrl: 'https://bench.example', businessTimeZone: 'Europe/Rome' } }
  const loadBefore = loadavg()[0]
  const profiler = values.profile ? await startProfile() : null
  const batchSize = values['batch-size'] ? Number(values['batch-size']) : undefined
  // what the progress bar would show: when the file was stored, and each batch's settled / total
  const progress = { storedAfterMs: 0, reports: 0, lastSettled: 0, entries: 0 }
  const importStart = performance.now()
  const onProgress = (p: ImportProgress) => {
    if (p.phase === 'storing') return
    if (progress.reports++ === 0) progress.storedAfterMs = Math.round(performance.now() - importStart)
    progress.lastSettled = p.settled
    progress.entries = p.entries
  }
  const run = await measured(() => importStatement(deps, path, { actor: 'operator:bench', batchSize, onProgress }))
  if (profiler) await stopProfile(profiler, values.profile!)
  const { results: _r, ...summary } = run.result
  run.result.results.length = 0 // let the 100,000 results go before the second import
  const again = await measured(() => importStatement(deps, path, { actor: 'operator:bench', batchSize }))
  const { results: _a, ...summaryAgain } = again.result
  again.result.results.length = 0
  const loadAfter = loadavg()[0]
  // fresh statistics for the check: the planner's idea of invoices from before the import (none)
  // made the NOT EXISTS below a scan of every invoice per paid order, minutes at 100,000
  await database.db.execute(sql`ANALYZE orders, invoices`)
  // R11: one invoice per order paid (a reversal's credit note takes a number too), numbered 1…N in the year and series, no gap
  const [invoiced] = await queryRows<{ invoices: number; creditNotes: number; lastNumber: number; gaps: number; paidWithoutInvoice: number }>(
    database.db,
    sql`SELECT count(*) FILTER (WHERE kind = 'invoice')::int AS invoices, count(*) FILTER (WHERE kind = 'credit_note')::int AS "creditNotes",
               coalesce(max(number), 0)::int AS "lastNumber", (coalesce(max(number), 0) - count(DISTINCT number))::int AS gaps,
               (SELECT count(*)::int FROM orders o WHERE o.status = 'paid' AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.order_id = o.id AND i.kind = 'invoice')) AS "paidWithoutInvoice"
          FROM invoices`,
  )

  let big: Record<string, number> | undefined
  if (values['parse-mb']) {
    const bigPath = join(folder, 'big.xml')
    const targetBytes = Number(values['parse-mb']) * 2 ** 20
    const perEntry = bytes / n + 2000
    const bigBytes = await writeStatement(bigPath, Math.ceil(targetBytes / perEntry), orderIds(n), 2000)
    const parsed = await measured(() => parseOnly(bigPath))
    big = { fileMb: Math.round(bigBytes / 2 ** 20), entries: parsed.result, parseMs: Math.round(parsed.ms), ...memory(parsed) }
    rmSync(bigPath)
  }

  console.log(
    JSON.stringify(
      {
        database: database.kind,
        entries: n,
        fileMb: Number((bytes / 2 ** 20).toFixed(1)),
        setupMs: Math.round(setupMs),
        loadAverage: { before: loadBefore, after: loadAfter, cores: cpus().length },
        floor: { parseMs: Math.round(floor.ms), entriesPerSecond: Math.round((floor.result / floor.ms) * 1000), ...memory(floor), ...cpu(floor) },
        import: { ms: Math.round(run.ms), entriesPerSecond: Math.round((n / run.ms) * 1000), progress, ...memory(run), ...cpu(run), ...summary },
        ratio: Number((run.ms / floor.ms).toFixed(2)),
        writeFloor: { ms: Math.round(writes.ms), ...writes.result, ratioToParse: Number((writes.ms / floor.ms).toFixed(2)), ...cpu(writes) },
        invoices: {
          ...invoiced,
          floorMsPerThousand: Number(((writes.result.msPerTable.invoices / Math.max(1, writes.result.renewals)) * 1000).toFixed(1)),
          shareOfWriteFloor: Number((writes.result.msPerTable.invoices / writes.ms).toFixed(3)),
        },
        importToWriteFloor: Number((run.ms / writes.ms).toFixed(2)),
        secondImport: { ms: Math.round(again.ms), ratio: Number((again.ms / floor.ms).toFixed(2)), ...memory(again), ...cpu(again), ...summaryAgain },
        ...(big ? { bigFileParse: big } : {}),
        targets: { importToWriteFloor: 1.5, peakRssMb: 300 },
      },
      null,
      2,
    ),
  )
} finally {
  await database.close()
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await admin.end()
  rmSync(folder, { recursive: true, force: true })
}
