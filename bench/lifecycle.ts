/**
 * bench/lifecycle: the daily run at scale, against two floors measured in the same run:
 * - the select floor, the bare SQL that selects the same due rows (the dry run's statements);
 * - the write floor (target: run ≤ 1.5 × it): the rows the run must write — each due mailbox's
 *   state (status, or the reminder it last got), its notices (sent and skipped), the audit rows,
 *   the mail-platform commands and the outbox mail, through the same owners' SQL builders as the run
 *   — written set-based, one statement per table after one read of the due rows with their
 *   holders (by index: nested loops, as the run's batches), in one transaction that is then rolled
 *   back (and vacuumed away). No run writes those
 *   rows faster than the database does here.
 * Also: a second run of the same date (nothing left to do: < 1 s) and the peak RSS (flat in N).
 * Usage:
 *   npx tsx bench/lifecycle.ts [--n 1000000[,100000]] [--db postgres://…|pglite] [--repeat 3]
 * Mailboxes get expiries spread evenly over a year (120 days back to 244 ahead), 10 % flagged
 * R7, past ones already deactivated or ceased as earlier daily runs would have left them.
 */
import { parseArgs } from 'node:util'
import pg from 'pg'
import { addDays, parseCalendarDate, type CalendarDate } from '../src/core/calendar'
import { ManualClock } from '../src/core/clock'
import { migrateDatabase, openDatabase, queryRows, sql, withoutJit, type Database } from '../src/db/client'
import { FNOMCEO_DEMO, saveConvention } from '../src/catalog/queries'
import { insertBulkMailboxes } from '../src/demo/bulk-mailboxes'
import { runLifecycle, type LifecycleSummary } from '../src/lifecycle/run-lifecycle'
import { lifecycleConventions } from '../src/lifecycle/queries'
import { lifecyclePlan } from '../src/lifecycle/rules'
import { insertAuditRowsSql } from '../src/db/audit'
import { enqueueMailRowsSql } from '../src/notifications/outbox'
import { queueCommandRowsSql } from '../src/provisioning/commands'
import { holderNameSql } from '../src/accounts/queries'
import type { SQL } from 'drizzle-orm'
import type { Deps } from '../src/deps'

const { values } = parseArgs({
  options: {
    n: { type: 'string' },
    db: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    date: { type: 'string', default: '2026-06-20' },
    repeat: { type: 'string', default: '3' },
  },
})
const onPglite = values.db === 'pglite'
const sizes = (values.n ?? (onPglite ? '100000' : '1000000')).split(',').map(Number)
const today = parseCalendarDate(values.date!)
const repeat = Number(values.repeat)

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T; peakRssMb: number }> {
  let peak = process.memoryUsage().rss
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10)
  const start = performance.now()
  const result = await work()
  const ms = performance.now() - start
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage().rss)
  return { ms, result, peakRssMb: peak / 2 ** 20 }
}

/** Runs `query` on the server's maintenance database through a short-lived connection. */
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
  // A name of this process's own: a bench of another checkout running at the same time keeps its database.
  const name = `pec_renewal_bench_lifecycle_${process.pid}`
  await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await onServer(`CREATE DATABASE ${name}`)
  const url = new URL(values.db!)
  url.pathname = `/${name}`
  const database = await openDatabase(url.toString(), { maxConnections: 1 }) // one session: undoRun uses a temporary table
  return {
    database,
    drop: async () => {
      await database.close()
      await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    },
  }
}

/** Each measured run works on the same data: its writes are undone before the next one. */
async function snapshotCounts(database: Database) {
  const [row] = await queryRows<Record<string, number>>(
    database.db,
    sql`SELECT (SELECT count(*) FROM notices)::int AS notices, (SELECT count(*) FROM outbox)::int AS outbox,
               (SELECT count(*) FROM audit_log)::int AS audit, (SELECT count(*) FROM provisioning_commands)::int AS commands`,
  )
  return row
}

