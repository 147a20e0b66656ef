import { and, asc, eq } from 'drizzle-orm'
import type { Executor, Tx } from '../db/client'
import { payments } from './schema'

// Every SQL statement on the payments table.

export type PaymentRow = typeof payments.$inferSelect
export type NewPaymentRow = typeof payments.$inferInsert

/** R8: stores a payment notification once per (method, reference); undefined when it was already there. */
export async function insertPaymentOnce(tx: Tx, payment: NewPaymentRow): Promise<number | undefined> {
  const [row] = await tx
    .insert(payments)
    .values(payment)
    .onConflictDoNothing({ target: [payments.method, payments.reference] })
    .returning({ id: payments.id })
  return row?.id
}

export async function findPaymentByReference(
  db: Executor,
  method: PaymentRow['method'],
  reference: string,
): Promise<PaymentRow | undefined> {
  const [row] = await db
    .select()
    .from(payments)
    .where(and(eq(payments.method, method), eq(payments.reference, reference)))
  return row
}

/** The decision taken on a stored payment: which order it went to, and what it did. */
export async function recordPaymentOutcome(
  tx: Tx,
  paymentId: number,
  outcome: Pick<PaymentRow, 'orderId' | 'outcome' | 'reason' | 'refundStatus'>,
): Promise<void> {
  await tx.update(payments).set(outcome).where(eq(payments.id, paymentId))
}

/** Every payment registered against an order, oldest first. */
export async function listPaymentsForOrder(db: Executor, orderId: string): Promise<PaymentRow[]> {
  return db.select().from(payments).where(eq(payments.orderId, orderId)).orderBy(asc(payments.id))
}
