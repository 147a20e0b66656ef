import QRCode from 'qrcode'
import { describe, expect, it } from 'vitest'
import { DEMO_PAYMENT_INSTRUCTIONS } from '../../src/notifications/mail-context'
import { EPC_MAX_BYTES, EpcPayloadError, epcQrPayload, epcQrPngDataUrl, epcQrSvg } from '../../src/core/epc-qr'

const transfer = {
  bic: 'BPPIITRRXXX',
  beneficiary: 'PEC Rinnovi S.r.l.',
  iban: 'IT60 X054 2811 1010 0000 0123 456',
  amountCents: 1220,
  remittance: 'K7MR-4DXP-52',
}

describe('epcQrPayload (EPC069-12 version 002)', () => {
  it('writes the elements in the standard order, one per line, nothing after the remittance', () => {
    expect(epcQrPayload(transfer).split('\n')).toEqual([
      'BCD', // service tag
      '002', // version
      '1', // character set: UTF-8
      'SCT', // SEPA credit transfer
      'BPPIITRRXXX', // BIC
      'PEC Rinnovi S.r.l.', // beneficiary
      'IT60X0542811101000000123456', // IBAN, electronic form
      'EUR12.20', // amount
      '', // purpose
      '', // structured reference (exclusive with the next)
      'K7MR-4DXP-52', // unstructured remittance: the causale
    ])
    expect(epcQrPayload(transfer).endsWith('K7MR-4DXP-52')).toBe(true)
  })

  it.each([
    [1, 'EUR0.01'],
    [100, 'EUR1.00'],
    [2196, 'EUR21.96'],
    [99_999_999_999, 'EUR999999999.99'],
  ])('amount %i cents is %s', (amountCents, line) => {
    expect(epcQrPayload({ ...transfer, amountCents }).split('\n')[7]).toBe(line)
  })

  it('keeps each field on its line: newlines in a name or a causale become spaces', () => {
    const lines = epcQrPayload({ ...transfer, beneficiary: 'PEC Rinnovi\nS.r.l.', remittance: ' Rinnovo\r\nK7MR-4DXP-52 ' }).split('\n')
    expect(lines).toHaveLength(11)
    expect(lines[5]).toBe('PEC Rinnovi S.r.l.')
    expect(lines[10]).toBe('Rinnovo K7MR-4DXP-52')
  })

  it(`stays within ${EPC_MAX_BYTES} bytes, counting UTF-8 bytes, and throws beyond`, () => {
    const name = 'à'.repeat(70) // 70 characters, 140 bytes
    const fixed = Buffer.byteLength(epcQrPayload({ ...transfer, beneficiary: name, remittance: '' }))
    const fits = 'R'.repeat(EPC_MAX_BYTES - fixed - 3) // an empty remittance drops the three line breaks before it
    expect(Buffer.byteLength(epcQrPayload({ ...transfer, beneficiary: name, remittance: fits }))).toBe(EPC_MAX_BYTES)
    expect(() => epcQrPayload({ ...transfer, beneficiary: name, remittance: `${fits}R` })).toThrow(/332 byte, il massimo è 331/)
  })

  it('fits the maximum ASCII fields within the limit', () => {
    const payload = epcQrPayload({ ...transfer, beneficiary: 'N'.repeat(70), remittance: 'R'.repeat(140), amountCents: 99_999_999_999 })
    expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(EPC_MAX_BYTES)
  })

  it.each([
    ['an invalid BIC', { bic: 'BPPI' }],
    ['an IBAN with a wrong CIN', { iban: 'IT02Y0542811101000000123456' }],
    ['a name over 70 characters', { beneficiary: 'N'.repeat(71) }],
    ['a remittance over 140 characters', { remittance: 'R'.repeat(141) }],
    ['a zero amount', { amountCents: 0 }],
    ['an amount over EUR 999999999.99', { amountCents: 100_000_000_000 }],
    ['a fractional amount', { amountCents: 12.5 }],
  ])('refuses %s', (_what, change) => {
    expect(() => epcQrPayload({ ...transfer, ...change })).toThrow(EpcPayloadError)
  })

  it('accepts the demo instructions', () => {
    const { bic, beneficiary, iban } = DEMO_PAYMENT_INSTRUCTIONS
    expect(epcQrPayload({ bic, beneficiary, iban, amountCents: 1220, remittance: 'K7MR-4DXP-52' })).toContain('\nIT44T0999901000000000123456\n')
  })
})

/** A QR segment's data as text: bytes (byte mode) or characters (numeric, alphanumeric modes). */
function segmentText(segment: unknown): string {
  const data = (segment as { data: Uint8Array | string }).data
  return typeof data === 'string' ? data : Buffer.from(data).toString('utf8')
}

describe('epcQrSvg / epcQrPngDataUrl', () => {
  const payload = epcQrPayload(transfer)

  it('encodes at error correction level M, within QR version 13 as EPC requires', () => {
    const code = QRCode.create(payload, { errorCorrectionLevel: 'M' })
    expect(code.version).toBeLessThanOrEqual(13)
    const longest = QRCode.create(epcQrPayload({ ...transfer, beneficiary: 'N'.repeat(70), remittance: 'R'.repeat(140) }), { errorCorrectionLevel: 'M' })
    expect(longest.version).toBeLessThanOrEqual(13)
    // the segments carry the payload unchanged
    expect(code.segments.map(segmentText).join('')).toBe(payload)
  })

  it('renders an SVG document and a PNG data URL', async () => {
    const svg = await epcQrSvg(payload)
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    expect(svg).toContain('<path')
    const png = await epcQrPngDataUrl(payload)
    expect(png).toMatch(/^data:image\/png;base64,/)
    expect(Buffer.from(png.split(',')[1], 'base64').subarray(1, 4).toString()).toBe('PNG')
  })
})
