import { inflateSync } from 'node:zlib'
import { simpleParser } from 'mailparser'
import MailComposer from 'nodemailer/lib/mail-composer'
import QRCode from 'qrcode'
import { describe, expect, it } from 'vitest'
import { epcQrPayload } from '../../src/core/epc-qr'
import { readProviderIdentity } from '../../src/core/provider-identity'
import { DEMO_PAYMENT_INSTRUCTIONS, mailContext } from '../../src/notifications/mail-context'
import type { MailTemplate, OpenOrderFacts, OrderConfirmationParams, OrderSummaryParams } from '../../src/notifications/mail-types'
import { renderMail, type MailToRender, type RenderedMail } from '../../src/notifications/render-mail'
import { EPC_QR_CID } from '../../src/notifications/templates/shared'
import { PAYMENT_METHODS, type PaymentMethod } from '../../src/core/vocabulary'
import { PROVIDER_ENV } from '../support/config'

const PUBLIC_URL = 'https://rinnovi.example.it'
const provider = readProviderIdentity(PROVIDER_ENV, false, PUBLIC_URL).identity!
const context = mailContext(PUBLIC_URL, DEMO_PAYMENT_INSTRUCTIONS, undefined, undefined, PAYMENT_METHODS, provider)

const order = (method: PaymentMethod): OpenOrderFacts => ({ orderId: 'K7MR4DXP52', totalCents: 1220, method, payBy: '2026-06-24' })
const summary = (method: PaymentMethod): OrderSummaryParams => ({
  holderName: 'Maria Rossi',
  mailbox: 'maria.rossi@pec.example.it',
  accountId: 'ACC1',
  years: 1,
  netCents: 1000,
  vatCents: 220,
  order: order(method),
  extendsFrom: '2026-06-30',
  newExpiresOn: '2027-06-30',
  updated: false,
})
const confirmation: OrderConfirmationParams = { holderName: 'Maria Rossi', mailbox: 'maria.rossi@pec.example.it', accountId: 'ACC1', orderId: 'K7MR4DXP52', placedOn: '2026-06-01', years: 1, totalCents: 1220 }

const mail = <T extends MailTemplate>(template: T, params: MailToRender['params'], language: 'it' | 'en' = 'it') => ({ template, language, params }) as MailToRender

function visible(rendered: RenderedMail): string[] {
  const html = rendered.html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ')
  return [rendered.text.replace(/\s+/g, ' '), html]
}

describe('every e-mail names the provider and a support address a holder can write to', () => {
  it.each(['it', 'en'] as const)('%s: header and footer carry the provider; no "do not reply" without an address', (language) => {
    const rendered = renderMail(mail('order_summary', summary('card'), language), context)
    for (const body of visible(rendered)) {
      expect(body).toContain('PEC Provider S.p.A.')
      expect(body).toContain('01234560017')
      expect(body).toContain('Via Roma 10, 20121 Milano (MI)')
      expect(body).toContain('assistenza@pec-provider.example')
      expect(body).toContain('+39 02 1234 5678')
      expect(body).not.toMatch(/non rispondere|do not reply/i)
    }
    expect(rendered.html).toContain('href="mailto:assistenza@pec-provider.example"')
    for (const url of [provider.privacyUrl, provider.cookieUrl, provider.termsUrl, provider.helpUrl, provider.supportUrl!]) expect(rendered.html).toContain(`href="${url}"`)
    // the provider's name above the text, before the greeting
    expect(rendered.html.indexOf('PEC Provider S.p.A.')).toBeLessThan(rendered.html.indexOf('Maria Rossi'))
  })

  it('the password-reset mail gives the support address too', () => {
    const rendered = renderMail(mail('password_reset', { holderName: 'Maria Rossi', accountId: 'ACC1', token: 'abc', expiresAt: '2026-06-01T10:00:00Z' }), context)
    for (const body of visible(rendered)) expect(body).toContain('Per assistenza scrivi a assistenza@pec-provider.example')
  })

  it('the confirmation’s guides link is the provider’s help page, not the sign-in page', () => {
    const rendered = renderMail(mail('order_confirmation', confirmation), context)
    expect(rendered.html).toMatch(/consulta le <a href="https:\/\/www\.pec-provider\.example\/guide"[^>]*>guide<\/a>/)
    expect(rendered.text).toContain('consulta le guide (https://www.pec-provider.example/guide)')
  })

  it('the demo’s identity says it is demo data', () => {
    const demo = readProviderIdentity({}, true, 'http://localhost:3000').identity!
    const rendered = renderMail(mail('order_confirmation', confirmation), { ...context, provider: demo })
    for (const body of visible(rendered)) expect(body).toContain('(dati dimostrativi)')
  })
})

