import { sql } from 'drizzle-orm'
import { queryRows, type Tx } from '../../db/client'
import type { CalendarDate } from '../../core/calendar'
import type { MailboxStatus } from '../../accounts/schema'
import type { LateRenewalFrom } from '../../renewals/rules'
import type { OrderStatus, PaymentMethod } from '../../renewals/schema'
import type { PaymentOutcome } from '../schema'

// The set-based statements of a statement import: the rows registerPayment writes one by one,
// written for a whole batch of entries at a time. A batch costs two round trips: one statement
// reads and locks (claimBatch), one writes everything decided (writeBatch, data-modifying CTEs).
// Batches travel as one JSON parameter per table, which reads the same on PostgreSQL and PGlite.

/** A payment of the batch, by its R8 key, and the order its reference names (null when none). */
export interface BatchKey {
  method: PaymentMethod
  reference: string
  orderId: string | null
}

/** A payment stored before this batch: R8 answers it as it was answered the first time. */
export interface StoredPayment {
  method: PaymentMethod
  reference: string
  orderId: string | null
  outcome: PaymentOutcome
  reason: string | null
}

/** An order of the batch with its mailbox, locked (mailbox, then order), and the holder's mail data. */
export interface LockedOrder {
  id: string
  status: OrderStatus
  totalCents: number
  years: number
  mailboxId: number
  mailboxStatus: MailboxStatus
  expiresOn: CalendarDate
  address: string
  conventionCode: string
  holderName: string
  language: 'it' | 'en'
  referenceEmail: string
}

export interface ConventionTerms {
  code: string
  lateRenewalFrom: LateRenewalFrom
  renewableWindowDays: number
}

export interface ClaimedBatch {
  stored: StoredPayment[]
  locked: LockedOrder[]
  conventions: ConventionTerms[]
}

/**
 * One statement: the payments already stored under the batch's keys (R8), and the orders the other
 * payments name, locked with their mailboxes in mailbox id order, each order after its mailbox (the
 * lock order everywhere). Rows locked after a wait are read as committed by whoever held them.
 */
export async function claimBatch(tx: Tx, keys: BatchKey[]): Promise<ClaimedBatch> {
  if (keys.length === 0) return { stored: [], locked: [], conventions: [] }
  const [row] = await queryRows<{ stored: StoredPayment[] | null; locked: LockedOrder[] | null; conventions: ConventionTerms[] | null }>(
    tx,
    sql`WITH input AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) AS v(method text, reference text, "orderId" text)
    ),
    stored AS ( -- one probe of the unique key per payment (LIMIT keeps the planner from scanning the table)
      SELECT p.* FROM input i
       CROSS JOIN LATERAL (SELECT p.method, p.reference, p.order_id AS "orderId", p.outcome, p.reason FROM payments p
                            WHERE p.method = i.method AND p.reference = i.reference LIMIT 1) p
    ),
    locked AS (
      SELECT o.id, o.status, o.total_cents AS "totalCents", o.years, m.id AS "mailboxId", m.status AS "mailboxStatus",
             m.expires_on::text AS "expiresOn", m.address, m.convention_code AS "conventionCode",
             a.first_name || ' ' || a.last_name AS "holderName", a.language, a.reference_email AS "referenceEmail"
        FROM orders o JOIN mailboxes m ON m.id = o.mailbox_id JOIN accounts a ON a.id = m.account_id
       WHERE o.id IN (SELECT i."orderId" FROM input i
                       WHERE NOT EXISTS (SELECT 1 FROM stored s WHERE s.method = i.method AND s.reference = i.reference))
       ORDER BY m.id, o.id
         FOR UPDATE OF m, o
    )
    SELECT (SELECT json_agg(s) FROM stored s) AS stored,
           (SELECT json_agg(l) FROM locked l) AS locked,
           (SELECT json_agg(json_build_object('code', c.code, 'lateRenewalFrom', c.late_renewal_from, 'renewableWindowDays', c.renewable_window_days))
              FROM conventions c WHERE c.code IN (SELECT "conventionCode" FROM locked)) AS conventions`,
  )
  return { stored: row?.stored ?? [], locked: row?.locked ?? [], conventions: row?.conventions ?? [] }
}

/** A payment as stored, its outcome already decided. */
export interface NewBankPayment {
  method: PaymentMethod
  reference: string
  orderRef: string
  orderId: string | null
  amountCents: number
  outcome: PaymentOutcome
  reason: string | null
  refundStatus: 'none' | 'due'
  source: string
  raw: unknown
}

/**
 * R9: an audit row about one of the batch's payments, named by its position in `payments` (from 1):
 * its id is known only once it is stored, and its source is the audit row's actor.
 */
export interface BatchAudit {
  payment: number
  action: string
  mailboxId: number | null
  orderId: string | null
  reason: string | null
  data: unknown
}