async function undoRun(database: Database, date: CalendarDate) {
  await database.db.execute(sql`
    UPDATE mailboxes SET status = 'active', deactivated_on = NULL, updated_at = now() WHERE deactivated_on = ${date}::date;
  `)
  await database.db.execute(sql`UPDATE mailboxes SET status = 'deactivated', ceased_on = NULL WHERE ceased_on = ${date}::date`)
  await database.db.execute(sql`CREATE TEMP TABLE IF NOT EXISTS reminded (id bigint)`)
  await database.db.execute(sql`INSERT INTO reminded SELECT mailbox_id FROM notices WHERE run_date = ${date}::date AND kind = 'reminder'`)
  await database.db.execute(sql`DELETE FROM notices WHERE run_date = ${date}::date`)
  await database.db.execute(sql`UPDATE mailboxes m SET last_reminder_due_on = coalesce(
      (SELECT max(n.expires_on - n.offset_days) FROM notices n WHERE n.mailbox_id = m.id AND n.kind = 'reminder' AND n.expires_on = m.expires_on),
      '-infinity'::date) WHERE m.id IN (SELECT id FROM reminded)`)
  await database.db.execute(sql`DELETE FROM reminded`)
  await database.db.execute(sql`DELETE FROM outbox WHERE created_at >= ${new Date('2100-01-01')}::timestamptz`)
  await database.db.execute(sql`DELETE FROM audit_log WHERE at >= ${new Date('2100-01-01')}::timestamptz`)
  await database.db.execute(sql`DELETE FROM provisioning_commands WHERE created_at >= ${new Date('2100-01-01')}::timestamptz`)
  await database.db.execute(sql`DELETE FROM job_runs WHERE run_date = ${date}::date`)
  await database.db.execute(sql`VACUUM ANALYZE`)
}

