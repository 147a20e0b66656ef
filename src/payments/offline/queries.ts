import { asc, sql } from 'drizzle-orm'
import { queryRows, type Executor, type Tx } from '../../db/client'
import type { AuditEntry } from '../../db/audit'
import { accounts, mailboxes } from '../../accounts/schema'
import { conventions } from '../../catalog/schema'
import { outbox } from '../../notifications/schema'
import { provisioningCommands } from '../../provisioning/schema'
import { orders } from '../../renewals/schema'
import type { MailboxRow, OrderRow } from '../../renewals/queries'
import type { CalendarDate } from '../../core/calendar'
import type { PaymentOutcome } from '../schema'

// The set-based statements of a statement import: the same rows registerPayment writes one by
// one, written for a whole batch of entries at a time (one JSON parameter per statement).

export interface NewBankPayment {
  method: string
  reference: string
  orderRef: string
  amountCents: number
  source: string
  raw: unknown
}

/** R8: stores each payment once per (method, reference); returns the ids of those that were new, by reference. */
export async function insertPaymentsOnce(tx: Tx, rows: NewBankPayment[], receivedAt: Date): Promise<Map<string, number>> {
  if (rows.length === 0) return new Map()
  const inserted = await queryRows<{ id: number; reference: string }>(
    tx,
    sql`INSERT INTO payments (method, reference, order_ref, order_id, amount_cents, outcome, source, received_at, raw)
        SELECT v.method, v.reference, v.order_ref, NULL, v.amount_cents, 'unknownOrder', v.source, ${receivedAt}::timestamptz, v.raw
          FROM ROWS FROM (jsonb_to_recordset(${JSON.stringify(rows.map((r) => ({ method: r.method, reference: r.reference, order_ref: r.orderRef, amount_cents: r.amountCents, source: r.source, raw: r.raw ?? null })))}::jsonb)
               AS (method text, reference text, order_ref text, amount_cents int, source text, raw jsonb))
               WITH ORDINALITY AS v(method, reference, order_ref, amount_cents, source, raw, n)
         ORDER BY v.n
        ON CONFLICT ON CONSTRAINT payments_method_reference DO NOTHING
        RETURNING id, reference`,
  )
  return new Map(inserted.map((r) => [r.reference, Number(r.id)]))
}

export interface StoredPayment {
  id: number
  reference: string
  orderId: string | null
  outcome: PaymentOutcome
  reason: string | null
  expiresOn: CalendarDate | null
}

/** The stored answer for references registered before (R8 replays), with the mailbox's current expiry. */
export async function findStoredPayments(db: Executor, method: string, references: string[]): Promise<Map<string, StoredPayment>> {
  if (references.length === 0) return new Map()
  const rows = await queryRows<{ id: number; reference: string; order_id: string | null; outcome: PaymentOutcome; reason: string | null; expires_on: string | null }>(
    db,
    sql`SELECT p.id, p.reference, p.order_id, p.outcome, p.reason, m.expires_on::text AS expires_on
          FROM payments p LEFT JOIN orders o ON o.id = p.order_id LEFT JOIN mailboxes m ON m.id = o.mailbox_id
         WHERE p.method = ${method} AND p.reference IN (SELECT jsonb_array_elements_text(${JSON.stringify(references)}::jsonb))`,
  )
  return new Map(
    rows.map((r) => [
      r.reference,
      { id: Number(r.id), reference: r.reference, orderId: r.order_id, outcome: r.outcome, reason: r.reason, expiresOn: r.expires_on as CalendarDate | null },
    ]),
  )
}

/** A PostgreSQL array literal for `= ANY(...)`: the planner estimates it and uses the index. */
function arrayLiteral(values: Array<string | number>): string {
  return `{${values.map((v) => `"${String(v).replace(/["\\]/g, '\\$&')}"`).join(',')}}`
}

export async function findOrderMailboxes(db: Executor, orderIds: string[]): Promise<Array<{ id: string; mailboxId: number }>> {
  if (orderIds.length === 0) return []
  return db
    .select({ id: orders.id, mailboxId: orders.mailboxId })
    .from(orders)
    .where(sql`${orders.id} = ANY(${arrayLiteral(orderIds)}::text[])`)
}

/** Locks mailboxes in id order, so two imports never wait on each other in a circle. */
export async function lockMailboxes(tx: Tx, ids: number[]): Promise<MailboxRow[]> {
  if (ids.length === 0) return []
  const rows = await tx
    .select()
    .from(mailboxes)
    .where(sql`${mailboxes.id} = ANY(${arrayLiteral(ids)}::bigint[])`)
    .orderBy(asc(mailboxes.id))
    .for('update')
  return rows.map((r) => ({ ...r, expiresOn: r.expiresOn as CalendarDate }))
}

/** Locks orders in id order, after their mailboxes (the lock order everywhere). */
export async function lockOrders(tx: Tx, ids: string[]): Promise<OrderRow[]> {
  if (ids.length === 0) return []
  return tx
    .select()
    .from(orders)
    .where(sql`${orders.id} = ANY(${arrayLiteral(ids)}::text[])`)
    .orderBy(asc(orders.id))
    .for('update')
}

