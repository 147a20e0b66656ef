import { sql } from 'drizzle-orm'
import { bigint, check, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core'
import { signInFailureTables } from '../accounts/schema'
import { OPERATOR_ROLES } from './roles'

/** The provider's back-office staff (DESIGN §1, Operator): who signs in at /ufficio. */
export const operators = pgTable(
  'operators',
  {
    username: text('username').primaryKey(), // lower case; the audit names them operator:USERNAME
    displayName: text('display_name').notNull(),
    /** What the operator may do (operators/roles.ts): admin, billing, support or read-only. */
    role: text('role', { enum: OPERATOR_ROLES }).notNull(),
    passwordHash: text('password_hash').notNull(), // argon2id
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    /** Set while the operator may not sign in (someone who left); their sessions are closed with it. */
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    /** The last time another operator set this one's password; null while it is the one given at creation. */
    passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }),
    /** When a session was last opened: who has not signed in for months is the first to ask about. */
    lastSignedInAt: timestamp('last_signed_in_at', { withTimezone: true }),
    /**
     * The TOTP shared secret (RFC 6238, base32), set when the operator starts enrolling; it signs
     * in with it only once totpEnrolledAt is set (a code was confirmed).
     */
    totpSecret: text('totp_secret'),
    totpEnrolledAt: timestamp('totp_enrolled_at', { withTimezone: true }),
    /** The time step of the last code accepted: a code is good once, never replayed. */
    totpLastStep: bigint('totp_last_step', { mode: 'number' }),
  },
  (t) => [check('operators_role', sql`${t.role} in ('admin', 'billing', 'support', 'read-only')`)],
)

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
    /** When the second factor was given; null until then (the session opens only the second-factor page). */
    secondFactorAt: timestamp('second_factor_at', { withTimezone: true }),
    /** Wrong codes on this session: past a few the session is closed and the password asked again. */
    secondFactorFailures: integer('second_factor_failures').notNull().default(0),
  },
  (t) => [index('operator_sessions_expiry').on(t.expiresAt)],
)

/** One-time recovery codes for an operator who lost the TOTP device; only their SHA-256 is kept. */
export const operatorRecoveryCodes = pgTable(
  'operator_recovery_codes',
  {
    username: text('username').notNull().references(() => operators.username),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.username, t.codeHash] })],
)

/** Failed operator sign-ins per username, and per username and client. */
export const operatorSignInGuard = signInFailureTables('operator_')
export const operatorSignInFailures = operatorSignInGuard.identifiers
export const operatorSignInClientFailures = operatorSignInGuard.clients