describe('the order e-mail carries the EPC QR code inline for a bank transfer', () => {
  it('bonifico: a PNG part with its Content-ID, referenced by the HTML, holding the order page’s payload', async () => {
    const rendered = renderMail(mail('order_summary', summary('bonifico')), context)
    const image = rendered.attachments?.find((a) => a.cid === EPC_QR_CID)
    expect(image).toMatchObject({ contentType: 'image/png', filename: 'epc-qr.png' })
    expect(rendered.html).toContain(`src="cid:${EPC_QR_CID}"`)

    // The PNG draws exactly the modules of the payload the order page shows (same causale, amount, IBAN).
    const payload = epcQrPayload({ bic: DEMO_PAYMENT_INSTRUCTIONS.bic, beneficiary: DEMO_PAYMENT_INSTRUCTIONS.beneficiary, iban: DEMO_PAYMENT_INSTRUCTIONS.iban, amountCents: 1220, remittance: 'K7MR-4DXP-52' })
    expect(decodeModules(image!.content as Buffer)).toEqual(expectedModules(payload))

    // As sent: a multipart/related message whose image part has the Content-ID the HTML refers to.
    const raw = await new MailComposer({ from: 'rinnovi@example.it', to: 'maria@example.it', subject: rendered.subject, text: rendered.text, html: rendered.html, attachments: rendered.attachments }).compile().build()
    expect(raw.toString()).toMatch(/Content-Type: multipart\/related/)
    const parsed = await simpleParser(raw)
    const part = parsed.attachments.find((a) => a.contentId === `<${EPC_QR_CID}>`)
    expect(part?.contentType).toBe('image/png')
    expect(part?.related).toBe(true)
    expect(part?.content.equals(image!.content as Buffer)).toBe(true)
  })

  it('card, PayPal and bollettino: no QR code, no inline image', () => {
    for (const method of ['card', 'paypal', 'bollettino'] as const) {
      const rendered = renderMail(mail('order_summary', summary(method)), context)
      expect(rendered.attachments ?? []).toEqual([])
      expect(rendered.html).not.toContain('cid:')
    }
  })
})

/** The QR matrix the payload gives at level M, row by row. */
function expectedModules(payload: string): boolean[][] {
  const { modules } = QRCode.create(payload, { errorCorrectionLevel: 'M' })
  return Array.from({ length: modules.size }, (_, r) => Array.from({ length: modules.size }, (_, c) => !!modules.get(r, c)))
}

/** Reads our grey-scale PNG back: the module grid, sampled at each module's centre past the 4-module quiet zone. */
function decodeModules(png: Buffer): boolean[][] {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
  const width = png.readUInt32BE(16)
  const idat: Buffer[] = []
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at)
    const type = png.toString('ascii', at + 4, at + 8)
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length))
    at += 12 + length
  }
  const raw = inflateSync(Buffer.concat(idat))
  const pixel = (x: number, y: number) => raw[y * (width + 1) + 1 + x]
  // the top-left finder pattern's first dark pixel gives the quiet zone, its width the scale
  let start = 0
  while (pixel(start, start) !== 0) start++
  let end = start
  while (pixel(end, start) === 0) end++
  const scale = (end - start) / 7
  const size = Math.round((width - 2 * start) / scale)
  return Array.from({ length: size }, (_, r) => Array.from({ length: size }, (_, c) => pixel(Math.floor(start + (c + 0.5) * scale), Math.floor(start + (r + 0.5) * scale)) === 0))
}
