import { sql, type SQL } from 'drizzle-orm'
import type { CalendarDate } from '../core/calendar'
import { auditReason } from '../core/audit-text'
import { PAYMENT_TRANSIT_DAYS } from '../renewals/rules'
import { conventions } from '../catalog/schema'
import { queryRows, type Executor } from '../db/client'
import { insertAuditRowsSql } from '../db/audit'
import { holderNameSql } from '../accounts/queries'
import { enqueueMailRowsSql } from '../notifications/outbox'
import { queueCommandRowsSql } from '../provisioning/commands'
import { eventCtesSql, eventWrites, mailboxDataSql, subscribedEventTypes } from '../events/emit'
import type { EventType } from '../events/schema'
import type { LifecycleConvention, LifecyclePlan } from './rules'

/*
 * Every statement of the daily run. Each step is one set-based statement per batch: pick due rows,
 * change them, and write notices, audit rows, provisioning commands and outbox mail in the same
 * statement (data-modifying CTEs). Exactly once (R8) comes from the database: notices have a
 * unique key, status changes re-check the old status under a row lock, and FOR UPDATE SKIP LOCKED
 * lets several runners share a date without waiting on each other. Which rows are due is decided
 * by lifecycle/rules.ts: the statements receive its plan (schedule, cut-off dates) as parameters.
 */

const ACTOR = 'system:lifecycle'

/** Where a notice goes: the holder of the mailbox `m`, through its account `a`. */
const TO_HOLDER = { language: sql`a.language`, recipient: sql`a.reference_email` }

/** What every notice says: to whom, which mailbox, its expiry and its public register (R7). */
const NOTICE_PARAMS = { holderName: holderNameSql(sql`a`), mailbox: sql`m.address`, expiresOn: sql`m.expires_on`, register: sql`m.register` }

/**
 * The open order facts an e-mail carries (OpenOrderFacts), or JSON null. `deadline` is the day the
 * payment must arrive: E for a reminder, the end of the renewable window after deactivation.
 */
function openOrderJson(deadline: SQL) {
  // renewals' PAYMENT_TRANSIT_DAYS, as rows: the one table of transit days
  const transit = sql.join(
    Object.entries(PAYMENT_TRANSIT_DAYS).map(([method, days]) => sql`(${method}::text, ${days}::int)`),
    sql`, `,
  )
  return sql`CASE WHEN o.id IS NULL THEN 'null'::jsonb ELSE jsonb_build_object(
    'orderId', o.id, 'totalCents', o.total_cents, 'method', o.method,
    'payBy', ${deadline} - (SELECT t.days FROM (VALUES ${transit}) AS t(method, days) WHERE t.method = o.method)) END`
}

/** The conventions' settings the daily run's rules need (lifecyclePlan). */
export async function lifecycleConventions(db: Executor): Promise<LifecycleConvention[]> {
  return db
    .select({
      code: conventions.code,
      reminderOffsetsDays: conventions.reminderOffsetsDays,
      registerWarningDays: conventions.registerWarningDays,
      renewableWindowDays: conventions.renewableWindowDays,
    })
    .from(conventions)
}

/** A PostgreSQL array literal, passed as one text parameter (the same on node-postgres and PGlite). */
function arrayLiteral(values: readonly (number | string)[]): string {
  return `{${values.join(',')}}`
}

/** R2/R8: an older offset `x` of the due row `d` is skipped unless its reminder was recorded before. */
function notRecordedBefore(d: SQL, x: SQL) {
  return sql`${d}.expires_on - ${x} > ${d}.last_reminder_due_on`
}

/**
 * R2: the active mailboxes with a reminder due today. The plan's schedule says, per convention and
 * expiry date, which reminder is due (`days`); a mailbox is due when its last recorded reminder is
 * older than that reminder's due day. The partial index mailboxes_reminder_due turns this into one
 * short range scan per expiry date. Null when no reminder is due under any convention.
 */
