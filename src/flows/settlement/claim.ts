import { sql } from 'drizzle-orm'
import { queryRows, type Tx } from '../../db/client'
import { reservePaymentIdsSql } from '../../payments/queries'
import { paymentKey, type CheckedPayment } from './payment'
import type { ClaimedMailbox, ClaimedOrder, ClaimedRows, ConventionTerms, StoredPayment } from './settle-batch'

export interface Claim extends ClaimedRows {
  /** How many payments, from the first, this transaction can settle now; the rest wait for another batch. */
  settleable: number
  /** The ids reserved for the payments to store, in order (more than needed when the batch stops early). */
  paymentIds: number[]
}

/**
 * The locks and reads of a settlement batch, in its transaction. The first payment's mailbox, then
 * its order, are locked waiting, as a registration of one payment does (the lock order everywhere:
 * mailbox, then order), unless the caller already holds rows (`waitForFirst` false: it must not
 * wait while holding them). The others' rows are taken only if free (SKIP LOCKED): the batch stops
 * before the first payment whose order another transaction holds (a webhook, another import), so
 * file order decides as registering one by one would, and that transaction waits for one batch at
 * most, never for a whole file. Then, with every lock held, one statement reads the rows to decide
 * on, as committed now: the orders and mailboxes, and the payments already stored under the
 * batch's keys (R8); and it reserves the ids of the payments to store.
 */
export async function claimPayments(tx: Tx, payments: readonly CheckedPayment[], waitForFirst = true): Promise<Claim> {
  if (payments.length === 0) return { stored: [], orders: [], mailboxes: [], conventions: [], settleable: 0, paymentIds: [] }
  const first = payments[0].orderId
  if (first && waitForFirst) {
    await tx.execute(sql`SELECT id FROM mailboxes WHERE id = (SELECT mailbox_id FROM orders WHERE id = ${first}) FOR UPDATE`)
    await tx.execute(sql`SELECT id FROM orders WHERE id = ${first} FOR UPDATE`)
  }
  const orderIds = [...new Set(payments.map((p) => p.orderId).filter((id) => id !== null))]
  const [row] = await queryRows<{
    held: string[] | null
    orders: ClaimedOrder[] | null
    mailboxes: ClaimedMailbox[] | null
    conventions: ConventionTerms[] | null
    stored: StoredPayment[] | null
    ids: number[] | null
  }>(
    tx,
    // Every row is found through its key, one probe per payment (LATERAL, LIMIT 1 keeps the planner
    // from joining whole tables): a batch names a thousand orders among a million.
    sql`WITH named AS (
      SELECT o.id, o.mailbox_id FROM unnest(${sql.param(orderIds)}::text[]) AS i(id)
       CROSS JOIN LATERAL (SELECT id, mailbox_id FROM orders WHERE id = i.id LIMIT 1) o
    ),
    locked_mailboxes AS ( -- an order's row is never locked here before its mailbox's
      SELECT m.* FROM (SELECT DISTINCT mailbox_id FROM named) n CROSS JOIN LATERAL (
        SELECT m.id, m.status, m.expires_on, m.convention_code FROM mailboxes m
         WHERE m.id = n.mailbox_id FOR UPDATE SKIP LOCKED) m
    ),
    locked_orders AS (
      SELECT o.* FROM named n JOIN locked_mailboxes l ON l.id = n.mailbox_id CROSS JOIN LATERAL (
        SELECT o.id, o.status, o.total_cents, o.years, o.mailbox_id FROM orders o WHERE o.id = n.id FOR UPDATE SKIP LOCKED) o
    ),
    keys AS (
      SELECT * FROM unnest(${sql.param(payments.map((p) => p.method))}::text[], ${sql.param(payments.map((p) => p.reference))}::text[]) AS k(method, reference)
    ),
    stored AS (
      SELECT p.* FROM keys k CROSS JOIN LATERAL (
        SELECT p.id, p.method, p.reference, p.order_id, p.outcome, p.reason,
               (SELECT m.expires_on::text FROM orders o JOIN mailboxes m ON m.id = o.mailbox_id WHERE o.id = p.order_id) AS expires_on
          FROM payments p WHERE p.method = k.method AND p.reference = k.reference LIMIT 1) p
    ),
    ids AS ( -- one per payment to store: each key not stored yet, once
      ${reservePaymentIdsSql(sql`(SELECT count(*)::int FROM (SELECT DISTINCT method, reference FROM keys) k
                                   WHERE NOT EXISTS (SELECT 1 FROM stored s WHERE s.method = k.method AND s.reference = k.reference))`)}
    )
    SELECT (SELECT json_agg(n.id) FROM named n WHERE NOT EXISTS (SELECT 1 FROM locked_orders l WHERE l.id = n.id)) AS held,
           (SELECT json_agg(id ORDER BY id) FROM ids) AS ids,
           (SELECT json_agg(json_build_object('id', id, 'status', status, 'totalCents', total_cents, 'years', years, 'mailboxId', mailbox_id))
              FROM locked_orders) AS orders,
           (SELECT json_agg(json_build_object('id', id, 'status', status, 'expiresOn', expires_on::text, 'conventionCode', convention_code))
              FROM locked_mailboxes) AS mailboxes,
           (SELECT json_agg(json_build_object('code', c.code, 'lateRenewalFrom', c.late_renewal_from, 'renewableWindowDays', c.renewable_window_days))
              FROM conventions c WHERE c.code IN (SELECT convention_code FROM locked_mailboxes)) AS conventions,
           (SELECT json_agg(json_build_object('id', id, 'method', method, 'reference', reference, 'orderId', order_id, 'outcome', outcome,
                     'reason', reason, 'expiresOn', expires_on))
              FROM stored) AS stored`,
  )
  const claim = {
    stored: row.stored ?? [],
    orders: row.orders ?? [],
    mailboxes: row.mailboxes ?? [],
    conventions: row.conventions ?? [],
  }
  return { ...claim, paymentIds: row.ids ?? [], settleable: settleablePrefix(payments, claim, new Set(row.held ?? [])) }
}

/** Up to the first payment, not stored before, whose order exists but another transaction holds. */
function settleablePrefix(payments: readonly CheckedPayment[], claim: ClaimedRows, held: Set<string>): number {
  if (held.size === 0) return payments.length
  const stored = new Set(claim.stored.map(paymentKey))
  const i = payments.findIndex((p) => p.orderId !== null && held.has(p.orderId) && !stored.has(paymentKey(p)))
  return i < 0 ? payments.length : i
}
