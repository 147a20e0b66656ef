import { sql } from 'drizzle-orm'
import type { Clock } from '../core/clock'
import { queryRows, type Db } from '../db/client'
import type { MailAttachments } from '../notifications/mail-context'
import type { MailAttachment } from '../notifications/templates/sdi-invoice'
import type { Seller } from './config'
import { invoiceSlug } from './list-invoices'
import { findInvoiceDocument } from './make-files'

// R11: the payment-received e-mail carries the invoice's courtesy copy. The outbox row keeps only
// the payment's id; the PDF is built when the mail is sent, from the invoice as it is then (a buyer
// corrected in the meantime shows corrected), so the row stays small and a restart loses nothing.

/** The courtesy copy of a payment's invoice, as a mail attachment; null when the payment has none. */
export async function courtesyCopyOfPayment(db: Db, seller: Seller, paymentId: number, now: Date): Promise<MailAttachment | null> {
  const [row] = await queryRows<{ id: number }>(db, sql`SELECT id::int FROM invoices WHERE payment_id = ${paymentId} AND kind = 'invoice'`)
  const document = row && (await findInvoiceDocument(db, row.id))
  if (!document) return null
  const { courtesyCopyPdf } = await import('./courtesy-pdf') // pdfkit loads when a copy is first made, not at every start
  return {
    filename: `Fattura_${invoiceSlug(document.number)}_copia_di_cortesia.pdf`,
    content: await courtesyCopyPdf(document, seller, { createdAt: now }),
    contentType: 'application/pdf',
    note: {
      it: `In allegato la copia di cortesia della fattura n. ${document.number} (PDF). Non è il documento fiscale: la fattura elettronica è trasmessa tramite il Sistema di Interscambio e la trovi nel tuo cassetto fiscale.`,
      en: `Attached is the courtesy copy of invoice no. ${document.number} (PDF). It is not the tax document: the e-invoice is sent through the Italian exchange system (SdI) and is in your tax records (cassetto fiscale).`,
    },
  }
}

/** The attachments the outbox asks for at send time: the courtesy copy on payment_received, when invoicing is configured. */
export function courtesyCopies(db: Db, seller: Seller, clock: Clock): MailAttachments {
  return {
    async attachmentsFor(mail) {
      if (mail.template !== 'payment_received') return []
      const paymentId = (mail.params as { paymentId?: number | null }).paymentId
      if (typeof paymentId !== 'number') return [] // queued before invoices were attached
      const copy = await courtesyCopyOfPayment(db, seller, paymentId, clock.now())
      return copy ? [copy] : []
    },
  }
}
