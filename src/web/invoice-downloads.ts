import type { FastifyReply } from 'fastify'
import { findInvoiceXml, invoiceSlug } from '../invoicing/list-invoices'
import { findInvoiceDocument } from '../invoicing/make-files'
import type { Services } from '../services'

/** `2027-000123-PEC.pdf` → the slug and what is asked: the page (none), the courtesy copy or the file. */
export function splitInvoiceFile(file: string): { slug: string; format: 'page' | 'pdf' | 'xml' } {
  const m = /^(.*)\.(pdf|xml)$/.exec(file)
  return m ? { slug: m[1], format: m[2] as 'pdf' | 'xml' } : { slug: file, format: 'page' }
}

/** A URL segment naming an invoice, with an optional .pdf or .xml (the schema refuses anything else). */
export const INVOICE_FILE_PATTERN = '^\\d{4}-\\d{6}(-[A-Z0-9-]{1,8})?(\\.pdf|\\.xml)?$'

/**
 * R11: the courtesy copy (PDF) of an invoice, built now from the invoice as it stands; 404 when
 * invoicing is not configured (no seller to print) or there is no such invoice.
 */
export async function replyCourtesyCopy(reply: FastifyReply, services: Services, invoiceId: number): Promise<FastifyReply> {
  const seller = services.config.invoicing?.seller
  const document = seller && (await findInvoiceDocument(services.deps.db, invoiceId))
  if (!seller || !document) return reply.refuse('page_not_found')
  const { courtesyCopyPdf } = await import('../invoicing/courtesy-pdf')
  const pdf = await courtesyCopyPdf(document, seller, { createdAt: services.deps.clock.now() })
  const name = `${document.kind === 'invoice' ? 'Fattura' : 'Nota_di_credito'}_${invoiceSlug(document.number)}_copia_di_cortesia.pdf`
  return reply.header('Content-Disposition', `attachment; filename="${name}"`).header('Cache-Control', 'private, no-store').type('application/pdf').send(pdf)
}

/** The FatturaPA file an invoice stands on now (or its latest, when it waits for a new one); 404 when none was made. */
export async function replyInvoiceXml(reply: FastifyReply, services: Services, invoiceId: number): Promise<FastifyReply> {
  const file = await findInvoiceXml(services.deps.db, invoiceId)
  if (!file) return reply.refuse('page_not_found')
  return reply.header('Content-Disposition', `attachment; filename="${file.fileName}"`).header('Cache-Control', 'private, no-store').type('application/xml; charset=utf-8').send(file.xml)
}
