import { describe, expect, it } from 'vitest'
import { DEMO_SELLER, invoiceNumber } from '../../src/invoicing/config'
import { courtesyCopyPdf } from '../../src/invoicing/courtesy-pdf'

/** The text a PDF written with compress: false draws (pdfkit: TJ arrays of WinAnsi hex strings), as test/payments/postal reads it. */
function drawnText(pdf: Buffer): string {
  const lines: string[] = []
  for (const [, array] of pdf.toString('latin1').matchAll(/\[((?:<[0-9a-f]*>\s*-?[\d.]*\s*)+)\]\s*TJ/g)) {
    lines.push(Buffer.concat([...array.matchAll(/<([0-9a-f]*)>/g)].map(([, hex]) => Buffer.from(hex, 'hex'))).toString('latin1'))
  }
  return lines.join('\n')
}

describe('courtesy copy (PDF)', () => {
  it('says it is not the tax document, and shows the number, the buyer, the line and the totals', async () => {
    const pdf = await courtesyCopyPdf(
      {
        kind: 'invoice', number: invoiceNumber(2028, 7, 'PEC'), issuedOn: '2028-02-29', method: 'card',
        buyer: { name: "Niccolò D'Àmico", fiscalCode: 'DMCNCL80A01H501U', street: 'Via Roma', streetNumber: '1', postalCode: '00184', city: 'Roma', province: 'RM', country: 'Italia' },
        lines: [{ mailbox: 'n.damico@pec.example.it', from: '2028-03-01', to: '2031-02-28', years: 3, netCents: 6000 }], netCents: 6000, vatCents: 1320, totalCents: 7320,
      },
      DEMO_SELLER,
      { compress: false, createdAt: new Date('2028-02-29T12:00:00Z') },
    )
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
    const text = drawnText(pdf).replace(/\s+/g, ' ')
    expect(text).toContain('COPIA DI CORTESIA')
    expect(text).toContain('non è il documento fiscale')
    expect(text).toContain('Fattura n. 2028/000007/PEC del 29/02/2028')
    expect(text).toContain("Niccolò D'Àmico")
    expect(text).toContain('dal 01/03/2028 al 28/02/2031')
    expect(text).toMatch(/73,20/)
  })
})
