import { sql, type SQL } from 'drizzle-orm'
import type { CalendarDate } from '../../core/calendar'
import type { Tx } from '../../db/client'
import { insertAuditRowsSql } from '../../db/audit'
import { holderNameSql, renewMailboxesSql } from '../../accounts/queries'
import { enqueueMailRowsSql } from '../../notifications/outbox'
import { insertPaymentRowsSql, stagedFactsSql } from '../../payments/queries'
import { queueCommandRowsSql } from '../../provisioning/commands'
import { markOrdersPaidSql } from '../../renewals/queries'
import { issueInvoicesSql, type InvoiceIssue, type NamedWrite } from '../../invoicing/issue'
import type { CheckedPayment, PaymentRegistration } from './payment'
import type { PaymentDecision } from './settle-batch'

/** What a batch's decisions write, as one statement's parts, and what registering each payment answered. */
export interface SettlementWrites {
  registrations: PaymentRegistration[]
  /** The rows of the CTE `decided` the writes read; null when nothing is to be written. */
  decided: SQL | null
  writes: Write[]
}

/** A data-modifying statement, run as a CTE of the writer's one statement; named when a later one reads what it returns. */
export type Write = SQL | NamedWrite

const DUPLICATE = 'order_already_paid'

/**
 * A payment to store, as its decision left it: what every owner's rows are built from, in SQL. What
 * a decision does not set is left out (NULL in SQL): a batch sends thousands of these.
 */
interface DecidedRow {
  id: number
  outcome: PaymentRegistration['outcome']
  refundStatus: 'none' | 'due'
  amountCents: number
  method: string
  reference: string
  orderRef: string
  actor: string
  reason?: string
  orderId?: string
  mailboxId?: number
  raw?: unknown
  importId?: number
  position?: number
  totalCents?: number
  /** paid: the mailbox's expiry before and after, the date the renewal counts from, its years. */
  expiredOn?: CalendarDate
  newExpiresOn?: CalendarDate
  extendedFrom?: CalendarDate
  years?: number
  reactivates?: boolean
}

/**
 * The one writer of settlement: what a batch's decisions write, in one statement. The decided
 * payments travel once, as rows of the CTE `decided`; from them each capability that owns a table
 * builds its own rows: the payments (R8, under the ids the claim reserved), the orders paid and the
 * mailboxes renewed (R4/R6), the audit rows (R9: a renewing payment writes one, which says what it
 * did to the payment, the order and the mailbox), the mail platform's enable commands (R6/R12) and
 * the payment_received mail, and the invoices of the orders paid (R11, numbered in this
 * transaction, dated `invoicing.issuedOn`).
 */
