import { sql } from 'drizzle-orm'
import { bigint, index, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core'
import { orders, PAYMENT_METHODS } from '../renewals/schema'
import type { OrderId } from '../core/order-id'

export const PAYMENT_OUTCOMES = ['paid', 'duplicate', 'held', 'unknownOrder'] as const
export type PaymentOutcome = (typeof PAYMENT_OUTCOMES)[number]

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
  },
  (t) => [
    unique('payments_method_reference').on(t.method, t.reference),
    index('payments_order').on(t.orderId),
    // a bank reversal finds its original by the payer's end-to-end id (findReversalOriginal)
    index('payments_end_to_end')
      .on(t.method, sql`(${t.raw} ->> 'endToEndId')`)
      .where(sql`${t.raw} ->> 'endToEndId' is not null`),
  ],
)
