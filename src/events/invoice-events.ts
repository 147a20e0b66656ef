import { sql } from 'drizzle-orm'
import { queryRows, type Executor } from '../db/client'
import { emitEvent, mailboxDataSql } from './emit'

/** The `invoice` object of invoice.issued (docs/webhooks.md), from an invoices row (or a RETURNING of its columns) named `alias`. */
export function invoiceDataSql(alias: string) {
  const i = sql.identifier(alias)
  return sql`jsonb_build_object('id', ${i}.id, 'kind', ${i}.kind, 'number', ${i}.number, 'year', ${i}.year, 'series', ${i}.series,
    'issuedOn', ${i}.issued_on, 'orderId', ${i}.order_id, 'paymentId', ${i}.payment_id, 'refersTo', ${i}.refers_to,
    'netCents', ${i}.net_cents, 'vatCents', ${i}.vat_cents, 'totalCents', ${i}.total_cents)`
}

/** The invoice.issued event of one invoice or credit note numbered row by row (a reversal's credit note), in the caller's transaction. */
export async function emitInvoiceIssued(tx: Executor, invoiceId: number, now: Date): Promise<void> {
  const [row] = await queryRows<{ convention_code: string }>(tx, sql`SELECT m.convention_code FROM invoices i JOIN orders o ON o.id = i.order_id JOIN mailboxes m ON m.id = o.mailbox_id WHERE i.id = ${invoiceId}`)
  await emitEvent(tx, {
    type: 'invoice.issued',
    conventionCode: row?.convention_code ?? null,
    data: sql`(SELECT jsonb_build_object('invoice', ${invoiceDataSql('i')}, 'mailbox', ${mailboxDataSql({ m: sql`m`, a: sql`a` })})
                 FROM invoices i JOIN orders o ON o.id = i.order_id JOIN mailboxes m ON m.id = o.mailbox_id JOIN accounts a ON a.id = m.account_id
                WHERE i.id = ${invoiceId})`,
  }, now)
}