function dueRemindersCte(plan: LifecyclePlan, options: { limit?: number; lock?: SQL }) {
  if (plan.reminders.length === 0) return null
  const rows = plan.reminders.map(
    (d) =>
      sql`(${d.code}::text, ${d.expiresOn}::date, ${d.offsetDays}::int, ${d.dueOn}::date, ${arrayLiteral(d.skip)}::int[], ${arrayLiteral(d.warnedRegisters)}::text[])`,
  )
  return sql`
    days (code, expires_on, offset_days, due_on, skip, warned_registers) AS (VALUES ${sql.join(rows, sql`, `)}),
    due AS (
      -- LATERAL: one short index range scan per expiry date (mailboxes_reminder_due), whatever
      -- the planner estimates for the schedule; the outer LIMIT stops at a full batch.
      SELECT m.id, m.address, m.expires_on, m.account_id, m.register, m.last_reminder_due_on, d.code AS convention_code,
             d.offset_days, d.due_on, d.skip, m.register = ANY (d.warned_registers) AS warned
        FROM days d CROSS JOIN LATERAL (
          SELECT mb.id, mb.address, mb.expires_on, mb.account_id, mb.register, mb.last_reminder_due_on
            FROM mailboxes mb
           WHERE mb.status = 'active' AND mb.expires_on = d.expires_on AND mb.convention_code = d.code
             AND mb.last_reminder_due_on < d.due_on
           ORDER BY mb.id
           ${options.limit ? sql`LIMIT ${options.limit}` : sql``} ${options.lock ?? sql``}
        ) AS m
       ${options.limit ? sql`LIMIT ${options.limit}` : sql``}
    )`
}

export interface BatchResult {
  candidates: number
  done: number
  registerWarnings: number
  skipped: number
}

/** R2, R7, R8: sends (queues) the due reminders of one batch and records the skipped older offsets. */
export async function sendReminderBatch(
  tx: Executor,
  plan: LifecyclePlan,
  p: { limit: number; now: Date; skipLocked: boolean },
): Promise<BatchResult> {
  const lock = p.skipLocked ? sql`FOR UPDATE SKIP LOCKED` : sql`FOR UPDATE`
  const due = dueRemindersCte(plan, { limit: p.limit, lock })
  if (!due) return { candidates: 0, done: 0, registerWarnings: 0, skipped: 0 }
  const events = mailboxEvents(await subscribedEventTypes(tx), 'mailbox.reminded', {
    from: sql`due m JOIN sent s ON s.mailbox_id = m.id JOIN accounts a ON a.id = m.account_id ORDER BY m.id`,
    status: sql`'active'`,
    extra: sql`jsonb_build_object('reminder', jsonb_build_object('offsetDays', m.offset_days, 'runDate', ${plan.today}::date))`,
  }, p.now)
  const [row] = await queryRows<{ candidates: number; done: number; warned: number; skipped: number }>(
    tx,
    sql`WITH ${due},
    marked AS (
      UPDATE mailboxes m SET last_reminder_due_on = due.due_on FROM due WHERE m.id = due.id
      RETURNING m.id
    ),
    sent AS (
      INSERT INTO notices (mailbox_id, kind, expires_on, offset_days, status, run_date, created_at)
      SELECT id, 'reminder', expires_on, offset_days, 'queued', ${plan.today}::date, ${p.now}::timestamptz FROM due
      ON CONFLICT ON CONSTRAINT notices_once DO NOTHING
      RETURNING mailbox_id
    ),
    skipped AS (
      INSERT INTO notices (mailbox_id, kind, expires_on, offset_days, status, run_date, created_at)
      SELECT d.id, 'reminder', d.expires_on, x, 'skipped', ${plan.today}::date, ${p.now}::timestamptz
        FROM due d JOIN sent s ON s.mailbox_id = d.id CROSS JOIN LATERAL unnest(d.skip) AS x
       WHERE ${notRecordedBefore(sql`d`, sql`x`)}
      ON CONFLICT ON CONSTRAINT notices_once DO NOTHING
      RETURNING 1
    ),
    mails AS (
      ${enqueueMailRowsSql(
        {
          template: 'reminder',
          from: sql`due m JOIN sent s ON s.mailbox_id = m.id
                    JOIN accounts a ON a.id = m.account_id
                    LEFT JOIN orders o ON o.mailbox_id = m.id AND o.status = 'open'`,
          ...TO_HOLDER,
          params: {
            ...NOTICE_PARAMS,
            offsetDays: sql`m.offset_days`,
            registerWarning: sql`m.warned`,
            openOrder: openOrderJson(sql`m.expires_on`),
          },
          mailboxId: sql`m.id`,
          orderId: sql`o.id`,
        },
        p.now,
      )}
      RETURNING (params ->> 'registerWarning')::boolean AS warned
    )${events}
    SELECT (SELECT count(*) FROM marked)::int AS candidates,
           (SELECT count(*) FROM mails)::int AS done, (SELECT count(*) FROM mails WHERE warned)::int AS warned,
           (SELECT count(*) FROM skipped)::int AS skipped`,
  )
  return { candidates: row.candidates, done: row.done, registerWarnings: row.warned, skipped: row.skipped }
}

