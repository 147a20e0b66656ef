import { sql } from 'drizzle-orm'
import type { CalendarDate } from '../../core/calendar'
import { formatOrderId, parseOrderId, type OrderId } from '../../core/order-id'
import { queryRows, type Executor } from '../../db/client'
import type { PaymentMethod } from '../../renewals/schema'

// Issue 11: the two work queues of the back office and the CLI, read from the payments as the
// settlement left them (every held or unmatched entry, slip and gateway payment is a payment row).

export interface PaymentNote {
  actor: string
  note: string
  at: string
}

/** What the operator needs to decide about one payment: who paid, from where, with which words, and why it waits. */
export interface PaymentFacts {
  id: number
  amountCents: number
  method: PaymentMethod
  /** gateway:NAME for a card or PayPal payment, operator:NAME or the import's actor otherwise. */
  source: string
  receivedAt: string
  /** Why it waits, as a code with its detail: amount_mismatch, mailbox_ceased, no_order_id, probable_typo:K7MR-4DXP-61 … */
  reason: string
  /** The order the payment names (held) or null (no order matched). */
  orderId: string | null
  orderTotalCents: number | null
  /** The order an operator would most likely assign it to: its own (held), or the probable typo's candidate. */
  candidateOrderId: string | null
  payer: string | null
  /** The payer's IBAN when the bank gave it (camt.053 DbtrAcct): where a refund by transfer goes. */
  payerIban: string | null
  /** The account the money came in on (statements: our IBAN; slips: the postal account). */
  account: string | null
  /** The payment reason (causale) as the payer wrote it. */
  causale: string
  /** The day of the movement (booking date, slip paid on), else the day it was registered. */
  paidOn: CalendarDate | null
  /** The imported file and the entry's place in it (1-based; for slips, the report's line). */
  file: string | null
  line: number | null
  importId: number | null
  notes: PaymentNote[]
}

export interface RefundDue extends PaymentFacts {
  /** What goes back: all of the payment, or an overpayment's difference. */
  refundCents: number
  /** Why it is due back: order_already_paid, mailbox_ceased, order_lapsed, not_ours, overpaid. */
  refundReason: string
  /** The gateway that refunds it, or null: the operator sends a bank transfer and records it. */
  gateway: string | null
  /** The order whose holder is told (the payment's own, or the one it was assigned to). */
  holderOrderId: string | null
}

interface FactsRow {
  id: number
  amountCents: number
  method: PaymentMethod
  source: string
  receivedAt: string
  outcome: string
  reason: string | null
  orderId: string | null
  orderRef: string
  orderTotalCents: number | null
  raw: Record<string, any> | null
  entryNote: string | null
  file: string | null
  position: number | null
  importId: number | null
  resolution: string | null
  refundCents: number | null
  resolvedOrderId: string | null
  notes: PaymentNote[] | null
}

/** The columns every queue reads; `where` picks the rows (on the payments table, named p). */
const factsSql = (where: ReturnType<typeof sql>, limit: number) => sql`
  SELECT p.id, p.amount_cents AS "amountCents", p.method, p.source, p.received_at AS "receivedAt", p.outcome, p.reason,
         p.order_id AS "orderId", p.order_ref AS "orderRef", o.total_cents AS "orderTotalCents", p.raw,
         e.note AS "entryNote", i.file_name AS file, p.import_position AS position, p.import_id AS "importId",
         p.resolution, p.refund_cents AS "refundCents", r.order_id AS "resolvedOrderId",
         (SELECT json_agg(json_build_object('actor', n.actor, 'note', n.note, 'at', n.at) ORDER BY n.id)
            FROM payment_notes n WHERE n.payment_id = p.id) AS notes
    FROM payments p
    LEFT JOIN orders o ON o.id = p.order_id
    LEFT JOIN payments r ON r.id = p.resolved_payment_id
    LEFT JOIN statement_entries e ON e.import_id = p.import_id AND e.position = p.import_position
    LEFT JOIN statement_imports i ON i.id = p.import_id
   WHERE ${where}
   ORDER BY p.received_at, p.id
   LIMIT ${limit}`

/** Held or unmatched, not decided yet (the partial index payments_to_resolve). */
export const TO_RESOLVE = sql`p.outcome IN ('held', 'unknownOrder') AND p.resolution IS NULL AND p.refund_status <> 'refunded'`

