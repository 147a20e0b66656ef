import { describe, expect, it } from 'vitest'
import { checkDigits, formatOrderId, type OrderId } from '../../../src/core/order-id'
import { codiceClienteFor, formatCodiceCliente } from '../../../src/payments/postal/codice-cliente'
import { renderPostalSlipPdf, slipAmountFigures, type PostalSlip } from '../../../src/payments/postal/td896-pdf'

const validId = `K7MR4DXP${checkDigits('K7MR4DXP')}` as OrderId

const slip: PostalSlip = {
  postalAccount: '000012345678',
  beneficiary: 'PEC Rinnovi Demo S.r.l.',
  amountCents: 2196,
  causale: `Rinnovo casella PEC – ordine ${formatOrderId(validId)}`,
  codiceCliente: codiceClienteFor(validId),
  payerName: 'Maria Rossi',
  payerAddress: 'Via Roma 1, 00184 Roma RM',
  dueOn: '2026-06-30',
}

/**
 * The text a PDF written with compress: false shows: pdfkit writes each run as a TJ array of hex
 * strings (WinAnsi codes) split by kerning offsets. One line per TJ.
 */
function pdfText(pdf: Buffer): string {
  const source = pdf.toString('latin1')
  const lines: string[] = []
  for (const [, array] of source.matchAll(/\[((?:<[0-9a-f]*>\s*-?[\d.]*\s*)+)\]\s*TJ/g)) {
    const bytes = [...array.matchAll(/<([0-9a-f]*)>/g)].map(([, hex]) => Buffer.from(hex, 'hex'))
    lines.push(winAnsi(Buffer.concat(bytes)))
  }
  return lines.join('\n')
}

// WinAnsi differs from Latin-1 in 0x80–0x9F (Node 20's TextDecoder reads those as C1 controls)
const WIN_ANSI_HIGH: Record<number, string> = { 0x80: '€', 0x85: '…', 0x91: '‘', 0x92: '’', 0x93: '“', 0x94: '”', 0x96: '–', 0x97: '—' }

function winAnsi(bytes: Buffer): string {
  return [...bytes].map((b) => WIN_ANSI_HIGH[b] ?? String.fromCharCode(b)).join('')
}

describe('renderPostalSlipPdf (TD 896)', () => {
  it('is a one-page A4 PDF', async () => {
    const pdf = await renderPostalSlipPdf(slip, { compress: false })
    const source = pdf.toString('latin1')
    expect(source.startsWith('%PDF-')).toBe(true)
    expect(source).toContain('/MediaBox [0 0 595.28 841.89]')
    expect(source).toMatch(/\/Type \/Pages\s*\n?\/Count 1/)
  })

  it('shows both parts of the slip with every field, and how to pay above it', async () => {
    const text = pdfText(await renderPostalSlipPdf(slip, { compress: false }))
    const [instructions, slipPart] = text.split('ritagliare lungo la linea tratteggiata')
    const onSlip = slipPart.replace(/\s+/g, ' ') // a value wrapped on two lines reads as one
    const count = (needle: string) => onSlip.split(needle).length - 1
    expect(count('BancoPosta')).toBe(2)
    expect(onSlip).toContain('CONTI CORRENTI POSTALI – Ricevuta di Versamento')
    expect(onSlip).toContain('CONTI CORRENTI POSTALI – Ricevuta di Accredito')
    expect(count('€ sul C/C n.')).toBe(2)
    expect(count('000012345678')).toBe(3) // both parts and the codeline
    expect(count('di Euro')).toBe(2)
    expect(count('21,96')).toBe(2)
    expect(count('IMPORTO IN LETTERE')).toBe(2)
    expect(count('VENTUNO/96')).toBe(2)
    expect(count('INTESTATO A PEC Rinnovi Demo S.r.l.')).toBe(2)
    expect(count(`CAUSALE Rinnovo casella PEC – ordine ${formatOrderId(validId)}`)).toBe(2)
    expect(count('ESEGUITO DA Maria Rossi Via Roma 1, 00184 Roma RM')).toBe(2)
    expect(count(`codice cliente ${formatCodiceCliente(slip.codiceCliente)} TD 896`)).toBe(2)
    // the codeline: codice cliente, amount in cents, account, document type
    expect(slipPart).toContain(`<${slip.codiceCliente}>  0000002196>  000012345678<  896>`)
    // how to pay, above the slip
    expect(instructions).toContain('Pagamento con bollettino postale')
    expect(instructions).toContain(`Rinnovo casella PEC – ordine ${formatOrderId(validId)}`)
    expect(instructions).toContain(formatCodiceCliente(slip.codiceCliente))
    expect(instructions).toContain('Come pagare')
    expect(instructions).toContain('30/06/2026')
  })

  it('compresses by default', async () => {
    const compressed = await renderPostalSlipPdf(slip)
    expect(compressed.subarray(0, 5).toString()).toBe('%PDF-')
    expect(compressed.toString('latin1')).toContain('/FlateDecode')
    expect(compressed.length).toBeLessThan((await renderPostalSlipPdf(slip, { compress: false })).length)
  })

  it('is reproducible for a given creation date', async () => {
    const createdAt = new Date('2026-05-01T10:00:00Z')
    const a = await renderPostalSlipPdf(slip, { compress: false, createdAt })
    const b = await renderPostalSlipPdf(slip, { compress: false, createdAt })
    expect(a.toString('latin1').replace(/\/ID \[.*\]/, '')).toBe(b.toString('latin1').replace(/\/ID \[.*\]/, ''))
  })

  it.each([
    ['12,20', 1220],
    ['0,01', 1],
    ['1.000,00', 100000],
    ['1.234.567,89', 123456789],
  ])('amount in figures %s', (figures, cents) => {
    expect(slipAmountFigures(cents)).toBe(figures)
  })

  it.each([
    ['an account with letters', { postalAccount: '12AB' }],
    ['a short codice cliente', { codiceCliente: '123' }],
    ['a zero amount', { amountCents: 0 }],
  ])('refuses %s', async (_what, change) => {
    expect(() => renderPostalSlipPdf({ ...slip, ...change })).toThrow(RangeError)
  })
})
