import { sql, type SQL } from 'drizzle-orm'
import type { CalendarDate } from '../core/calendar'
import { PAYMENT_TRANSIT_DAYS } from '../renewals/rules'
import type { PaymentMethod } from '../renewals/schema'
import { queryRows, type Executor } from '../db/client'
import { insertAuditRowsSql } from '../db/audit'
import { holderNameSql } from '../accounts/queries'
import { enqueueMailRowsSql } from '../notifications/outbox'
import { queueCommandRowsSql } from '../provisioning/commands'

/*
 * Every statement of the daily run. Each step is one set-based statement per batch: pick due rows,
 * change them, and write notices, audit rows, provisioning commands and outbox mail in the same
 * statement (data-modifying CTEs). Exactly once (R8) comes from the database: notices have a
 * unique key, status changes re-check the old status under a row lock, and FOR UPDATE SKIP LOCKED
 * lets several runners share a date without waiting on each other.
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
  const transit = (method: PaymentMethod) => sql`${PAYMENT_TRANSIT_DAYS[method]}::int`
  return sql`CASE WHEN o.id IS NULL THEN 'null'::jsonb ELSE jsonb_build_object(
    'orderId', o.id, 'totalCents', o.total_cents, 'method', o.method,
    'payBy', ${deadline} - (CASE o.method WHEN 'bonifico' THEN ${transit('bonifico')} WHEN 'bollettino' THEN ${transit('bollettino')}
                                          WHEN 'card' THEN ${transit('card')} ELSE ${transit('paypal')} END)) END`
}

export interface Bounds {
  maxReminderOffset: number
  minRenewableWindow: number
}

export async function conventionBounds(db: Executor): Promise<Bounds> {
  const [row] = await queryRows<{ max_offset: number | null; min_window: number | null }>(
    db,
    sql`SELECT (SELECT max(x) FROM conventions, unnest(reminder_offsets_days) AS x)::int AS max_offset,
               (SELECT min(renewable_window_days) FROM conventions)::int AS min_window`,
  )
  return { maxReminderOffset: row?.max_offset ?? 0, minRenewableWindow: row?.min_window ?? 0 }
}

/**
 * R2: the active mailboxes with a reminder due today. For each expiry date within the largest
 * offset, the nearest due offset is the same for every mailbox of a convention (`days`); a mailbox
 * is due when its last recorded reminder is older than that offset's due date. The partial index
 * mailboxes_reminder_due turns this into one short range scan per expiry date.
 */