/** The rows the run of `date` must write, set-based, rolled back: see the header. */
async function writeFloor(database: Database, date: CalendarDate, now: Date): Promise<{ ms: number; rows: number; msPerTable: Record<string, number> }> {
  const start = performance.now()
  const plan = lifecyclePlan(await lifecycleConventions(database.db), date)
  const list = (values: readonly (string | number)[]) => `{${values.join(',')}}`
  const days = sql.join(
    plan.reminders.map((d) => sql`(${d.code}::text, ${d.expiresOn}::date, ${d.offsetDays}::int, ${d.dueOn}::date, ${list(d.skip)}::int[], ${list(d.warnedRegisters)}::text[])`),
    sql`, `,
  )
  const latestCeasing = plan.ceasesThrough.map((c) => c.through).reduce((a, b) => (a > b ? a : b))
  const cut = sql.join(plan.ceasesThrough.map((c) => sql`(${c.code}::text, ${c.through}::date)`), sql`, `)
  const rolledBack = new Error('rolled back')
  const msPerTable: Record<string, number> = {}
  let rows = 0
  try {
    await database.db.transaction(async (tx) => {
      const timed = async (table: string, query: SQL) => {
        const start = performance.now()
        await tx.execute(query)
        msPerTable[table] = (msPerTable[table] ?? 0) + Math.round(performance.now() - start)
      }
      // The due rows are a few per cent of the table: reach them by index, as the run's batches do
      // (left alone, the planner hashes the whole mailbox and account tables for ~2 % of them).
      await tx.execute(sql`SET LOCAL enable_hashjoin = off`)
      await tx.execute(sql`SET LOCAL enable_mergejoin = off`)
      // As the run's batches (withoutJit): statements of milliseconds, not worth compiling.
      await withoutJit(tx)
      // The due mailboxes first (index scans: one range per expiry date, as the run's), then their
      // holders, conventions and open orders for the few rows found.
      await timed('readDue', sql`CREATE TEMP TABLE floor_pick ON COMMIT DROP AS
        WITH days (code, expires_on, offset_days, due_on, skip, warned_registers) AS (VALUES ${days}),
             cut (code, through) AS (VALUES ${cut})
        SELECT m.id, 'cease' AS kind, NULL::int AS offset_days, NULL::date AS due_on, '{}'::int[] AS skip, m.register <> 'none' AS warned
          FROM mailboxes m JOIN cut ON cut.code = m.convention_code
         WHERE m.status IN ('active', 'deactivated') AND m.expires_on <= ${latestCeasing}::date AND m.expires_on <= cut.through
        UNION ALL
        SELECT m.id, 'deactivate', NULL, NULL, '{}', m.register <> 'none'
          FROM mailboxes m JOIN cut ON cut.code = m.convention_code
         WHERE m.status = 'active' AND m.expires_on <= ${plan.deactivatesThrough}::date AND m.expires_on > cut.through
        UNION ALL
        SELECT m.id, 'reminder', d.offset_days, d.due_on,
               ARRAY(SELECT x FROM unnest(d.skip) AS x WHERE m.expires_on - x > m.last_reminder_due_on), m.register = ANY (d.warned_registers)
          FROM days d CROSS JOIN LATERAL (
            SELECT mb.id, mb.expires_on, mb.last_reminder_due_on, mb.register FROM mailboxes mb
             WHERE mb.status = 'active' AND mb.expires_on = d.expires_on AND mb.convention_code = d.code AND mb.last_reminder_due_on < d.due_on
          ) AS m`)
      await timed('readDue', sql`ANALYZE floor_pick`)
      await timed('readHolders', sql`CREATE TEMP TABLE floor_due ON COMMIT DROP AS
        SELECT p.*, m.address, m.expires_on, m.register, m.account_id, c.renewable_window_days,
               a.language, a.reference_email, ${holderNameSql(sql`a`)} AS holder_name, o.id AS order_id, o.total_cents, o.method
          FROM floor_pick p JOIN mailboxes m ON m.id = p.id JOIN accounts a ON a.id = m.account_id
               JOIN conventions c ON c.code = m.convention_code
               LEFT JOIN orders o ON o.mailbox_id = m.id AND o.status = 'open'`)
      await timed('readHolders', sql`ANALYZE floor_due`)
      await timed('mailboxes', sql`UPDATE mailboxes m
          SET status = CASE f.kind WHEN 'cease' THEN 'ceased' WHEN 'deactivate' THEN 'deactivated' ELSE m.status END,
              ceased_on = CASE WHEN f.kind = 'cease' THEN ${date}::date ELSE m.ceased_on END,
              deactivated_on = CASE WHEN f.kind = 'deactivate' THEN ${date}::date ELSE m.deactivated_on END,
              last_reminder_due_on = coalesce(f.due_on, m.last_reminder_due_on),
              updated_at = CASE WHEN f.kind = 'reminder' THEN m.updated_at ELSE ${now}::timestamptz END
         FROM floor_due f WHERE m.id = f.id`)
      await timed('orders', sql`UPDATE orders o SET status = 'lapsed' FROM floor_due f WHERE f.kind = 'cease' AND o.id = f.order_id`)
      await timed('notices', sql`INSERT INTO notices (mailbox_id, kind, expires_on, offset_days, status, run_date, created_at)
        SELECT f.id, CASE f.kind WHEN 'cease' THEN 'cessation' WHEN 'deactivate' THEN 'deactivation' ELSE 'reminder' END,
               f.expires_on, coalesce(f.offset_days, 0), 'queued', ${date}::date, ${now}::timestamptz FROM floor_due f
        UNION ALL
        SELECT f.id, 'reminder', f.expires_on, x, 'skipped', ${date}::date, ${now}::timestamptz FROM floor_due f CROSS JOIN LATERAL unnest(f.skip) AS x`)
      await timed('audit_log', sql`${insertAuditRowsSql(
        { at: now, actor: 'system:lifecycle' },
        { from: sql`floor_due WHERE kind = 'cease'`, action: 'mailbox.ceased', mailboxId: sql`id`, reason: 'R6: renewable window over',
          data: sql`jsonb_build_object('expiresOn', expires_on, 'runDate', ${date}::date)` },
        { from: sql`floor_due WHERE kind = 'cease' AND order_id IS NOT NULL`, action: 'order.lapsed', mailboxId: sql`id`, orderId: sql`order_id`, reason: 'R6: mailbox ceased' },
        { from: sql`floor_due WHERE kind = 'deactivate'`, action: 'mailbox.deactivated', mailboxId: sql`id`, reason: 'R5: not renewed by its expiry date',
          data: sql`jsonb_build_object('expiresOn', expires_on, 'runDate', ${date}::date)` },
      )}`)
      await timed('provisioning_commands', queueCommandRowsSql('delete', { from: sql`floor_due WHERE kind = 'cease'`, mailboxId: sql`id` }, now))
      await timed('provisioning_commands', queueCommandRowsSql('disable', { from: sql`floor_due WHERE kind = 'deactivate'`, mailboxId: sql`id` }, now))
      const notice = { holderName: sql`f.holder_name`, mailbox: sql`f.address`, expiresOn: sql`f.expires_on`, register: sql`f.register` }
      const openOrder = (deadline: SQL) => sql`CASE WHEN f.order_id IS NULL THEN 'null'::jsonb ELSE jsonb_build_object(
        'orderId', f.order_id, 'totalCents', f.total_cents, 'method', f.method, 'payBy', ${deadline}) END`
      const to = { language: sql`f.language`, recipient: sql`f.reference_email`, mailboxId: sql`f.id` }
      await timed('outbox', enqueueMailRowsSql({ template: 'reminder', from: sql`floor_due f WHERE f.kind = 'reminder'`, ...to, orderId: sql`f.order_id`,
        params: { ...notice, offsetDays: sql`f.offset_days`, registerWarning: sql`f.warned`, openOrder: openOrder(sql`f.expires_on`) } }, now))
      await timed('outbox', enqueueMailRowsSql({ template: 'deactivation', from: sql`floor_due f WHERE f.kind = 'deactivate'`, ...to, orderId: sql`f.order_id`,
        params: { ...notice, renewableUntil: sql`f.expires_on + f.renewable_window_days`, openOrder: openOrder(sql`f.expires_on + f.renewable_window_days`) } }, now))
      await timed('outbox', enqueueMailRowsSql({ template: 'cessation', from: sql`floor_due f WHERE f.kind = 'cease'`, ...to,
        params: { ...notice, ceasedOn: sql`${date}::date` } }, now))
      const [count] = await queryRows<{ n: number }>(tx, sql`SELECT count(*)::int AS n FROM floor_due`)
      rows = count.n
      throw rolledBack
    })
  } catch (error) {
    if (error !== rolledBack) throw error
  }
  const ms = performance.now() - start
  await database.db.execute(sql`VACUUM ANALYZE`)
  return { ms, rows, msPerTable }
}

