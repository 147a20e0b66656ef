import { boolean, date, integer, pgTable, primaryKey, text, timestamp, bigint, unique } from 'drizzle-orm/pg-core'
import type { CalendarDate } from '../core/calendar'

/** A convention with a professional order: who pays, which durations, when reminders go out. */
export const conventions = pgTable('conventions', {
  code: text('code').primaryKey(), // FNOMCEO
  name: text('name').notNull(),
  payer: text('payer', { enum: ['member', 'order'] }).notNull().default('member'),
  durationsYears: integer('durations_years').array().notNull().default([1]),
  reminderOffsetsDays: integer('reminder_offsets_days').array().notNull().default([60, 30, 15, 7, 1]),
  // R7: reminders at or under this offset carry the public-register warning
  registerWarningDays: integer('register_warning_days').notNull().default(30),
  renewableWindowDays: integer('renewable_window_days').notNull().default(90), // R6
  lateRenewalFrom: text('late_renewal_from', { enum: ['expiry', 'payment'] }).notNull().default('expiry'), // R6
  // R5/R6: a deactivated mailbox is 'off' (no login, incoming mail refused) or 'receive-only' (mail
  // still delivered during the renewable window, no login): issue 13
  deactivationMode: text('deactivation_mode', { enum: ['off', 'receive-only'] }).notNull().default('off'),
})

export const prices = pgTable(
  'prices',
  {
    conventionCode: text('convention_code').notNull().references(() => conventions.code),
    years: integer('years').notNull(),
    netCents: integer('net_cents').notNull(),
    vatBasisPoints: integer('vat_basis_points').notNull().default(2200),
    isDemo: boolean('is_demo').notNull().default(false),
    // Issue 11: a price applies to orders placed from this day on; orders keep the price they were
    // placed with. A price without a day (the demo's, those from before price lists had dates) has
    // always been in force.
    effectiveFrom: date('effective_from', { mode: 'string' }).$type<CalendarDate>().notNull().default('2000-01-01' as CalendarDate),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.conventionCode, t.years, t.effectiveFrom] })],
)

export const contractDocuments = pgTable('contract_documents', {
  code: text('code').primaryKey(), // e.g. 'conditions', 'onerous-clauses'
  titleIt: text('title_it').notNull(),
  titleEn: text('title_en').notNull(),
  // art. 1341–1342 c.c.: onerous clauses need their own, separate approval
  onerous: boolean('onerous').notNull().default(false),
})

/**
 * The contract documents a convention's holders accept. A document belongs to the
 * convention it was created for; those from before documents had a convention were given to every
 * convention then stored (migration 0021), so they stay in force where they were.
 */
export const conventionContractDocuments = pgTable(
  'convention_contract_documents',
  {
    conventionCode: text('convention_code').notNull().references(() => conventions.code),
    documentCode: text('document_code').notNull().references(() => contractDocuments.code),
  },
  (t) => [primaryKey({ columns: [t.conventionCode, t.documentCode] })],
)

export const contractVersions = pgTable(
  'contract_versions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    documentCode: text('document_code').notNull().references(() => contractDocuments.code),
    version: text('version').notNull(),
    effectiveFrom: date('effective_from', { mode: 'string' }).$type<CalendarDate>().notNull(),
    url: text('url').notNull(),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('contract_versions_document_version').on(t.documentCode, t.version)],
)