export interface PreviewRow {
  address: string
  action: 'reminder' | 'deactivate' | 'cease'
  expiresOn: CalendarDate
  offsetDays: number | null
  skippedOffsets: number[]
  register: string
  /** R7: the mail carries the public-register warning. */
  registerWarning: boolean
}

/** The same selection as sendReminderBatch, read only and whole: the dry run and the benchmark's floor. */
export async function previewReminders(db: Executor, plan: LifecyclePlan): Promise<PreviewRow[]> {
  const due = dueRemindersCte(plan, {})
  if (!due) return []
  const rows = await queryRows<{ address: string; expires_on: CalendarDate; offset_days: number; skipped: number[] | null; register: string; warned: boolean }>(
    db,
    sql`WITH ${due}
    SELECT d.address, d.expires_on, d.offset_days, d.register, d.warned,
           ARRAY(SELECT x FROM unnest(d.skip) AS x WHERE ${notRecordedBefore(sql`d`, sql`x`)} ORDER BY x DESC) AS skipped
      FROM due d ORDER BY d.expires_on, d.id`,
  )
  return rows.map((r) => ({
    address: r.address,
    action: 'reminder' as const,
    expiresOn: r.expires_on,
    offsetDays: r.offset_days,
    skippedOffsets: r.skipped ?? [],
    register: r.register,
    registerWarning: r.warned,
  }))
}

/**
 * The CTEs `commands` and `noticed` every status change writes beside its own: the mail-platform
 * command, and the notice whose unique key lets the holder's e-mail go out once (R8).
 */
function platformCommandAndNotice(p: { today: string; now: Date }, action: 'disable' | 'delete', kind: 'deactivation' | 'cessation') {
  return sql`commands AS (
      ${queueCommandRowsSql(action, { from: sql`changed`, mailboxId: sql`id` }, p.now)}
      RETURNING 1
    ),
    noticed AS (
      INSERT INTO notices (mailbox_id, kind, expires_on, offset_days, status, run_date, created_at)
      SELECT id, ${kind}, expires_on, 0, 'queued', ${p.today}::date, ${p.now}::timestamptz FROM changed
      ON CONFLICT ON CONSTRAINT notices_once DO NOTHING
      RETURNING mailbox_id
    )`
}

function dueDeactivationsWhere(plan: LifecyclePlan) {
  return sql`m.status = 'active' AND m.expires_on <= ${plan.deactivatesThrough}::date`
}

/** R5, R7, R8: deactivates one batch of mailboxes whose expiry has passed. */
export async function deactivateBatch(
  tx: Executor,
  plan: LifecyclePlan,
  options: { limit: number; now: Date; skipLocked: boolean },
): Promise<BatchResult> {
  const p = { ...options, today: plan.today }
  const lock = p.skipLocked ? sql`FOR UPDATE SKIP LOCKED` : sql`FOR UPDATE`
  const events = mailboxEvents(await subscribedEventTypes(tx), 'mailbox.deactivated', {
    from: sql`changed m JOIN accounts a ON a.id = m.account_id ORDER BY m.id`,
    status: sql`'deactivated'`,
    extra: sql`jsonb_build_object('deactivatedOn', ${p.today}::date)`,
  }, p.now)
  const [row] = await queryRows<{ picked: number; done: number; warned: number }>(
    tx,
    sql`WITH picked AS (
      SELECT m.id FROM mailboxes m WHERE ${dueDeactivationsWhere(plan)}
       ORDER BY m.expires_on, m.id LIMIT ${p.limit} ${lock}
    ),
    changed AS (
      UPDATE mailboxes m SET status = 'deactivated', deactivated_on = ${p.today}::date, updated_at = ${p.now}::timestamptz
        FROM picked WHERE m.id = picked.id AND m.status = 'active'
      RETURNING m.id, m.address, m.expires_on, m.account_id, m.register, m.convention_code
    ),
    audited AS (
      ${insertAuditRowsSql(
        { at: p.now, actor: ACTOR },
        {
          from: sql`changed`,
          action: 'mailbox.deactivated',
          mailboxId: sql`id`,
          reason: auditReason('not_renewed_by_expiry'),
          data: sql`jsonb_build_object('expiresOn', expires_on, 'runDate', ${p.today}::date)`,
        },
      )}
      RETURNING 1
    ),
    ${platformCommandAndNotice(p, 'disable', 'deactivation')},
    mails AS (
      ${enqueueMailRowsSql(
        {
          template: 'deactivation',
          from: sql`changed m JOIN noticed n ON n.mailbox_id = m.id
                    JOIN accounts a ON a.id = m.account_id
                    JOIN conventions c ON c.code = m.convention_code
                    LEFT JOIN orders o ON o.mailbox_id = m.id AND o.status = 'open'`,
          ...TO_HOLDER,
          params: {
            ...NOTICE_PARAMS,
            renewableUntil: sql`m.expires_on + c.renewable_window_days`,
            openOrder: openOrderJson(sql`m.expires_on + c.renewable_window_days`),
          },
          mailboxId: sql`m.id`,
          orderId: sql`o.id`,
        },
        p.now,
      )}
      RETURNING params ->> 'register' <> 'none' AS warned
    )${events}
    SELECT (SELECT count(*) FROM picked)::int AS picked, (SELECT count(*) FROM changed)::int AS done,
           (SELECT count(*) FROM mails WHERE warned)::int AS warned,
           (SELECT count(*) FROM audited)::int + (SELECT count(*) FROM commands)::int AS side_effects`,
  )
  return { candidates: row.picked, done: row.done, registerWarnings: row.warned, skipped: 0 }
}