for (const n of sizes) {
  const { database, drop } = await freshDatabase()
  try {
    await migrateDatabase(database)
    await saveConvention(database.db, FNOMCEO_DEMO)
    const load = await timed(() => insertBulkMailboxes(database.db, { count: n, today, fromDays: -120, toDays: 244, registeredShare: 0.1, settledPast: true }))
    await database.db.execute(sql`VACUUM ANALYZE`)
    // Earlier runs, so today is a steady-state day: reminders for earlier offsets already sent.
    const earlierClock = new ManualClock('2026-01-01T00:00:00Z')
    const earlierDeps: Deps = { db: database.db, clock: earlierClock, config: { publicUrl: 'https://bench.example', businessTimeZone: 'Europe/Rome' } }
    const catchUp = await timed(() => runLifecycle(earlierDeps, { date: addDays(today, -1) }))
    await database.db.execute(sql`VACUUM ANALYZE`)

    // Rows written by the measured runs carry a far-future timestamp, so undoRun finds them.
    const clock = new ManualClock('2100-01-01T00:00:00Z')
    const deps: Deps = { ...earlierDeps, clock }
    const floors: number[] = []
    const writeFloors: Array<Awaited<ReturnType<typeof writeFloor>>> = []
    const runs: Array<{ ms: number; peakRssMb: number; result: LifecycleSummary }> = []
    const seconds: number[] = []
    for (let i = 0; i < repeat; i++) {
      floors.push((await timed(() => runLifecycle(deps, { date: today, dryRun: true }))).ms)
      writeFloors.push(await writeFloor(database, today, clock.now()))
      const run = await timed(() => runLifecycle(deps, { date: today }))
      runs.push(run)
      seconds.push((await timed(() => runLifecycle(deps, { date: today }))).ms)
      if (i < repeat - 1) await undoRun(database, today)
    }
    const touched = runs[runs.length - 1].result
    const floor = median(floors)
    const run = median(runs.map((r) => r.ms))
    const writeFloorMs = median(writeFloors.map((w) => w.ms))
    console.log(
      JSON.stringify(
        {
          database: database.kind,
          mailboxes: n,
          date: today,
          loadMs: Math.round(load.ms),
          catchUpRunForPreviousDay: { ms: Math.round(catchUp.ms), ...pick(catchUp.result) },
          touched: pick(touched),
          floorMedianMs: Math.round(floor),
          runMedianMs: Math.round(run),
          ratio: Number((run / floor).toFixed(2)),
          writeFloor: { medianMs: Math.round(writeFloorMs), rows: writeFloors[0].rows, msPerTable: writeFloors[writeFloors.length - 1].msPerTable },
          ratioToWriteFloor: Number((run / writeFloorMs).toFixed(2)),
          runsMs: runs.map((r) => Math.round(r.ms)),
          writeFloorsMs: writeFloors.map((w) => Math.round(w.ms)),
          secondRunMedianMs: Math.round(median(seconds)),
          peakRssMb: Math.round(Math.max(...runs.map((r) => r.peakRssMb))),
          rows: await snapshotCounts(database),
          runs: repeat,
        },
        null,
        2,
      ),
    )
  } finally {
    await drop()
  }
}

function pick(s: LifecycleSummary) {
  return { reminders: s.reminders, deactivated: s.deactivated, ceased: s.ceased, registerWarnings: s.registerWarnings, skippedReminders: s.skippedReminders }
}
