import { bigint, date, integer, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core'
import { mailboxes } from '../accounts/schema'
import type { CalendarDate } from '../core/calendar'

export const NOTICE_KINDS = ['reminder', 'deactivation', 'cessation', 'payment_received'] as const
export type NoticeKind = (typeof NOTICE_KINDS)[number]

/**
 * R2/R8: what the holder was told about a mailbox, at most once per (mailbox, kind, expiry, offset).
 * A reminder skipped after missed runs is recorded with status 'skipped' and sends nothing.
 */
export const notices = pgTable(
  'notices',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    mailboxId: bigint('mailbox_id', { mode: 'number' }).notNull().references(() => mailboxes.id),
    kind: text('kind', { enum: NOTICE_KINDS }).notNull(),
    expiresOn: date('expires_on', { mode: 'string' }).$type<CalendarDate>().notNull(),
    offsetDays: integer('offset_days').notNull().default(0),
    status: text('status', { enum: ['queued', 'skipped'] }).notNull(),
    runDate: date('run_date', { mode: 'string' }).$type<CalendarDate>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [unique('notices_once').on(t.mailboxId, t.kind, t.expiresOn, t.offsetDays)],
)
