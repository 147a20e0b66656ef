import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { signInFailureTables } from '../accounts/schema'

/** The provider's back-office staff (DESIGN §1, Operator): who signs in at /ufficio. */
export const operators = pgTable('operators', {
  username: text('username').primaryKey(), // lower case; the audit names them operator:USERNAME
  displayName: text('display_name').notNull(),
  passwordHash: text('password_hash').notNull(), // argon2id
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  /** Set while the operator may not sign in (someone who left); their sessions are closed with it. */
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
  /** The last time another operator set this one's password; null while it is the one given at creation. */
  passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }),
  /** When a session was last opened: who has not signed in for months is the first to ask about. */
  lastSignedInAt: timestamp('last_signed_in_at', { withTimezone: true }),
})

/**
 * A signed-in operator's session: the cookie carries a random token, the table only its SHA-256.
 * Kept apart from the holders' web_sessions, so neither kind of token can open the other's pages.
 */
export const operatorSessions = pgTable(
  'operator_sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    username: text('username').notNull().references(() => operators.username),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('operator_sessions_expiry').on(t.expiresAt)],
)

/** Failed operator sign-ins per username, and per username and client. */
export const operatorSignInGuard = signInFailureTables('operator_')
export const operatorSignInFailures = operatorSignInGuard.identifiers
export const operatorSignInClientFailures = operatorSignInGuard.clients
