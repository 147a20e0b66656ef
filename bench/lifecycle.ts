/**
 * bench/lifecycle: the daily run at scale, against the floor of the bare SQL that selects the same
 * due rows (the dry run's statements). Usage:
 *   npx tsx bench/lifecycle.ts [--n 1000000[,100000]] [--db postgres://…|pglite] [--repeat 3]
 * Mailboxes get expiries spread evenly over a year (120 days back to 244 ahead), 10 % flagged
 * R7, past ones already deactivated or ceased as earlier daily runs would have left them.
 */
import { parseArgs } from 'node:util'
import pg from 'pg'
import { addDays, parseCalendarDate, type CalendarDate } from '../src/core/calendar'
import { ManualClock } from '../src/core/clock'
import { migrateDatabase, openDatabase, queryRows, sql, type Database } from '../src/db/client'
import { FNOMCEO_DEMO, saveConvention } from '../src/catalog/queries'
import { insertBulkMailboxes } from '../src/demo/bulk-mailboxes'
import { runLifecycle, type LifecycleSummary } from '../src/lifecycle/run-lifecycle'
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

async function freshDatabase(): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (onPglite) {
    const database = await openDatabase('memory://')
    return { database, drop: () => database.close() }
  }
  const admin = new pg.Client({ connectionString: values.db })
  await admin.connect()
  await admin.query('DROP DATABASE IF EXISTS pec_renewal_bench WITH (FORCE)')
  await admin.query('CREATE DATABASE pec_renewal_bench')
  const url = new URL(values.db!)
  url.pathname = '/pec_renewal_bench'
  const database = await openDatabase(url.toString(), { maxConnections: 1 }) // one session: undoRun uses a temporary table
  return {
    database,
    drop: async () => {
      await database.close()
      await admin.query('DROP DATABASE IF EXISTS pec_renewal_bench WITH (FORCE)')
      await admin.end()
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
    const runs: Array<{ ms: number; peakRssMb: number; result: LifecycleSummary }> = []
    const seconds: number[] = []
    for (let i = 0; i < repeat; i++) {
      floors.push((await timed(() => runLifecycle(deps, { date: today, dryRun: true }))).ms)
      const run = await timed(() => runLifecycle(deps, { date: today }))
      runs.push(run)
      seconds.push((await timed(() => runLifecycle(deps, { date: today }))).ms)
      if (i < repeat - 1) await undoRun(database, today)
    }
    const touched = runs[runs.length - 1].result
    const floor = median(floors)
    const run = median(runs.map((r) => r.ms))
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
