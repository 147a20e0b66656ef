import { and, desc, eq, inArray, sql } from 'drizzle-orm'
import { isCalendarDate, type CalendarDate } from '../core/calendar'
import { queryRows, type Executor, type Tx } from '../db/client'
import { auditLog } from '../db/audit-schema'
import { orders, type PaymentMethod } from '../renewals/schema'
import { paymentReversals } from './reversal-schema'
import { payments } from './schema'
import type { OrderId } from '../core/order-id'

// Every SQL statement of payment reversals (and the few they need on payments and orders).

export type ReversalRow = typeof paymentReversals.$inferSelect
export type NewReversalRow = typeof paymentReversals.$inferInsert
type PaymentRow = typeof payments.$inferSelect

export async function findReversal(db: Executor, method: PaymentMethod, reference: string): Promise<ReversalRow | undefined> {
  const [row] = await db
    .select()
    .from(paymentReversals)
    .where(and(eq(paymentReversals.method, method), eq(paymentReversals.reference, reference)))
  return row
}

export async function findReversalOfPayment(db: Executor, paymentId: number): Promise<ReversalRow | undefined> {
  const [row] = await db.select().from(paymentReversals).where(eq(paymentReversals.paymentId, paymentId))
  return row
}

/** R8: stores a reversal once per (method, reference) and once per payment; undefined when one was already there. */
export async function insertReversalOnce(tx: Tx, reversal: NewReversalRow): Promise<number | undefined> {
  const [row] = await tx.insert(paymentReversals).values(reversal).onConflictDoNothing().returning({ id: paymentReversals.id })
  return row?.id
}

export async function lockPayment(tx: Tx, paymentId: number): Promise<PaymentRow | undefined> {
  const [row] = await tx.select().from(payments).where(eq(payments.id, paymentId)).for('update')
  return row
}

/**
 * Locks, without waiting, what reversing `payment` locks: its order's mailbox, the order, the
 * payment (in that order), and for a held payment an operator assigned, the order and payment its
 * assignment registered instead. False when another transaction holds one of them: a caller that
 * holds other rows must not wait (it could wait for a transaction that waits for it).
 */
export async function tryLockForReversal(tx: Tx, payment: Pick<PaymentRow, 'id' | 'orderId' | 'resolvedPaymentId' | 'resolution'>): Promise<boolean> {
  const assigned = payment.resolution === 'assigned' ? payment.resolvedPaymentId : null
  const [row] = await queryRows<{ locked: boolean }>(
    tx,
    sql`WITH target AS (
          SELECT coalesce((SELECT r.order_id FROM payments r WHERE r.id = ${assigned}::bigint), ${payment.orderId}::text) AS order_id
        ),
        mailbox AS (
          SELECT m.id FROM mailboxes m WHERE m.id = (SELECT o.mailbox_id FROM orders o WHERE o.id = (SELECT order_id FROM target)) FOR UPDATE SKIP LOCKED
        ),
        "order" AS (SELECT o.id FROM orders o WHERE o.id = (SELECT order_id FROM target) AND EXISTS (SELECT 1 FROM mailbox) FOR UPDATE SKIP LOCKED),
        payment AS (SELECT p.id FROM payments p WHERE p.id IN (${payment.id}::bigint, ${assigned}::bigint) FOR UPDATE SKIP LOCKED)
        SELECT ((SELECT order_id FROM target) IS NULL OR EXISTS (SELECT 1 FROM "order"))
               AND (SELECT count(*) FROM payment) = ${assigned === null ? 1 : 2}::int AS locked`,
  )
  return row.locked
}

/** A reversed payment buys nothing any more and is not due for refund. */
export async function markPaymentReversed(tx: Tx, paymentId: number, outcome: Pick<PaymentRow, 'outcome'>): Promise<void> {
  await tx
    .update(payments)
    .set({ outcome: outcome.outcome, reason: 'reversed', refundStatus: 'none' })
    .where(eq(payments.id, paymentId))
}

/** The order is unpaid again: open, as before its payment. */
export async function reopenOrder(tx: Tx, orderId: OrderId): Promise<void> {
  await tx
    .update(orders)
    .set({ status: 'open', paidAt: null, extendedFrom: null, newExpiresOn: null })
    .where(eq(orders.id, orderId))
}

/**
 * The mailbox's expiry just before the order's payment renewed it (R9: the payment's audit row says
 * "from"; before issue 10 a mailbox.renewed row of its own did).
 */
export async function expiryBeforeRenewal(db: Executor, orderId: string): Promise<CalendarDate | undefined> {
  const [row] = await db
    .select({ data: auditLog.data })
    .from(auditLog)
    .where(and(eq(auditLog.orderId, orderId), inArray(auditLog.action, ['payment.paid', 'mailbox.renewed']), sql`${auditLog.data} ->> 'from' IS NOT NULL`))
    .orderBy(desc(auditLog.id))
    .limit(1)
  const from = (row?.data as { from?: string } | null)?.from
  return from && isCalendarDate(from) ? from : undefined
}

export interface OriginalSearch {
  method: PaymentMethod
  /** The reference the original would have if the bank kept its reference for the reversal. */
  sameReference?: string
  account: string
  amountCents: number
  endToEndId?: string
  orderId?: string
  /** The text quoted when no order matched. */
  orderRef?: string
}

/**
 * The payment a reversal undoes, not reversed yet: by the same bank reference, else by the payer's
 * end-to-end id, else by the order (or the quoted text) and the amount. Among equal candidates the one
 * that bought nothing goes first (a duplicate sent back is likelier than the paying transfer), then
 * the latest.
 */
export async function findReversalOriginal(db: Executor, search: OriginalSearch): Promise<PaymentRow | undefined> {
  const notReversed = sql`NOT EXISTS (SELECT 1 FROM payment_reversals r WHERE r.payment_id = p.id)`
  const preference = sql`ORDER BY CASE p.outcome WHEN 'duplicate' THEN 0 WHEN 'held' THEN 1 WHEN 'unknownOrder' THEN 2 ELSE 3 END, p.id DESC LIMIT 1`
  const attempts = [
    search.sameReference ? sql`p.reference = ${search.sameReference}` : null,
    search.endToEndId
      ? sql`p.raw ->> 'endToEndId' = ${search.endToEndId} AND p.raw ->> 'account' = ${search.account} AND p.amount_cents = ${search.amountCents}`
      : null,
    search.orderId ? sql`p.order_id = ${search.orderId} AND p.amount_cents = ${search.amountCents}` : null,
    !search.orderId && search.orderRef
      ? sql`p.order_id IS NULL AND p.order_ref = ${search.orderRef} AND p.amount_cents = ${search.amountCents}`
      : null,
  ]
  for (const condition of attempts) {
    if (!condition) continue
    const [row] = await queryRows<{ id: number }>(
      db,
      sql`SELECT p.id FROM payments p WHERE p.method = ${search.method} AND ${condition} AND ${notReversed} ${preference}`,
    )
    if (row) {
      const [payment] = await db.select().from(payments).where(eq(payments.id, row.id))
      return payment
    }
  }
  return undefined
}

export async function listReversals(db: Executor): Promise<ReversalRow[]> {
  return db.select().from(paymentReversals).orderBy(paymentReversals.id)
}
