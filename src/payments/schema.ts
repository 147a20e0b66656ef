import { sql } from 'drizzle-orm'
import { bigint, index, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core'
import { orders, PAYMENT_METHODS } from '../renewals/schema'
import type { OrderId } from '../core/order-id'

export const PAYMENT_OUTCOMES = ['paid', 'duplicate', 'held', 'unknownOrder'] as const
export type PaymentOutcome = (typeof PAYMENT_OUTCOMES)[number]

export const PAYMENT_RESOLUTIONS = ['assigned', 'not_ours'] as const
export type PaymentResolution = (typeof PAYMENT_RESOLUTIONS)[number]

/** Every payment notification ever received, once per (method, reference): R8. */
export const payments = pgTable(
  'payments',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    method: text('method', { enum: PAYMENT_METHODS }).notNull(),
    reference: text('reference').notNull(), // gateway transaction, bank entry or slip reference
    orderRef: text('order_ref').notNull(), // the order ID as it was quoted
    orderId: text('order_id').$type<OrderId>().references(() => orders.id), // null when no order matched
    amountCents: integer('amount_cents').notNull(),
    outcome: text('outcome', { enum: PAYMENT_OUTCOMES }).notNull(),
    reason: text('reason'), // why held: amount_mismatch, mailbox_ceased, order_lapsed …
    refundStatus: text('refund_status', { enum: ['none', 'due', 'refunded'] }).notNull().default('none'),
    source: text('source').notNull(), // actor that registered it
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    raw: jsonb('raw'),
    // an imported file's entry: its import and position, so the operator sees which file and line
    importId: bigint('import_id', { mode: 'number' }),
    importPosition: integer('import_position'),
    /** A held or unmatched payment an operator decided on (issue 11): assigned to an order, or not ours (refund due). */
    resolution: text('resolution', { enum: PAYMENT_RESOLUTIONS }),
    /** assigned: the payment its resolution registered through the settlement. */
    resolvedPaymentId: bigint('resolved_payment_id', { mode: 'number' }),
    /** The part of the amount due back when it is not all of it (an overpayment's difference); null: all of it. */
    refundCents: integer('refund_cents'),
  },
  (t) => [
    unique('payments_method_reference').on(t.method, t.reference),
    index('payments_order').on(t.orderId),
    // the two work queues stay small however many payments there are: partial indexes
    index('payments_to_resolve')
      .on(t.id)
      .where(sql`${t.outcome} in ('held', 'unknownOrder') and ${t.resolution} is null and ${t.refundStatus} <> 'refunded'`),
    index('payments_refund_due').on(t.id).where(sql`${t.refundStatus} = 'due'`),
    // A bank reversal finds its original by the payer's end-to-end id (findReversalOriginal); the back
    // office's search (issue 11) finds a payment by it, by a statement entry's own reference as the bank
    // prints it (the key adds the account) and by the payer's IBAN (also where a refund goes back to).
    // Whole indexes, not partial: ANALYZE keeps statistics of a whole index's expression, so the planner
    // knows an equality finds a row or two (without them it guessed thousands, and planned for them).
    index('payments_end_to_end_id').on(sql`(${t.raw} ->> 'endToEndId')`),
    index('payments_entry_reference').on(sql`(${t.raw} ->> 'entryRef')`),
    index('payments_payer_iban').on(sql`(${t.raw} ->> 'debtorIban')`),
  ],
)

/** An operator's note on a payment to resolve (issue 11): what they found out, for the next one who looks. */
export const paymentNotes = pgTable(
  'payment_notes',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    paymentId: bigint('payment_id', { mode: 'number' })
      .notNull()
      .references(() => payments.id),
    actor: text('actor').notNull(),
    note: text('note').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('payment_notes_payment').on(t.paymentId)],
)
