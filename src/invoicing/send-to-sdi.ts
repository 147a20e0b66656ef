import { sql } from 'drizzle-orm'
import { queryRows, type Db } from '../db/client'
import { enqueueMail } from '../notifications/outbox'
import type { InvoicingConfig } from './config'

// The SdI-via-PEC adapter of the transmission port: each valid file waiting to leave is queued in
// the outbox as one message to the SdI's PEC address (from configuration; the provider's own PEC
// mailbox sends it through SMTP_URL), one invoice per message, in the transaction that marks the
// invoice sent: the mail leaves only if that is recorded, and exactly once (R8). The SdI answers
// on the same mailbox with its receipts (RC, NS, MC), imported with `invoices receipts import`.

export interface SentToSdi {
  queued: number
  files: string[]
}

const SENT_PER_BATCH = 200

/**
 * Queues every valid file not handed over yet (state issued), or those of `invoiceIds`, in
 * batches, each its own transaction (SKIP LOCKED: several nodes share the work; a stop between two
 * batches leaves the rest for the next run). Demo files are never sent (R10).
 */
export async function sendInvoicesToSdi(
  db: Db,
  config: Pick<InvoicingConfig, 'sdiPecAddress' | 'isDemo'>,
  now: Date,
  invoiceIds?: readonly number[],
  progress?: (sofar: SentToSdi) => void,
): Promise<SentToSdi> {
  if (config.isDemo) throw new Error('demo invoices are never sent to the SdI')
  if (!config.sdiPecAddress) throw new Error('INVOICE_SDI_PEC is not set: no SdI address to send to')
  const only = invoiceIds ? sql`AND i.id = ANY(${sql.param([...invoiceIds])}::bigint[])` : sql``
  const total: SentToSdi = { queued: 0, files: [] }
  for (;;) {
    const files = await db.transaction(async (tx) => {
      const files = await queryRows<{ id: number; fileId: number; fileName: string; xml: string; orderId: string }>(
        tx,
        sql`SELECT i.id::int, f.id::int AS "fileId", f.file_name AS "fileName", f.xml, i.order_id AS "orderId"
              FROM invoices i JOIN invoice_files f ON f.id = i.file_id
             WHERE i.state = 'issued' AND f.valid AND f.sent_at IS NULL ${only} ORDER BY f.id LIMIT ${SENT_PER_BATCH} FOR UPDATE OF i SKIP LOCKED`,
      )
      for (const file of files) {
        await enqueueMail(tx, { template: 'sdi_invoice', language: 'it', recipient: config.sdiPecAddress!, params: { fileName: file.fileName, xml: file.xml }, orderId: file.orderId }, now)
      }
      if (files.length) {
        await tx.execute(sql`WITH sent AS (
            UPDATE invoices SET state = 'sent', updated_at = ${now}::timestamptz WHERE id = ANY(${sql.param(files.map((f) => f.id))}::bigint[]) RETURNING file_id
          ) UPDATE invoice_files SET sent_at = ${now}::timestamptz WHERE id IN (SELECT file_id FROM sent)`)
      }
      return files
    })
    total.queued += files.length
    total.files.push(...files.map((f) => f.fileName))
    if (files.length) progress?.({ queued: total.queued, files: [] })
    if (files.length < SENT_PER_BATCH) return total
  }
}
