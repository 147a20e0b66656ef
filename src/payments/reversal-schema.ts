import { bigint, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core'
import { PAYMENT_METHODS } from '../renewals/schema'
import { payments } from './schema'
import type { OrderId } from '../core/order-id'

/**
 * What a reversal did to the payment it reverses:
 * - unpaid: the payment had paid an order; the order is open again and the mailbox's expiry is back;
 * - refund_cancelled: the payment was due for refund (duplicate, after cessation); the bank sent it back;
 * - recorded: the payment had bought nothing (held, unknown order): noted, nothing to undo;
 * - held: an operator must look (the expiry moved since, the payment was already refunded …);
 * - unmatched: no payment found for it.
 */
export const REVERSAL_OUTCOMES = ['unpaid', 'refund_cancelled', 'recorded', 'held', 'unmatched'] as const
export type ReversalOutcome = (typeof REVERSAL_OUTCOMES)[number]

/** Why a reversal is held for an operator, or unmatched (payment_not_found). */
export const REVERSAL_REASONS = ['payment_not_found', 'amount_mismatch', 'already_refunded', 'order_not_paid', 'mailbox_expiry_changed', 'another_open_order'] as const
export type ReversalReason = (typeof REVERSAL_REASONS)[number]

/** R8: each reversal once per (method, reference), and each payment reversed at most once. */
export const paymentReversals = pgTable(
  'payment_reversals',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    method: text('method', { enum: PAYMENT_METHODS }).notNull(),
    reference: text('reference').notNull(), // the reversal's own reference (bank entry, gateway event)
    paymentId: bigint('payment_id', { mode: 'number' }).references(() => payments.id), // null when unmatched
    orderId: text('order_id').$type<OrderId>(),
    amountCents: integer('amount_cents').notNull(),
    outcome: text('outcome', { enum: REVERSAL_OUTCOMES }).notNull(),
    reason: text('reason', { enum: REVERSAL_REASONS }),
    source: text('source').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    raw: jsonb('raw'),
  },
  (t) => [
    unique('payment_reversals_method_reference').on(t.method, t.reference),
    unique('payment_reversals_payment').on(t.paymentId),
  ],
)