/** Issue 15: the CTEs of a batch's mailbox events, over `m` (the changed mailboxes) and `a` (their accounts); nothing when no endpoint wants them. */
function mailboxEvents(subscribed: ReadonlySet<EventType>, type: EventType, p: { from: SQL; status?: SQL; extra: SQL }, now: Date): SQL {
  const data = sql`jsonb_build_object('mailbox', ${mailboxDataSql({ m: sql`m`, a: sql`a`, status: p.status })}) || ${p.extra}`
  return eventCtesSql(eventWrites(subscribed, 'events', { type, from: p.from, conventionCode: sql`m.convention_code`, data }, now))
}

/** The plan's cessation cut-offs as a relation `cut (code, ceases_through)`, or null without conventions. */
function cessationCutoffs(plan: LifecyclePlan) {
  if (plan.ceasesThrough.length === 0) return null
  const rows = plan.ceasesThrough.map((c) => sql`(${c.code}::text, ${c.through}::date)`)
  return sql`(VALUES ${sql.join(rows, sql`, `)}) AS cut (code, ceases_through)`
}

/** Mailboxes `m` joined to their convention's `cut`, due to cease. */
function dueCessationsWhere(plan: LifecyclePlan) {
  // The first date condition lets the (status, expires_on) index narrow the scan; the second
  // applies each convention's own window.
  const latest = plan.ceasesThrough.map((c) => c.through).reduce((a, b) => (a > b ? a : b))
  return sql`m.status IN ('active', 'deactivated') AND m.expires_on <= ${latest}::date
             AND m.expires_on <= cut.ceases_through`
}

