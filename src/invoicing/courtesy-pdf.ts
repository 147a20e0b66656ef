import PDFDocument from 'pdfkit'
import { formatEuro } from '../core/money'
import type { Seller } from './config'
import { DOCUMENT_TYPE, lineDescription, vatOf, type InvoiceDocument } from './fatturapa'

// The copia di cortesia: a readable PDF of an invoice or credit note for the holder, with pdfkit as
// the postal slip (payments/postal/td896-pdf.ts). It says plainly that it is not the tax document:
// that is the FatturaPA file, delivered through the SdI (and in the buyer's cassetto fiscale).

export interface CourtesyOptions {
  /** false writes plain-text content streams (tests read the text back). Default true. */
  compress?: boolean
  /** From the caller's clock, so a rendering is reproducible. */
  createdAt?: Date
}

const MM = 72 / 25.4
const italianDate = (iso: string) => iso.split('-').reverse().join('/')

/** The courtesy copy of a document, in Italian (the language of the invoice itself). */
export function courtesyCopyPdf(document: InvoiceDocument, seller: Seller, options: CourtesyOptions = {}): Promise<Buffer> {
  const title = `${document.kind === 'invoice' ? 'Fattura' : 'Nota di credito'} n. ${document.number} del ${italianDate(document.issuedOn)}`
  const doc = new PDFDocument({
    size: 'A4',
    margin: 20 * MM,
    compress: options.compress ?? true,
    info: { Title: `Copia di cortesia – ${title}`, Author: seller.name, ...(options.createdAt ? { CreationDate: options.createdAt } : {}) },
  })
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  const width = doc.page.width - 40 * MM
  doc.font('Helvetica-Bold').fontSize(9).fillColor('#a00000')
  doc.text('COPIA DI CORTESIA – non è il documento fiscale. La fattura elettronica (FatturaPA) è trasmessa tramite il Sistema di Interscambio ed è consultabile nel cassetto fiscale.', { width })
  doc.moveDown(1).fillColor('#000000').fontSize(15).text(title, { width })
  doc.fontSize(9).font('Helvetica').text(`Tipo documento ${DOCUMENT_TYPE[document.kind]}`, { width })
  if (document.refersTo) doc.text(`Rettifica la fattura n. ${document.refersTo.number} del ${italianDate(document.refersTo.issuedOn)}`, { width })

  doc.moveDown(1).font('Helvetica-Bold').fontSize(10).text('Cedente / prestatore')
  doc.font('Helvetica').text([seller.name, `${seller.street}${seller.streetNumber ? ` ${seller.streetNumber}` : ''}, ${seller.postalCode} ${seller.city} (${seller.province})`, `P.IVA IT${seller.vatNumber}`].join('\n'), { width })
  const b = document.buyer
  doc.moveDown(0.8).font('Helvetica-Bold').text('Cessionario / committente')
  const address = b.street ? `${b.street} ${b.streetNumber ?? ''}, ${b.postalCode ?? ''} ${b.city ?? ''}${b.province && b.province !== 'EE' ? ` (${b.province})` : ''}${b.country && !/^(italia|italy|it)$/i.test(b.country) ? `, ${b.country}` : ''}` : (b.address ?? '')
  doc.font('Helvetica').text([b.name, address, b.vatNumber ? `P.IVA ${b.vatNumber}` : '', b.fiscalCode ? `Codice fiscale ${b.fiscalCode}` : ''].filter(Boolean).join('\n'), { width })

  doc.moveDown(1).font('Helvetica-Bold').text('Descrizione', { width: width - 90, continued: false })
  for (const line of document.lines) {
    const y = doc.y
    doc.font('Helvetica').text(lineDescription(line), 20 * MM, y, { width: width - 100 })
    doc.text(formatEuro(line.netCents), 20 * MM + width - 90, y, { width: 90, align: 'right' })
  }
  const taxable = document.lines.reduce((sum, line) => sum + line.netCents, 0)
  const rows: Array<[string, string]> = [
    ['Imponibile', formatEuro(taxable)],
    ['IVA 22%', formatEuro(vatOf(taxable))],
    [document.kind === 'invoice' ? 'Totale pagato' : 'Totale stornato', formatEuro(taxable + vatOf(taxable))],
  ]
  doc.moveDown(1)
  for (const [label, value] of rows) {
    const y = doc.y
    doc.font(label.startsWith('Totale') ? 'Helvetica-Bold' : 'Helvetica').text(label, 20 * MM + width - 220, y, { width: 120 })
    doc.text(value, 20 * MM + width - 90, y, { width: 90, align: 'right' })
  }
  doc.end()
  return done
}
