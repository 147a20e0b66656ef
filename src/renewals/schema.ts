import { sql } from 'drizzle-orm'
import { bigint, check, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core'
import { accounts, mailboxes } from '../accounts/schema'
import { PAYMENT_METHODS } from '../core/vocabulary'
import type { CalendarDate } from '../core/calendar'
import type { OrderId } from '../core/order-id'

export { PAYMENT_METHODS, type PaymentMethod } from '../core/vocabulary'
// lapsed: the mailbox ceased (R6); cancelled: the holder withdrew it before paying (issue 14)
export const ORDER_STATUSES = ['open', 'paid', 'lapsed', 'cancelled'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]

/** R3: who is invoiced, as it stood when the order was placed (a snapshot, not a reference). */
export interface BillingData {
  name: string
  fiscalCode: string // codice fiscale
  email: string
  vatNumber?: string // partita IVA, when a professional firm is invoiced
  address?: string
}

/** R3: one contract version the holder accepted, with when and from where (art. 1341–1342 c.c.). */
export interface AcceptedContract {
  documentCode: string
  version: string
  acceptedAt: string // ISO instant
  ip?: string
  userAgent?: string
  /** Issue 11: accepted on the phone, told to the operator who placed the order (operator:NAME); absent on the web. */
  acceptedByPhoneWith?: string
}

/** R3: one renewal order for one mailbox, priced from the convention's list, with a billing snapshot. */
export const orders = pgTable(
  'orders',
  {
    id: text('id').$type<OrderId>().primaryKey(), // OrderId, compact form with check digits
    mailboxId: bigint('mailbox_id', { mode: 'number' }).notNull().references(() => mailboxes.id),
    accountId: text('account_id').notNull().references(() => accounts.id),
    status: text('status', { enum: ORDER_STATUSES }).notNull().default('open'),
    years: integer('years').notNull(),
    netCents: integer('net_cents').notNull(),
    vatCents: integer('vat_cents').notNull(),
    totalCents: integer('total_cents').notNull(),
    method: text('method', { enum: PAYMENT_METHODS }).notNull(),
    billing: jsonb('billing').$type<BillingData>().notNull(), // snapshot at order time
    acceptedContracts: jsonb('accepted_contracts').$type<AcceptedContract[]>().notNull().default([]), // versions, time, IP, user agent
    placedBy: text('placed_by').notNull(), // actor: holder:ID or operator:NAME
    placedAt: timestamp('placed_at', { withTimezone: true }).notNull(),
    placedOn: date('placed_on', { mode: 'string' }).$type<CalendarDate>().notNull(),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    extendedFrom: date('extended_from', { mode: 'string' }).$type<CalendarDate>(), // R4/R6: the date the renewal counted from
    newExpiresOn: date('new_expires_on', { mode: 'string' }).$type<CalendarDate>(),
  },
  (t) => [
    // R3: at most one open order per mailbox, enforced by the database
    uniqueIndex('orders_one_open_per_mailbox').on(t.mailboxId).where(sql`status = 'open'`),
    index('orders_account').on(t.accountId),
    check('orders_total', sql`${t.totalCents} = ${t.netCents} + ${t.vatCents}`),
  ],
)

/**
 * The billing data an account last confirmed with an order (issue 14): the next renewal's billing
 * step starts from it, so a holder types their address, partita IVA and SDI code once. Each order
 * keeps its own snapshot (R3); this is only the starting point of the next one.
 */
export const billingProfiles = pgTable('billing_profiles', {
  accountId: text('account_id')
    .primaryKey()
    .references(() => accounts.id),
  billing: jsonb('billing').$type<BillingData>().notNull(),
  orderId: text('order_id').notNull(), // the order that confirmed it
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
})

/**
 * A renewal wizard left half-way (issue 3): what the holder chose so far, per account and mailbox,
 * so they resume where they were on any device. Placing the order turns it into an order.
 */
export const renewalDrafts = pgTable(
  'renewal_drafts',
  {
    accountId: text('account_id').notNull().references(() => accounts.id),
    mailboxId: bigint('mailbox_id', { mode: 'number' }).notNull().references(() => mailboxes.id),
    years: integer('years'),
    acceptedContracts: jsonb('accepted_contracts').$type<AcceptedContract[]>(),
    billing: jsonb('billing').$type<BillingData>(),
    method: text('method', { enum: PAYMENT_METHODS }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.mailboxId] })],
)

export const EXTENSION_STATUSES = ['pending', 'approved', 'rejected'] as const
export type ExtensionStatus = (typeof EXTENSION_STATUSES)[number]

/**
 * Issue 11: an expiry extended by hand by an operator. Up to the configured number of days it is
 * applied at once (status approved, decided by the requester); above it, it waits here, pending,
 * until another operator approves (then it is applied) or rejects it. The status moves from pending
 * once, by a conditional UPDATE: two approvals at once apply it once.
 */
export const expiryExtensions = pgTable(
  'expiry_extensions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    mailboxId: bigint('mailbox_id', { mode: 'number' }).notNull().references(() => mailboxes.id),
    days: integer('days').notNull(),
    reason: text('reason').notNull(),
    status: text('status', { enum: EXTENSION_STATUSES }).notNull(),
    requestedBy: text('requested_by').notNull(), // operator:NAME
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull(),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decisionReason: text('decision_reason'),
    /** The expiry before and after, once applied. */
    fromExpiresOn: date('from_expires_on', { mode: 'string' }).$type<CalendarDate>(),
    toExpiresOn: date('to_expires_on', { mode: 'string' }).$type<CalendarDate>(),
  },
  (t) => [index('expiry_extensions_pending').on(t.requestedAt).where(sql`status = 'pending'`), index('expiry_extensions_mailbox').on(t.mailboxId), check('expiry_extensions_days', sql`${t.days} > 0`)],
)
