import { sql } from 'drizzle-orm'
import { bigint, date, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core'
import { conventions } from '../catalog/schema'
import { REGISTERS } from '../core/vocabulary'
import { foldedName, nameWordPlaces } from './name-search'
import type { CalendarDate } from '../core/calendar'

/** A customer account: the holder (intestatario) and their reference e-mail address. */
export const accounts = pgTable(
  'accounts',
  {
    id: text('id').primaryKey(), // the customer account ID the holder signs in with
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull(),
    // the names as the search box compares them (name-search): kept by the database, so a search
    // reads them instead of folding every candidate row again
    firstNameFolded: text('first_name_folded')
      .notNull()
      .generatedAlwaysAs(foldedName(sql`${sql.identifier('first_name')}`)),
    lastNameFolded: text('last_name_folded')
      .notNull()
      .generatedAlwaysAs(foldedName(sql`${sql.identifier('last_name')}`)),
    fiscalCode: text('fiscal_code').notNull(), // codice fiscale
    referenceEmail: text('reference_email').notNull(),
    language: text('language', { enum: ['it', 'en'] }).notNull().default('it'),
    passwordHash: text('password_hash'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    // The back office's search box (issue 11): a codice fiscale or partita IVA, exactly; a reference
    // e-mail, exactly; a name by the first letters of the first name, of the surname, or of the second
    // or third word of a compound surname (De Luca, De La Cruz): each served by its index at any size.
    index('accounts_fiscal_code').on(t.fiscalCode),
    index('accounts_reference_email').on(sql`lower(${t.referenceEmail})`),
    // Names are compared folded (name-search: case, accents, apostrophes), by their folded columns.
    ...nameWordPlaces(t.firstNameFolded, t.lastNameFolded).map((place) => index(place.index).using('btree', sql`${place.key} text_pattern_ops`)),
  ],
)

export const MAILBOX_STATUSES = ['active', 'deactivated', 'ceased'] as const
export type MailboxStatus = (typeof MAILBOX_STATUSES)[number]
export { REGISTERS, type Register } from '../core/vocabulary'

export const mailboxes = pgTable(
  'mailboxes',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    address: text('address').notNull().unique(), // lower case
    accountId: text('account_id').notNull().references(() => accounts.id),
    conventionCode: text('convention_code').notNull().references(() => conventions.code),
    activatedOn: date('activated_on', { mode: 'string' }).$type<CalendarDate>().notNull(),
    expiresOn: date('expires_on', { mode: 'string' }).$type<CalendarDate>().notNull(), // E (R1): works through the whole day
    status: text('status', { enum: MAILBOX_STATUSES }).notNull().default('active'),
    register: text('register', { enum: REGISTERS }).notNull().default('none'), // R7
    passwordHash: text('password_hash'),
    deactivatedOn: date('deactivated_on', { mode: 'string' }).$type<CalendarDate>(),
    ceasedOn: date('ceased_on', { mode: 'string' }).$type<CalendarDate>(),
    // R2: E − offset of the latest reminder recorded (sent or skipped) for this mailbox. A reminder is
    // due when E − (nearest due offset) is later; as E moves forward at renewal this needs no reset.
    // '-infinity' when none, so the due test is a plain range on the index below.
    lastReminderDueOn: date('last_reminder_due_on', { mode: 'string' }).notNull().default(sql`'-infinity'::date`),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('mailboxes_account').on(t.accountId),
    index('mailboxes_status_expiry').on(t.status, t.expiresOn, t.id),
    index('mailboxes_reminder_due').on(t.expiresOn, t.lastReminderDueOn).where(sql`status = 'active'`),
    // the search box: an address by its first letters (the unique index cannot serve LIKE 'x%' outside the C collation)
    index('mailboxes_address_prefix').using('btree', sql`${t.address} text_pattern_ops`),
  ],
)

/** A signed-in holder's session; the cookie carries a random token, the table only its SHA-256. */
export const webSessions = pgTable(
  'web_sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    accountId: text('account_id').notNull().references(() => accounts.id),
    /** account:ID sees all the account's mailboxes; mailbox:ADDRESS (mailbox password) sees that mailbox only. */
    signedInWith: text('signed_in_with').notNull(),
    language: text('language', { enum: ['it', 'en'] }).notNull().default('it'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('web_sessions_account').on(t.accountId), index('web_sessions_expiry').on(t.expiresAt)],
)

/**
 * Failed sign-ins, shared by every node (sign-in-guard.ts decides what they mean). One pair of
 * tables per kind of user (holders here, operators in theirs), so failures against one never
 * slow down or block the other. Identifiers are normalised (normaliseIdentifier).
 */
export function signInFailureTables(prefix: '' | 'operator_') {
  return {
    /** Per identifier, across every client: the ceiling only a distributed attack reaches. */
    identifiers: pgTable(`${prefix}sign_in_failures`, {
      identifier: text('identifier').primaryKey(),
      failures: integer('failures').notNull(),
      windowStartedAt: timestamp('window_started_at', { withTimezone: true }).notNull(),
    }),
    /** Per identifier and client (IP address, IPv6 by /64): the growing wait between attempts. */
    clients: pgTable(
      `${prefix}sign_in_client_failures`,
      {
        identifier: text('identifier').notNull(),
        client: text('client').notNull(),
        failures: integer('failures').notNull(),
        lastFailureAt: timestamp('last_failure_at', { withTimezone: true }).notNull(),
      },
      (t) => [primaryKey({ columns: [t.identifier, t.client] }), index(`${prefix}sign_in_client_failures_last`).on(t.lastFailureAt)],
    ),
  }
}
export type SignInFailureTables = ReturnType<typeof signInFailureTables>

/** Holders' failures, by account ID or mailbox address. */
export const holderSignInGuard = signInFailureTables('')
export const signInFailures = holderSignInGuard.identifiers
export const signInClientFailures = holderSignInGuard.clients

/**
 * "Forgot password" requests waiting to be resolved: the form only stores one, so it answers in
 * the same time whether or not the identifier exists; the lookup and the mail happen after the
 * response (and in the jobs, for a process that stopped before). Deleted once resolved.
 */
export const passwordResetRequests = pgTable('password_reset_requests', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  identifier: text('identifier').notNull(), // normalised, as typed: it may match nothing
  ip: text('ip').notNull(),
  requestedAt: timestamp('requested_at', { withTimezone: true }).notNull(),
})

/** One-time password reset links: the e-mail carries the token, the table its SHA-256. */
export const passwordResets = pgTable('password_resets', {
  tokenHash: text('token_hash').primaryKey(),
  accountId: text('account_id').notNull().references(() => accounts.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
})
