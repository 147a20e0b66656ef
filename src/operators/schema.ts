import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { signInFailuresTable } from '../accounts/schema'

/** The provider's back-office staff (DESIGN §1, Operator): who signs in at /ufficio. */
export const operators = pgTable('operators', {
  username: text('username').primaryKey(), // lower case; the audit names them operator:USERNAME
  displayName: text('display_name').notNull(),
  passwordHash: text('password_hash').notNull(), // argon2id
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
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

/** Failed operator sign-ins per username, for the lockout. */
export const operatorSignInFailures = signInFailuresTable('operator_sign_in_failures')