function dueRemindersCte(today: string, maxOffset: number, options: { limit?: number; lock?: SQL }) {
  return sql`
    days AS (
      SELECT c.code, c.reminder_offsets_days AS offsets, c.register_warning_days, ${today}::date + k AS expires_on,
             (SELECT min(x) FROM unnest(c.reminder_offsets_days) AS x WHERE x >= k) AS offset_days
        FROM conventions c CROSS JOIN generate_series(0, ${maxOffset}::int) AS k
    ),
    due AS (
      -- LATERAL: one short index range scan per expiry date (mailboxes_reminder_due), whatever
      -- the planner estimates for generate_series; the outer LIMIT stops at a full batch.
      SELECT m.id, m.address, m.expires_on, m.account_id, m.register, m.last_reminder_due_on,
             d.offsets, d.register_warning_days, d.offset_days
        FROM days d CROSS JOIN LATERAL (
          SELECT mb.id, mb.address, mb.expires_on, mb.account_id, mb.register, mb.last_reminder_due_on
            FROM mailboxes mb
           WHERE mb.status = 'active' AND mb.expires_on = d.expires_on AND mb.convention_code = d.code
             AND mb.last_reminder_due_on < d.expires_on - d.offset_days
           ORDER BY mb.id
           ${options.limit ? sql`LIMIT ${options.limit}` : sql``} ${options.lock ?? sql``}
        ) AS m
       WHERE d.offset_days IS NOT NULL
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
  p: { today: string; maxOffset: number; limit: number; now: Date; skipLocked: boolean },
): Promise<BatchResult> {
  const lock = p.skipLocked ? sql`FOR UPDATE SKIP LOCKED` : sql`FOR UPDATE`
  const [row] = await queryRows<{ candidates: number; done: number; warned: number; skipped: number }>(
    tx,
    sql`WITH ${dueRemindersCte(p.today, p.maxOffset, { limit: p.limit, lock })},
    marked AS (
      UPDATE mailboxes m SET last_reminder_due_on = due.expires_on - due.offset_days
        FROM due WHERE m.id = due.id
      RETURNING m.id
    ),
    sent AS (
      INSERT INTO notices (mailbox_id, kind, expires_on, offset_days, status, run_date, created_at)
      SELECT id, 'reminder', expires_on, offset_days, 'queued', ${p.today}::date, ${p.now}::timestamptz FROM due
      ON CONFLICT ON CONSTRAINT notices_once DO NOTHING
      RETURNING mailbox_id
    ),
    skipped AS (
      INSERT INTO notices (mailbox_id, kind, expires_on, offset_days, status, run_date, created_at)
      SELECT d.id, 'reminder', d.expires_on, x, 'skipped', ${p.today}::date, ${p.now}::timestamptz
        FROM due d JOIN sent s ON s.mailbox_id = d.id CROSS JOIN LATERAL unnest(d.offsets) AS x
       WHERE x > d.offset_days AND d.expires_on - x > d.last_reminder_due_on
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
            registerWarning: sql`(m.register <> 'none' AND m.offset_days <= m.register_warning_days)`,
            openOrder: openOrderJson(sql`m.expires_on`),
          },
          mailboxId: sql`m.id`,
          orderId: sql`o.id`,
        },
        p.now,
      )}
      RETURNING (params ->> 'registerWarning')::boolean AS warned
    )
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
export async function previewReminders(db: Executor, p: { today: string; maxOffset: number }): Promise<PreviewRow[]> {
  const rows = await queryRows<{ address: string; expires_on: CalendarDate; offset_days: number; skipped: number[] | null; register: string; warned: boolean }>(
    db,
    sql`WITH ${dueRemindersCte(p.today, p.maxOffset, {})}
    SELECT d.address, d.expires_on, d.offset_days, d.register,
           (d.register <> 'none' AND d.offset_days <= d.register_warning_days) AS warned,
           ARRAY(SELECT x FROM unnest(d.offsets) AS x
                  WHERE x > d.offset_days AND d.expires_on - x > d.last_reminder_due_on ORDER BY x DESC) AS skipped
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

function dueDeactivationsWhere(today: string) {
  return sql`m.status = 'active' AND m.expires_on < ${today}::date`
}

/** R5, R7, R8: deactivates one batch of mailboxes whose expiry has passed. */
export async function deactivateBatch(
  tx: Executor,
  p: { today: string; limit: number; now: Date; skipLocked: boolean },
): Promise<BatchResult> {
  const lock = p.skipLocked ? sql`FOR UPDATE SKIP LOCKED` : sql`FOR UPDATE`
  const [row] = await queryRows<{ picked: number; done: number; warned: number }>(
    tx,
    sql`WITH picked AS (
      SELECT m.id FROM mailboxes m WHERE ${dueDeactivationsWhere(p.today)}
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
          reason: 'R5: not renewed by its expiry date',
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
    )
    SELECT (SELECT count(*) FROM picked)::int AS picked, (SELECT count(*) FROM changed)::int AS done,
           (SELECT count(*) FROM mails WHERE warned)::int AS warned,
           (SELECT count(*) FROM audited)::int + (SELECT count(*) FROM commands)::int AS side_effects`,
  )
  return { candidates: row.picked, done: row.done, registerWarnings: row.warned, skipped: 0 }
}

function dueCessationsWhere(today: string, minWindow: number) {
  // The first condition lets the (status, expires_on) index narrow the scan; the second applies
  // each convention's own window.
  return sql`m.status IN ('active', 'deactivated') AND m.expires_on < ${today}::date - ${minWindow}::int
             AND m.expires_on < ${today}::date - c.renewable_window_days`
}

/** R6, R7, R8: ceases one batch of mailboxes past their renewable window; their open orders lapse. */
export async function ceaseBatch(
  tx: Executor,
  p: { today: string; limit: number; now: Date; minWindow: number; skipLocked: boolean },
): Promise<BatchResult> {
  const lock = p.skipLocked ? sql`FOR UPDATE OF m SKIP LOCKED` : sql`FOR UPDATE OF m`
  const [row] = await queryRows<{ picked: number; done: number; warned: number }>(
    tx,
    sql`WITH picked AS (
      SELECT m.id FROM mailboxes m JOIN conventions c ON c.code = m.convention_code
       WHERE ${dueCessationsWhere(p.today, p.minWindow)}
       ORDER BY m.expires_on, m.id LIMIT ${p.limit} ${lock}
    ),
    changed AS (
      UPDATE mailboxes m SET status = 'ceased', ceased_on = ${p.today}::date, updated_at = ${p.now}::timestamptz
        FROM picked WHERE m.id = picked.id AND m.status IN ('active', 'deactivated')
      RETURNING m.id, m.address, m.expires_on, m.account_id, m.register
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
          reason: 'R6: renewable window over',
          data: sql`jsonb_build_object('expiresOn', expires_on, 'runDate', ${p.today}::date)`,
        },
        { from: sql`lapsed`, action: 'order.lapsed', mailboxId: sql`mailbox_id`, orderId: sql`id`, reason: 'R6: mailbox ceased' },
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
    )
    SELECT (SELECT count(*) FROM picked)::int AS picked, (SELECT count(*) FROM changed)::int AS done,
           (SELECT count(*) FROM mails WHERE warned)::int AS warned,
           (SELECT count(*) FROM audited)::int + (SELECT count(*) FROM commands)::int AS side_effects`,
  )
  return { candidates: row.picked, done: row.done, registerWarnings: row.warned, skipped: 0 }
}

/** Read-only: what deactivation and cessation would touch, mailbox by mailbox (dry run, floor). */
export async function previewStatusChanges(
  db: Executor,
  p: { today: string; minWindow: number },
): Promise<PreviewRow[]> {
  const ceasing = await queryRows<{ address: string; expires_on: CalendarDate; register: string }>(
    db,
    sql`SELECT m.address, m.expires_on, m.register FROM mailboxes m JOIN conventions c ON c.code = m.convention_code
         WHERE ${dueCessationsWhere(p.today, p.minWindow)} ORDER BY m.expires_on, m.id`,
  )
  const deactivating = await queryRows<{ address: string; expires_on: CalendarDate; register: string }>(
    db,
    sql`SELECT m.address, m.expires_on, m.register FROM mailboxes m JOIN conventions c ON c.code = m.convention_code
         WHERE ${dueDeactivationsWhere(p.today)}
           AND NOT (m.expires_on < ${p.today}::date - c.renewable_window_days)
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
