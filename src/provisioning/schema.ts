import { bigint, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { mailboxes } from '../accounts/schema'

/** Commands for the mail platform, written with the state change and delivered by the port. */
export const provisioningCommands = pgTable(
  'provisioning_commands',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    mailboxId: bigint('mailbox_id', { mode: 'number' }).notNull().references(() => mailboxes.id),
    action: text('action', { enum: ['disable', 'enable', 'delete'] }).notNull(),
    status: text('status', { enum: ['pending', 'done', 'failed'] }).notNull().default('pending'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    doneAt: timestamp('done_at', { withTimezone: true }),
    lastError: text('last_error'),
  },
  (t) => [index('provisioning_pending').on(t.status, t.id)],
)