/** Issue 11: every payment an operator has to resolve, oldest first. */
export async function listHeldPayments(db: Executor, limit = 10_000): Promise<PaymentFacts[]> {
  const rows = await queryRows<FactsRow>(db, factsSql(TO_RESOLVE, limit))
  return rows.map(toFacts)
}

/** One payment's facts, whatever its state (the resolution page); undefined when there is none. */
export async function findPaymentFacts(db: Executor, paymentId: number): Promise<(PaymentFacts & { toResolve: boolean; refundStatus: string; resolution: string | null }) | undefined> {
  const [row] = await queryRows<FactsRow & { toResolve: boolean; refundStatus: string }>(
    db,
    sql`SELECT f.*, (SELECT ${TO_RESOLVE} FROM payments p WHERE p.id = f.id) AS "toResolve",
               (SELECT refund_status FROM payments WHERE id = f.id) AS "refundStatus"
          FROM (${factsSql(sql`p.id = ${paymentId}`, 1)}) f`,
  )
  return row && { ...toFacts(row), toResolve: row.toResolve, refundStatus: row.refundStatus, resolution: row.resolution }
}

/** Issue 11: every payment due back (duplicates, overpayments, money after cessation, not ours), oldest first. */
export async function listRefundsDue(db: Executor, limit = 10_000): Promise<RefundDue[]> {
  const rows = await queryRows<FactsRow>(db, factsSql(sql`p.refund_status = 'due'`, limit))
  return rows.map(toRefundDue)
}

/** The refunds due among `paymentIds` (those no longer due are left out). */
export async function listRefundsDueAmong(db: Executor, paymentIds: readonly number[]): Promise<RefundDue[]> {
  if (paymentIds.length === 0) return []
  const ids = sql.join(paymentIds.map((id) => sql`${id}::bigint`), sql`, `)
  const rows = await queryRows<FactsRow>(db, factsSql(sql`p.refund_status = 'due' AND p.id IN (${ids})`, paymentIds.length))
  return rows.map(toRefundDue)
}

export function toRefundDue(row: FactsRow): RefundDue {
  const facts = toFacts(row)
  const refundReason = row.resolution === 'not_ours' ? 'not_ours' : row.resolution === 'assigned' ? 'overpaid' : (row.reason ?? row.outcome)
  const gateway = row.source.startsWith('gateway:') ? row.source.slice('gateway:'.length) : null
  return { ...facts, refundCents: row.refundCents ?? row.amountCents, refundReason, gateway, holderOrderId: row.orderId ?? row.resolvedOrderId }
}

function toFacts(row: FactsRow): PaymentFacts {
  const raw = row.raw ?? {}
  const poste = raw.poste as Record<string, any> | undefined
  const reason = row.outcome === 'unknownOrder' ? (row.entryNote ?? (typeof raw.unknown === 'string' ? raw.unknown : 'unknown_order')) : (row.reason ?? row.outcome)
  const typo = /^probable_typo:(.+)$/.exec(reason)
  const candidate = row.orderId ?? (typo ? parseOrderId(typo[1]) : null)
  return {
    id: Number(row.id),
    amountCents: row.amountCents,
    method: row.method,
    source: row.source,
    receivedAt: new Date(row.receivedAt).toISOString(),
    reason,
    orderId: row.orderId && formatOrderId(row.orderId as OrderId),
    orderTotalCents: row.orderTotalCents,
    candidateOrderId: candidate && formatOrderId(candidate as OrderId),
    payer: text(raw.debtorName) ?? text(raw.payerName) ?? null,
    payerIban: text(raw.debtorIban) ?? null,
    account: text(raw.account) ?? text(poste?.postalAccount) ?? null,
    causale: text(raw.remittanceText) ?? text(poste?.causale) ?? text(poste?.codiceCliente) ?? row.orderRef.replace(/^\?/, ''),
    paidOn: (text(raw.bookingDate) ?? text(raw.valueDate) ?? text(poste?.paidOn) ?? null) as CalendarDate | null,
    file: row.file,
    line: typeof poste?.line === 'number' ? poste.line : row.position === null ? null : row.position + 1,
    importId: row.importId === null ? null : Number(row.importId),
    notes: row.notes ?? [],
  }
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value : undefined)
