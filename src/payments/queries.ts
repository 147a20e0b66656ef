import { and, asc, eq, sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../db/client'
import { payments } from './schema'
import type { OrderId } from '../core/order-id'

// Every SQL statement on the payments table.

export type PaymentRow = typeof payments.$inferSelect

/** The unique key of R8: a payment stored twice under it breaks this constraint. */
export const PAYMENT_KEY_CONSTRAINT = 'payments_method_reference'

/** A payment row as SQL expressions over the rows of `from` (a set-based writer's CTE). */
export interface PaymentRowsSql {
  from: SQL
  id: SQL
  method: SQL
  reference: SQL
  orderRef: SQL
  orderId: SQL
  amountCents: SQL
  outcome: SQL
  reason: SQL
  refundStatus: SQL
  source: SQL
  raw: SQL
  importId: SQL
  importPosition: SQL
}

/**
 * R8: the INSERT of a settlement batch's payments, under the ids its claim reserved, for the
 * batch's one writing statement. No ON CONFLICT: the claim found none of these keys stored, so a
 * conflict means another transaction stored one meanwhile, and the statement fails on the unique
 * key (the caller rolls back and settles the batch again).
 */
export function insertPaymentRowsSql(p: PaymentRowsSql, receivedAt: Date): SQL {
  return sql`INSERT INTO payments (id, method, reference, order_ref, order_id, amount_cents, outcome, reason, refund_status, source, received_at, raw,
                        import_id, import_position)
    OVERRIDING SYSTEM VALUE
    SELECT ${p.id}, ${p.method}, ${p.reference}, ${p.orderRef}, ${p.orderId}, ${p.amountCents}, ${p.outcome}, ${p.reason}, ${p.refundStatus},
           ${p.source}, ${receivedAt}::timestamptz, ${p.raw}, ${p.importId}, ${p.importPosition}
      FROM ${p.from}`
}

/** The raw facts an imported file's entry keeps for its payment (statement_entries.facts). */
export function stagedFactsSql(importId: SQL, position: SQL): SQL {
  return sql`(SELECT e.facts FROM statement_entries e WHERE e.import_id = ${importId} AND e.position = ${position})`
}

/** The ids of `count` payments about to be stored (a settlement batch reserves them when it claims). */
export function reservePaymentIdsSql(count: SQL): SQL {
  return sql`SELECT nextval(pg_get_serial_sequence('payments', 'id')) AS id FROM generate_series(1, ${count})`
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

/** Every payment registered against an order, oldest first. */
export async function listPaymentsForOrder(db: Executor, orderId: OrderId): Promise<PaymentRow[]> {
  return db.select().from(payments).where(eq(payments.orderId, orderId)).orderBy(asc(payments.id))
}

export async function findPayment(db: Executor, paymentId: number): Promise<PaymentRow | undefined> {
  const [row] = await db.select().from(payments).where(eq(payments.id, paymentId))
  return row
}