export function settlementWrites(
  payments: readonly CheckedPayment[],
  decisions: readonly PaymentDecision[],
  paymentIds: readonly number[],
  now: Date,
  invoicing: Omit<InvoiceIssue, 'now'>,
): SettlementWrites {
  const decided: DecidedRow[] = []
  const paidOrders: Array<{ id: string; extendedFrom: CalendarDate; newExpiresOn: CalendarDate }> = []
  const renewed = new Map<number, { id: number; expiresOn: CalendarDate; reactivate: boolean }>()
  const registrations: PaymentRegistration[] = []

  decisions.forEach((decision, i) => {
    const payment = payments[i]
    switch (decision.kind) {
      case 'replayed': {
        const { stored: s } = decision
        registrations.push({ outcome: s.outcome, ...(s.reason ? { reason: s.reason } : {}), orderId: s.orderId, paymentId: s.id, expiresOn: decision.expiresOn, replayed: true })
        return
      }
      case 'repeated': // the same movement earlier in this batch: answered as it was
        registrations.push({ ...registrations[decision.earlier], expiresOn: decision.expiresOn, replayed: true })
        return
    }
    const id = paymentIds[decided.length]
    // written key by key: a batch builds thousands of these
    const row: DecidedRow = {
      id,
      outcome: 'unknownOrder',
      refundStatus: 'none',
      amountCents: payment.amountCents,
      method: payment.method,
      reference: payment.reference,
      orderRef: payment.orderRef,
      actor: payment.actor,
    }
    if (payment.staged) {
      row.importId = payment.staged.importId // its raw facts are its entry's
      row.position = payment.staged.position
    } else if (payment.raw !== undefined) row.raw = payment.raw
    decided.push(row)
    if (decision.kind === 'unknownOrder') {
      registrations.push({ outcome: 'unknownOrder', reason: 'unknown_order', orderId: null, paymentId: id, expiresOn: null, replayed: false })
      return
    }
    const { order } = decision
    row.orderId = order.id
    row.mailboxId = order.mailboxId
    row.outcome = decision.kind
    switch (decision.kind) {
      case 'duplicate': // R4: an already paid order never extends again; the money is due back
        row.reason = DUPLICATE
        row.refundStatus = 'due'
        registrations.push({ outcome: 'duplicate', reason: DUPLICATE, orderId: order.id, paymentId: id, expiresOn: decision.expiresOn, replayed: false })
        return
      case 'held': // R4: held for an operator, extends nothing; R6: after cessation, kept for refund
        row.reason = decision.reason
        row.refundStatus = decision.refundDue ? 'due' : 'none'
        row.totalCents = order.totalCents
        registrations.push({ outcome: 'held', reason: decision.reason, orderId: order.id, paymentId: id, expiresOn: decision.expiresOn, replayed: false })
        return
      case 'paid': {
        // R4: E becomes E + duration in the same transaction as the payment
        const { expiredOn, extendsFrom, newExpiresOn, reactivates } = decision
        row.expiredOn = expiredOn
        row.newExpiresOn = newExpiresOn
        row.extendedFrom = extendsFrom
        row.years = order.years
        row.reactivates = reactivates
        paidOrders.push({ id: order.id, extendedFrom: extendsFrom, newExpiresOn })
        const previous = renewed.get(order.mailboxId)
        renewed.set(order.mailboxId, { id: order.mailboxId, expiresOn: newExpiresOn, reactivate: reactivates || (previous?.reactivate ?? false) })
        registrations.push({ outcome: 'paid', orderId: order.id, paymentId: id, expiresOn: newExpiresOn, replayed: false })
        return
      }
    }
  })
  if (decided.length === 0) return { registrations, decided: null, writes: [] }
  const writes: Write[] = ownersRows(now)
  if (paidOrders.length) {
    writes.push(markOrdersPaidSql(paidOrders, now), renewMailboxesSql([...renewed.values()], now))
    writes.push(...issueInvoicesSql(sql`SELECT * FROM ${DECIDED} WHERE outcome = 'paid'`, { ...invoicing, now }))
  }
  return { registrations, decided: decidedRowsSql(decided), writes }
}

/** The rows of the CTE `decided`: one per payment to store, numbered in order (n). */
function decidedRowsSql(rows: readonly DecidedRow[]): SQL {
  return sql`SELECT * FROM ROWS FROM (jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS (
    id bigint, outcome text, reason text, "refundStatus" text, "orderId" text, "mailboxId" bigint, "amountCents" int, method text,
    reference text, "orderRef" text, actor text, raw jsonb, "importId" bigint, position int, "totalCents" int, "expiredOn" date,
    "newExpiresOn" date, "extendedFrom" date, years int, reactivates boolean)) WITH ORDINALITY AS d(
    id, outcome, reason, "refundStatus", "orderId", "mailboxId", "amountCents", method, reference, "orderRef", actor, raw, "importId",
    position, "totalCents", "expiredOn", "newExpiresOn", "extendedFrom", years, reactivates, n)`
}

