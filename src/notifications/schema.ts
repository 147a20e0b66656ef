import { bigint, date, index, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core'
import { mailboxes } from '../accounts/schema'

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
    expiresOn: date('expires_on', { mode: 'string' }).notNull(),
    offsetDays: integer('offset_days').notNull().default(0),
    status: text('status', { enum: ['queued', 'skipped'] }).notNull(),
    runDate: date('run_date', { mode: 'string' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [unique('notices_once').on(t.mailboxId, t.kind, t.expiresOn, t.offsetDays)],
)

/** Outgoing e-mail, written in the transaction of the change it reports; sent after commit. */
export const outbox = pgTable(
  'outbox',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    template: text('template').notNull(),
    language: text('language', { enum: ['it', 'en'] }).notNull(),
    recipient: text('recipient').notNull(),
    params: jsonb('params').notNull(),
    mailboxId: bigint('mailbox_id', { mode: 'number' }),
    orderId: text('order_id'),
    status: text('status', { enum: ['pending', 'sent', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    lastError: text('last_error'),
    messageId: text('message_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [index('outbox_due').on(t.status, t.nextAttemptAt)],
)
