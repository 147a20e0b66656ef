import { bigint, date, index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core'
import type { CalendarDate } from '../core/calendar'

/** R9: every state change of a mailbox, order or payment: who, when, why. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    actor: text('actor').notNull(), // holder:ID, operator:NAME, system:lifecycle, gateway:NAME
    action: text('action').notNull(), // mailbox.deactivated, order.placed, payment.paid …
    mailboxId: bigint('mailbox_id', { mode: 'number' }),
    orderId: text('order_id'),
    paymentId: bigint('payment_id', { mode: 'number' }),
    reason: text('reason'),
    data: jsonb('data'),
  },
  (t) => [index('audit_mailbox').on(t.mailboxId), index('audit_order').on(t.orderId)],
)

/** Which daily jobs completed for which business date: catch-up after a missed day. */
export const jobRuns = pgTable(
  'job_runs',
  {
    job: text('job').notNull(),
    runDate: date('run_date', { mode: 'string' }).$type<CalendarDate>().notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true }).notNull(),
    summary: jsonb('summary'),
  },
  (t) => [primaryKey({ columns: [t.job, t.runDate] })],
)