/** R6, R7, R8: ceases one batch of mailboxes past their renewable window; their open orders lapse. */
export async function ceaseBatch(
  tx: Executor,
  plan: LifecyclePlan,
  options: { limit: number; now: Date; skipLocked: boolean },
): Promise<BatchResult> {
  const p = { ...options, today: plan.today }
  const cut = cessationCutoffs(plan)
  if (!cut) return { candidates: 0, done: 0, registerWarnings: 0, skipped: 0 }
  const lock = p.skipLocked ? sql`FOR UPDATE OF m SKIP LOCKED` : sql`FOR UPDATE OF m`
  const events = mailboxEvents(await subscribedEventTypes(tx), 'mailbox.ceased', {
    from: sql`changed m JOIN accounts a ON a.id = m.account_id ORDER BY m.id`,
    status: sql`'ceased'`,
    extra: sql`jsonb_build_object('ceasedOn', ${p.today}::date)`,
  }, p.now)
  const [row] = await queryRows<{ picked: number; done: number; warned: number }>(
    tx,
    sql`WITH picked AS (
      SELECT m.id FROM mailboxes m JOIN ${cut} ON cut.code = m.convention_code
       WHERE ${dueCessationsWhere(plan)}
       ORDER BY m.expires_on, m.id LIMIT ${p.limit} ${lock}
    ),
    changed AS (
      UPDATE mailboxes m SET status = 'ceased', ceased_on = ${p.today}::date, updated_at = ${p.now}::timestamptz
        FROM picked WHERE m.id = picked.id AND m.status IN ('active', 'deactivated')
      RETURNING m.id, m.address, m.expires_on, m.account_id, m.register, m.convention_code
    ),
    lapsed AS (
      UPDATE orders o SET status = 'lapsed' FROM changed
       WHERE o.mailbox_id = changed.id AND o.status = 'open'
      RETURNING o.id, o.mailbox_id
    ),
    audited AS (
      ${insertAuditRowsSql(
        { at: p.now, actor: ACTOR },
        {
          from: sql`changed`,
          action: 'mailbox.ceased',
          mailboxId: sql`id`,
          reason: auditReason('renewable_window_over'),
          data: sql`jsonb_build_object('expiresOn', expires_on, 'runDate', ${p.today}::date)`,
        },
        { from: sql`lapsed`, action: 'order.lapsed', mailboxId: sql`mailbox_id`, orderId: sql`id`, reason: auditReason('mailbox_ceased') },
      )}
      RETURNING 1
    ),
    ${platformCommandAndNotice(p, 'delete', 'cessation')},
    mails AS (
      ${enqueueMailRowsSql(
        {
          template: 'cessation',
          from: sql`changed m JOIN noticed n ON n.mailbox_id = m.id JOIN accounts a ON a.id = m.account_id`,
          ...TO_HOLDER,
          params: {
            ...NOTICE_PARAMS,
            ceasedOn: sql`${p.today}::date`,
          },
          mailboxId: sql`m.id`,
        },
        p.now,
      )}
      RETURNING params ->> 'register' <> 'none' AS warned
    )${events}
    SELECT (SELECT count(*) FROM picked)::int AS picked, (SELECT count(*) FROM changed)::int AS done,
           (SELECT count(*) FROM mails WHERE warned)::int AS warned,
           (SELECT count(*) FROM audited)::int + (SELECT count(*) FROM commands)::int AS side_effects`,
  )
  return { candidates: row.picked, done: row.done, registerWarnings: row.warned, skipped: 0 }
}

/** Read-only: what deactivation and cessation would touch, mailbox by mailbox (dry run, floor). */
export async function previewStatusChanges(db: Executor, plan: LifecyclePlan): Promise<PreviewRow[]> {
  const cut = cessationCutoffs(plan)
  if (!cut) return []
  const ceasing = await queryRows<{ address: string; expires_on: CalendarDate; register: string }>(
    db,
    sql`SELECT m.address, m.expires_on, m.register FROM mailboxes m JOIN ${cut} ON cut.code = m.convention_code
         WHERE ${dueCessationsWhere(plan)} ORDER BY m.expires_on, m.id`,
  )
  const deactivating = await queryRows<{ address: string; expires_on: CalendarDate; register: string }>(
    db,
    sql`SELECT m.address, m.expires_on, m.register FROM mailboxes m JOIN ${cut} ON cut.code = m.convention_code
         WHERE ${dueDeactivationsWhere(plan)} AND NOT (m.expires_on <= cut.ceases_through)
         ORDER BY m.expires_on, m.id`,
  )
  const row = (action: PreviewRow['action']) => (r: { address: string; expires_on: CalendarDate; register: string }) => ({
    address: r.address,
    action,
    expiresOn: r.expires_on,
    offsetDays: null,
    skippedOffsets: [],
    register: r.register,
    registerWarning: r.register !== 'none',
  })
  return [...ceasing.map(row('cease')), ...deactivating.map(row('deactivate'))]
}

export async function recordRun(db: Executor, job: string, runDate: string, now: Date, summary: unknown): Promise<void> {
  await db.execute(sql`INSERT INTO job_runs (job, run_date, finished_at, summary)
    VALUES (${job}, ${runDate}::date, ${now}::timestamptz, ${JSON.stringify(summary)}::jsonb)
    ON CONFLICT (job, run_date) DO UPDATE SET finished_at = EXCLUDED.finished_at, summary = EXCLUDED.summary`)
}

export async function lastRunDate(db: Executor, job: string): Promise<CalendarDate | null> {
  const [row] = await queryRows<{ d: CalendarDate | null }>(db, sql`SELECT max(run_date) AS d FROM job_runs WHERE job = ${job}`)
  return row?.d ?? null
}