/** Each owner's rows, built from `decided` (named d). */
function ownersRows(now: Date): SQL[] {
  const decided = (where?: SQL) => (where ? sql`${DECIDED} d WHERE ${where} ORDER BY d.n` : sql`${DECIDED} d ORDER BY d.n`)
  return [
    insertPaymentRowsSql(
      {
        from: decided(),
        id: sql`d.id`,
        method: sql`d.method`,
        reference: sql`d.reference`,
        orderRef: sql`d."orderRef"`,
        orderId: sql`d."orderId"`,
        amountCents: sql`d."amountCents"`,
        outcome: sql`d.outcome`,
        reason: sql`d.reason`,
        refundStatus: sql`d."refundStatus"`,
        source: sql`d.actor`,
        raw: sql`coalesce(d.raw, ${stagedFactsSql(sql`d."importId"`, sql`d.position`)})`,
        importId: sql`d."importId"`,
        importPosition: sql`d.position`,
      },
      now,
    ),
    // R9: one row per payment, in order; a reactivating payment's second row says so (R6)
    insertAuditRowsSql(
      { at: now },
      {
        from: sql`${DECIDED} d CROSS JOIN LATERAL (SELECT 1 AS step UNION ALL SELECT 2 WHERE d.reactivates) s ORDER BY d.n, s.step`,
        actor: sql`d.actor`,
        paymentId: sql`d.id`,
        orderId: sql`d."orderId"`,
        mailboxId: sql`d."mailboxId"`,
        action: sql`CASE WHEN s.step = 2 THEN 'mailbox.reactivated' WHEN d.outcome = 'unknownOrder' THEN 'payment.unknown_order' ELSE 'payment.' || d.outcome END`,
        reason: sql`CASE WHEN s.step = 2 THEN 'late_renewal_paid' WHEN d.outcome = 'unknownOrder' THEN 'unknown_order' ELSE d.reason END`,
        data: sql`CASE WHEN s.step = 1 THEN jsonb_build_object('amountCents', d."amountCents", 'method', d.method, 'reference', d.reference, 'orderRef', d."orderRef")
          || CASE d.outcome WHEN 'held' THEN jsonb_build_object('totalCents', d."totalCents", 'refundStatus', d."refundStatus")
                            WHEN 'paid' THEN jsonb_build_object('from', d."expiredOn", 'to', d."newExpiresOn", 'extendedFrom', d."extendedFrom", 'years', d.years)
                            ELSE '{}'::jsonb END END`,
      },
    ),
    queueCommandRowsSql('enable', { from: decided(sql`d.reactivates`), mailboxId: sql`d."mailboxId"` }, now),
    enqueueMailRowsSql(
      {
        template: 'payment_received',
        // the mailbox's address and holder as stored (this statement changes neither)
        from: sql`${DECIDED} d JOIN mailboxes m ON m.id = d."mailboxId" JOIN accounts a ON a.id = m.account_id WHERE d.outcome = 'paid' ORDER BY d.n`,
        language: sql`a.language`,
        recipient: sql`a.reference_email`,
        params: {
          holderName: holderNameSql(sql`a`),
          mailbox: sql`m.address`,
          orderId: sql`d."orderId"`,
          amountCents: sql`d."amountCents"`,
          method: sql`d.method`,
          newExpiresOn: sql`d."newExpiresOn"`,
          reactivated: sql`coalesce(d.reactivates, false)`,
          paymentId: sql`d.id`, // R11: its invoice's courtesy copy is attached at send time
        },
        mailboxId: sql`d."mailboxId"`,
        orderId: sql`d."orderId"`,
      },
      now,
    ),
  ]
}

const DECIDED = sql.raw('decided')

/**
 * Runs data-modifying statements as one (data-modifying CTEs w0, w1 …, after `decided` when given):
 * one round trip, all or nothing.
 */
export async function writeAll(tx: Tx, writes: readonly Write[], decided: SQL | null = null): Promise<void> {
  if (writes.length === 0) return
  const ctes = writes.map((write, i) => ('name' in write ? sql`${sql.identifier(write.name)} AS (${write.sql})` : sql`${sql.raw(`w${i}`)} AS (${write})`))
  await tx.execute(sql`WITH ${sql.join(decided ? [sql`${DECIDED} AS (${decided})`, ...ctes] : ctes, sql`, `)} SELECT 1`)
}