export interface BatchMail {
  language: 'it' | 'en'
  recipient: string
  params: unknown
  mailboxId: number
  orderId: string
}

export interface BatchWrites {
  payments: NewBankPayment[]
  paidOrders: Array<{ id: string; extendedFrom: CalendarDate; newExpiresOn: CalendarDate }>
  renewedMailboxes: Array<{ id: number; expiresOn: CalendarDate; reactivate: boolean }>
  audits: BatchAudit[]
  enableMailboxIds: number[]
  mails: BatchMail[]
}

/**
 * One statement: the payments (R8: once per method and reference), the orders paid, the mailboxes
 * renewed (R4/R6), the audit rows (R9), the platform's enable commands and the payment_received
 * mails, each in the order decided. Returns how many payments were new: fewer than given means
 * another transaction stored one of them meanwhile, and the caller must not keep what it wrote.
 */
export async function writeBatch(tx: Tx, w: BatchWrites, now: Date): Promise<number> {
  if (w.payments.length === 0) return 0
  const json = (rows: unknown) => JSON.stringify(rows)
  const [row] = await queryRows<{ stored: number }>(
    tx,
    sql`WITH incoming AS (
      SELECT * FROM ROWS FROM (jsonb_to_recordset(${json(w.payments)}::jsonb)
             AS (method text, reference text, "orderRef" text, "orderId" text, "amountCents" int, outcome text, reason text, "refundStatus" text, source text, raw jsonb))
             WITH ORDINALITY AS v(method, reference, order_ref, order_id, amount_cents, outcome, reason, refund_status, source, raw, n)
    ),
    stored AS (
      INSERT INTO payments (method, reference, order_ref, order_id, amount_cents, outcome, reason, refund_status, source, received_at, raw)
      SELECT method, reference, order_ref, order_id, amount_cents, outcome, reason, refund_status, source, ${now}::timestamptz, raw
        FROM incoming ORDER BY n
      ON CONFLICT ON CONSTRAINT payments_method_reference DO NOTHING
      RETURNING id, method, reference
    ),
    paid AS (
      UPDATE orders o SET status = 'paid', paid_at = ${now}::timestamptz, extended_from = v."extendedFrom", new_expires_on = v."newExpiresOn"
        FROM jsonb_to_recordset(${json(w.paidOrders)}::jsonb) AS v(id text, "extendedFrom" date, "newExpiresOn" date)
       WHERE o.id = v.id
    ),
    renewed AS (
      UPDATE mailboxes m SET expires_on = v."expiresOn", updated_at = ${now}::timestamptz,
             status = CASE WHEN v.reactivate THEN 'active' ELSE m.status END,
             deactivated_on = CASE WHEN v.reactivate THEN NULL ELSE m.deactivated_on END
        FROM jsonb_to_recordset(${json(w.renewedMailboxes)}::jsonb) AS v(id bigint, "expiresOn" date, reactivate boolean)
       WHERE m.id = v.id
    ),
    audited AS (
      INSERT INTO audit_log (at, actor, action, mailbox_id, order_id, payment_id, reason, data)
      SELECT ${now}::timestamptz, p.source, a.action, a.mailbox_id, a.order_id, s.id, a.reason, a.data
        FROM ROWS FROM (jsonb_to_recordset(${json(w.audits)}::jsonb)
             AS (payment int, action text, "mailboxId" bigint, "orderId" text, reason text, data jsonb))
             WITH ORDINALITY AS a(payment, action, mailbox_id, order_id, reason, data, n)
        JOIN incoming p ON p.n = a.payment
        JOIN stored s ON s.method = p.method AND s.reference = p.reference
       ORDER BY a.n
    ),
    enabled AS (
      INSERT INTO provisioning_commands (mailbox_id, action, created_at)
      SELECT v.id::bigint, 'enable', ${now}::timestamptz
        FROM jsonb_array_elements_text(${json(w.enableMailboxIds)}::jsonb) WITH ORDINALITY AS v(id, n) ORDER BY v.n
    ),
    mailed AS (
      INSERT INTO outbox (template, language, recipient, params, mailbox_id, order_id, next_attempt_at, created_at)
      SELECT 'payment_received', v.language, v.recipient, v.params, v.mailbox_id, v.order_id, ${now}::timestamptz, ${now}::timestamptz
        FROM ROWS FROM (jsonb_to_recordset(${json(w.mails)}::jsonb)
             AS (language text, recipient text, params jsonb, "mailboxId" bigint, "orderId" text))
             WITH ORDINALITY AS v(language, recipient, params, mailbox_id, order_id, n)
       ORDER BY v.n
    )
    SELECT count(*)::int AS stored FROM stored`,
  )
  return row?.stored ?? 0
}
