import { sql } from 'drizzle-orm'
import { DomainError } from '../core/errors'
import { audit } from '../db/audit'
import { queryRows, type Db } from '../db/client'
import type { Buyer } from './fatturapa'
import type { InvoiceState } from './schema'

// R11: an invoice the schema refused (an order taken on the phone snapshots no address) or the
// SdI rejected (NS) is corrected in the back office: the buyer as the invoice holds it is
// replaced, with the operator's reason, and the invoice waits for a new file — a new progressive,
// the same number and date. The order's own snapshot is left as it was taken (R3).

export interface BuyerCorrection {
  invoiceId: number
  /** The buyer as the billing form checked it (renewals/billing.ts validateBilling). */
  buyer: Buyer
  reason: string
  actor: string
}

/**
 * Replaces the buyer of an invalid or rejected invoice, in one transaction with its audit row (the
 * buyer before and after, the reason): the invoice is 'issued' again with no file, so the next run
 * of the files job (or the caller, at once) makes, validates and sends its new file.
 */
export async function correctInvoiceBuyer(db: Db, correction: BuyerCorrection, now: Date): Promise<void> {
  const reason = correction.reason.trim()
  if (!reason) throw new DomainError('reason_required')
  await db.transaction(async (tx) => {
    const [row] = await queryRows<{ state: InvoiceState; buyer: Buyer; orderId: string; paymentId: number; fileName: string | null }>(
      tx,
      sql`SELECT i.state, i.buyer, i.order_id AS "orderId", i.payment_id::int AS "paymentId", f.file_name AS "fileName"
            FROM invoices i LEFT JOIN invoice_files f ON f.id = i.file_id WHERE i.id = ${correction.invoiceId} FOR UPDATE OF i`,
    )
    if (!row) throw new DomainError('page_not_found')
    if (row.state !== 'invalid' && row.state !== 'rejected') throw new DomainError('invoice_not_correctable')
    await tx.execute(sql`UPDATE invoices SET buyer = ${JSON.stringify(correction.buyer)}::jsonb, file_id = NULL, state = 'issued', problems = NULL, updated_at = ${now}::timestamptz
                          WHERE id = ${correction.invoiceId}`)
    await audit(tx, {
      actor: correction.actor,
      at: now,
      action: 'invoice.buyer_corrected',
      orderId: row.orderId,
      paymentId: row.paymentId,
      reason,
      data: { invoiceId: correction.invoiceId, was: row.state, fileName: row.fileName, before: row.buyer, after: correction.buyer },
    })
  })
}
