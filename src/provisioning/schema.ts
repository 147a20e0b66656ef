import { sql } from 'drizzle-orm'
import { bigint, boolean, index, integer, pgTable, pgView, text, timestamp } from 'drizzle-orm/pg-core'
import { mailboxes } from '../accounts/schema'

/**
 * Commands for the mail platform, written with the state change and delivered by the port: pending
 * → in_flight (claimed, under a lease) → done, back to pending with a later attempt when the call
 * failed, or failed for good (an operator looks: `pec-renewal provisioning failed`).
 */
export const provisioningCommands = pgTable(
  'provisioning_commands',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    mailboxId: bigint('mailbox_id', { mode: 'number' }).notNull().references(() => mailboxes.id),
    action: text('action', { enum: ['disable', 'enable', 'delete'] }).notNull(),
    // disable only: the convention's deactivation mode when the command was queued
    mode: text('mode', { enum: ['off', 'receive-only'] }),
    status: text('status', { enum: ['pending', 'in_flight', 'done', 'failed'] }).notNull().default('pending'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    // in_flight: a worker that stopped before recording is taken over after this instant
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    doneAt: timestamp('done_at', { withTimezone: true }),
    lastError: text('last_error'),
  },
  // Open commands only: a claim walks them in id order without passing the done ones (bench/provisioning).
  (t) => [index('provisioning_open').on(t.id).where(sql`status IN ('pending', 'in_flight')`), index('provisioning_mailbox').on(t.mailboxId, t.id)],
)

/**
 * The SQL adapter (issue 13): what Dovecot's passdb/userdb and Postfix's virtual mailbox maps read,
 * straight from our state, so a deactivation is effective when its transaction commits. A ceased
 * mailbox is absent; a deactivated one has no login, and receives mail only when its convention
 * says receive-only. Passwords carry Dovecot's {SCHEME} prefix (stored hashes may have it already).
 * Queries and configuration: docs/mail-platform.md.
 */
export const mailPlatformAccounts = pgView('mail_platform_accounts', {
  address: text('address').notNull(),
  password: text('password'),
  loginAllowed: boolean('login_allowed').notNull(),
  receiveAllowed: boolean('receive_allowed').notNull(),
}).as(sql`SELECT m.address,
    CASE WHEN m.password_hash LIKE '{%' THEN m.password_hash
         WHEN m.password_hash LIKE '$argon2id$%' THEN '{ARGON2ID}' || m.password_hash
         WHEN m.password_hash LIKE '$2%' THEN '{BLF-CRYPT}' || m.password_hash
         WHEN m.password_hash LIKE '$6$%' THEN '{SHA512-CRYPT}' || m.password_hash END AS password,
    m.status = 'active' AS login_allowed,
    (m.status = 'active' OR (m.status = 'deactivated' AND c.deactivation_mode = 'receive-only')) AS receive_allowed
  FROM mailboxes m JOIN conventions c ON c.code = m.convention_code
  WHERE m.status <> 'ceased'`)
