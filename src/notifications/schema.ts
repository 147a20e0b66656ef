import { bigint, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

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
  (t) => [
    index('outbox_due').on(t.status, t.nextAttemptAt),
    // the back office's mailbox and order pages list the mail each was sent (issue 11)
    index('outbox_mailbox').on(t.mailboxId),
    index('outbox_order').on(t.orderId),
  ],
)
