import PDFDocument from 'pdfkit'
import { formatEuro } from '../../core/money'
import { amountInItalianWords } from './amount-in-words'
import { formatCodiceCliente } from './codice-cliente'

/** What a pre-filled TD 896 postal slip (bollettino premarcato) carries. */
export interface PostalSlip {
  /** Conto corrente postale of the beneficiary, digits only. */
  postalAccount: string
  /** Intestatario del conto. */
  beneficiary: string
  amountCents: number
  /** The payment reason (causale), with the formatted order ID. */
  causale: string
  /** 18 digits from codiceClienteFor(orderId). */
  codiceCliente: string
  payerName: string
  payerAddress?: string
  /** 'YYYY-MM-DD': printed in the instructions as the date the payment must arrive by. */
  dueOn?: string
  /** Poste's authorisation to print slips in-house ("Aut. n. …"), printed on both parts when given. */
  printAuthorization?: string
}

export interface PdfOptions {
  /** false writes plain-text content streams (tests read the text back). Default true. */
  compress?: boolean
  /** The document's creation date; from the caller's clock, so a rendering is reproducible. */
  createdAt?: Date
}

// A4 in points, as pdfkit defines it: 210 × 297 mm
const PAGE = { width: 595.28, height: 841.89 }
const MM = 72 / 25.4
const SLIP = { left: 8 * MM, bottom: PAGE.height - 8 * MM, height: 100 * MM }
const SLIP_TOP = SLIP.bottom - SLIP.height
const RECEIPT_WIDTH = 66 * MM // ricevuta di versamento, kept by the payer
const GUTTER = 4 * MM
const CREDIT_LEFT = SLIP.left + RECEIPT_WIDTH + GUTTER // ricevuta di accredito, kept by Poste
const CREDIT_WIDTH = PAGE.width - 8 * MM - CREDIT_LEFT
const BLUE = '#1f3f8f'
const INK = '#000000'

/**
 * A4 page: how to pay at the top, the TD 896 slip at the bottom in its two parts, the
 * "ricevuta di versamento" (left, the payer's receipt) and the "ricevuta di accredito" (right),
 * each with the postal account, amount in figures and in words, beneficiary, causale, payer,
 * codice cliente and the TD 896 mark, as on Poste's pre-printed slips.
 */
export function renderPostalSlipPdf(slip: PostalSlip, options: PdfOptions = {}): Promise<Buffer> {
  if (!/^\d{1,12}$/.test(slip.postalAccount)) throw new RangeError(`postal account must be up to 12 digits: "${slip.postalAccount}"`)
  if (!/^\d{18}$/.test(slip.codiceCliente)) throw new RangeError(`codice cliente must be 18 digits: "${slip.codiceCliente}"`)
  if (!Number.isSafeInteger(slip.amountCents) || slip.amountCents <= 0 || slip.amountCents > 99_999_999_99) {
    throw new RangeError(`amount out of range for a slip: ${slip.amountCents}`)
  }
  const doc = new PDFDocument({
    size: 'A4',
    margin: 0,
    compress: options.compress ?? true,
    info: {
      Title: `Bollettino postale TD 896 – ${slip.causale}`,
      Author: slip.beneficiary,
      ...(options.createdAt ? { CreationDate: options.createdAt } : {}),
    },
  })
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  drawInstructions(doc, slip)
  drawCutLine(doc)
  drawPart(doc, slip, { left: SLIP.left, width: RECEIPT_WIDTH, title: 'Ricevuta di Versamento', withCodeline: false })
  drawPart(doc, slip, { left: CREDIT_LEFT, width: CREDIT_WIDTH, title: 'Ricevuta di Accredito', withCodeline: true })
  doc.end()
  return done
}

/** "12,20", "1.000,00": euro and cents with a comma, no symbol, as in the slip's "di Euro" box. */
export function slipAmountFigures(cents: number): string {
  const euro = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+$)/g, '.')
  return `${euro},${String(cents % 100).padStart(2, '0')}`
}

function drawInstructions(doc: PDFKit.PDFDocument, slip: PostalSlip): void {
  const left = 20 * MM
  const width = PAGE.width - 40 * MM
  doc.fillColor(INK).font('Helvetica-Bold').fontSize(16).text('Pagamento con bollettino postale', left, 22 * MM, { width })
  doc.moveDown(0.6).font('Helvetica').fontSize(10.5)
  const summary: Array<[string, string]> = [
    ['Causale', slip.causale],
    ['Importo', formatEuro(slip.amountCents)],
    ['Conto corrente postale', slip.postalAccount],
    ['Intestato a', slip.beneficiary],
    ['Codice cliente', formatCodiceCliente(slip.codiceCliente)],
  ]
  if (slip.dueOn) summary.push(['Da pagare entro il', italianDate(slip.dueOn)])
  for (const [label, value] of summary) {
    doc.font('Helvetica-Bold').text(`${label}: `, { continued: true, width }).font('Helvetica').text(value)
  }
  doc.moveDown(0.8).font('Helvetica-Bold').text('Come pagare', { width })
  doc.font('Helvetica').moveDown(0.3)
  const steps = [
    'Stampa questa pagina su carta A4, senza ridimensionarla, e ritaglia il bollettino lungo la linea tratteggiata.',
    "Paga in qualsiasi ufficio postale presentando il bollettino: l'operatore ti restituisce la ricevuta di versamento, da conservare.",
    "Puoi anche pagare senza stampare, con l'app BancoPosta, su poste.it o nei punti abilitati al pagamento dei bollettini: " +
      'scegli il bollettino premarcato (TD 896) e inserisci il codice cliente, il numero di conto corrente postale e l’importo indicati sopra.',
    "Non modificare l'importo: il pagamento viene riconosciuto automaticamente dal codice cliente. " +
      'Un importo diverso non rinnova la casella finché non viene verificato dai nostri operatori.',
  ]
  steps.forEach((step, i) => doc.text(`${i + 1}. ${step}`, { width, paragraphGap: 4 }))
  doc.moveDown(0.5).fontSize(9).fillColor('#444444')
    .text("Il rinnovo è registrato quando Poste Italiane ci comunica il pagamento, di norma entro due giorni lavorativi; riceverai una conferma per e-mail.", { width })
}