export async function listConventions(db: Executor) {
  return db.select().from(conventions)
}

export async function findAccounts(db: Executor, ids: string[]) {
  if (ids.length === 0) return []
  return db.select().from(accounts).where(sql`${accounts.id} = ANY(${arrayLiteral(ids)}::text[])`)
}

export interface PaymentDecision {
  id: number
  orderId: string
  outcome: PaymentOutcome
  reason: string | null
  refundStatus: 'none' | 'due'
}

export async function recordPaymentOutcomes(tx: Tx, decisions: PaymentDecision[]): Promise<void> {
  if (decisions.length === 0) return
  await tx.execute(sql`UPDATE payments p SET order_id = v.order_id, outcome = v.outcome, reason = v.reason, refund_status = v.refund_status
      FROM jsonb_to_recordset(${JSON.stringify(decisions.map((d) => ({ id: d.id, order_id: d.orderId, outcome: d.outcome, reason: d.reason, refund_status: d.refundStatus })))}::jsonb)
           AS v(id bigint, order_id text, outcome text, reason text, refund_status text)
     WHERE p.id = v.id`)
}

export async function markOrdersPaid(
  tx: Tx,
  paid: Array<{ id: string; extendedFrom: CalendarDate; newExpiresOn: CalendarDate }>,
  paidAt: Date,
): Promise<void> {
  if (paid.length === 0) return
  await tx.execute(sql`UPDATE orders o SET status = 'paid', paid_at = ${paidAt}::timestamptz, extended_from = v.extended_from, new_expires_on = v.new_expires_on
      FROM jsonb_to_recordset(${JSON.stringify(paid.map((p) => ({ id: p.id, extended_from: p.extendedFrom, new_expires_on: p.newExpiresOn })))}::jsonb)
           AS v(id text, extended_from date, new_expires_on date)
     WHERE o.id = v.id`)
}

/** R4/R6: new expiries; reactivated mailboxes become active again. */
export async function renewMailboxes(tx: Tx, renewals: Array<{ id: number; expiresOn: CalendarDate; reactivate: boolean }>, now: Date): Promise<void> {
  if (renewals.length === 0) return
  await tx.execute(sql`UPDATE mailboxes m SET expires_on = v.expires_on, updated_at = ${now}::timestamptz,
         status = CASE WHEN v.reactivate THEN 'active' ELSE m.status END,
         deactivated_on = CASE WHEN v.reactivate THEN NULL ELSE m.deactivated_on END
      FROM jsonb_to_recordset(${JSON.stringify(renewals.map((r) => ({ id: r.id, expires_on: r.expiresOn, reactivate: r.reactivate })))}::jsonb)
           AS v(id bigint, expires_on date, reactivate boolean)
     WHERE m.id = v.id`)
}

/** R9: the batch's audit rows, in the order they were decided. */
export async function insertAuditRows(tx: Tx, rows: AuditEntry[]): Promise<void> {
  if (rows.length === 0) return
  const json = rows.map((r) => ({
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    mailbox_id: r.mailboxId ?? null,
    order_id: r.orderId ?? null,
    payment_id: r.paymentId ?? null,
    reason: r.reason ?? null,
    data: r.data ?? null,
  }))
  await tx.execute(sql`INSERT INTO audit_log (at, actor, action, mailbox_id, order_id, payment_id, reason, data)
    SELECT v.at, v.actor, v.action, v.mailbox_id, v.order_id, v.payment_id, v.reason, v.data
      FROM ROWS FROM (jsonb_to_recordset(${JSON.stringify(json)}::jsonb)
           AS (at timestamptz, actor text, action text, mailbox_id bigint, order_id text, payment_id bigint, reason text, data jsonb))
           WITH ORDINALITY AS v(at, actor, action, mailbox_id, order_id, payment_id, reason, data, n)
     ORDER BY v.n`)
}

export async function queueEnableCommands(tx: Tx, mailboxIds: number[], now: Date): Promise<void> {
  if (mailboxIds.length === 0) return
  await tx.insert(provisioningCommands).values(mailboxIds.map((mailboxId) => ({ mailboxId, action: 'enable' as const, createdAt: now })))
}

/** The batch's mails, queued in its transaction (as enqueueMail does one by one). */
export async function insertOutboxRows(tx: Tx, rows: Array<typeof outbox.$inferInsert>, now: Date): Promise<void> {
  if (rows.length === 0) return
  const json = rows.map((r) => ({ template: r.template, language: r.language, recipient: r.recipient, params: r.params, mailbox_id: r.mailboxId ?? null, order_id: r.orderId ?? null }))
  await tx.execute(sql`INSERT INTO outbox (template, language, recipient, params, mailbox_id, order_id, next_attempt_at, created_at)
    SELECT v.template, v.language, v.recipient, v.params, v.mailbox_id, v.order_id, ${now}::timestamptz, ${now}::timestamptz
      FROM ROWS FROM (jsonb_to_recordset(${JSON.stringify(json)}::jsonb)
           AS (template text, language text, recipient text, params jsonb, mailbox_id bigint, order_id text))
           WITH ORDINALITY AS v(template, language, recipient, params, mailbox_id, order_id, n)
     ORDER BY v.n`)
}