function drawCutLine(doc: PDFKit.PDFDocument): void {
  const y = SLIP_TOP - 5 * MM
  doc.save().strokeColor('#888888').lineWidth(0.6).dash(4, { space: 3 })
    .moveTo(5 * MM, y).lineTo(PAGE.width - 5 * MM, y).stroke().undash().restore()
  doc.fillColor('#888888').font('Helvetica').fontSize(7).text('ritagliare lungo la linea tratteggiata', 5 * MM, y - 9)
}

interface Part {
  left: number
  width: number
  title: string
  withCodeline: boolean
}

function drawPart(doc: PDFKit.PDFDocument, slip: PostalSlip, part: Part): void {
  const { left, width } = part
  const pad = 2.5 * MM
  const inner = width - 2 * pad
  const x = left + pad
  doc.save().lineWidth(0.8).strokeColor(BLUE).rect(left, SLIP_TOP, width, SLIP.height).stroke().restore()

  // heading band
  doc.fillColor(BLUE).font('Helvetica-Bold').fontSize(11).text('BancoPosta', x, SLIP_TOP + pad, { width: inner, lineBreak: false })
  doc.font('Helvetica').fontSize(6.5)
    .text(`CONTI CORRENTI POSTALI – ${part.title}`, x, SLIP_TOP + pad + 13, { width: inner, lineBreak: false })

  // account and amount in figures
  let y = SLIP_TOP + pad + 26
  const half = part.withCodeline ? inner * 0.55 : inner
  label(doc, '€ sul C/C n.', x, y)
  value(doc, slip.postalAccount, x, y + 8, half - 4, 11)
  if (part.withCodeline) {
    label(doc, 'di Euro', x + half, y)
    value(doc, slipAmountFigures(slip.amountCents), x + half, y + 8, inner - half, 11)
    y += 26
  } else {
    y += 24
    label(doc, 'di Euro', x, y)
    value(doc, slipAmountFigures(slip.amountCents), x, y + 8, inner, 11)
    y += 24
  }

  label(doc, 'IMPORTO IN LETTERE', x, y)
  const words = amountInItalianWords(slip.amountCents)
  const wordLines = doc.font('Helvetica-Bold').fontSize(8.5).widthOfString(words) > inner ? 2 : 1
  value(doc, words, x, y + 8, inner, 8.5, wordLines)
  y += wordLines === 2 ? 30 : 22

  label(doc, 'INTESTATO A', x, y)
  value(doc, slip.beneficiary, x, y + 8, inner, 8.5, 2)
  y += 30

  label(doc, 'CAUSALE', x, y)
  value(doc, slip.causale, x, y + 8, inner, 8.5, 2)
  y += 30

  label(doc, 'ESEGUITO DA', x, y)
  value(doc, slip.payerName, x, y + 8, inner, 8.5)
  if (slip.payerAddress) value(doc, slip.payerAddress, x, y + 19, inner, 7.5, 2)

  // codice cliente and the document type
  const bottom = SLIP.bottom - pad
  label(doc, 'codice cliente', x, bottom - (part.withCodeline ? 38 : 26))
  value(doc, formatCodiceCliente(slip.codiceCliente), x, bottom - (part.withCodeline ? 30 : 18), inner - 40, 9, 1, 'Courier-Bold')
  doc.fillColor(INK).font('Helvetica-Bold').fontSize(10)
    .text('TD 896', left + width - pad - 40, bottom - (part.withCodeline ? 30 : 18), { width: 40, align: 'right', lineBreak: false })
  if (slip.printAuthorization) {
    doc.fillColor(BLUE).font('Helvetica').fontSize(5.5)
      .text(slip.printAuthorization, x, bottom - (part.withCodeline ? 46 : 34), { width: inner, lineBreak: false, ellipsis: true })
  }
  if (part.withCodeline) {
    // The codeline in the order Poste's TD 896 slips print it: codice cliente, amount in cents
    // (10 digits), postal account (12 digits), document type. For reading; not OCR-certified.
    const codeline = `<${slip.codiceCliente}>  ${String(slip.amountCents).padStart(10, '0')}>  ${slip.postalAccount.padStart(12, '0')}<  896>`
    doc.fillColor(INK).font('Courier').fontSize(8.5).text(codeline, x, bottom - 10, { width: inner, lineBreak: false })
  }
}

function label(doc: PDFKit.PDFDocument, text: string, x: number, y: number): void {
  doc.fillColor(BLUE).font('Helvetica').fontSize(6).text(text, x, y, { lineBreak: false })
}

/** A filled-in value: wraps within `lines` lines, then ends in an ellipsis rather than overflow the box. */
function value(doc: PDFKit.PDFDocument, text: string, x: number, y: number, width: number, size: number, lines = 1, font = 'Helvetica-Bold'): void {
  doc.fillColor(INK).font(font).fontSize(size).text(text, x, y, { width, height: size * 1.25 * lines, ellipsis: true, lineGap: 0 })
}

function italianDate(date: string): string {
  const [year, month, day] = date.split('-')
  return `${day}/${month}/${year}`
}
