import { inflateSync } from 'node:zlib'
import type { ManualClock } from '../../../src/core/clock'
import type { Db } from '../../../src/db/client'
import type { Deps } from '../../../src/deps'
import { registerPayment } from '../../../src/flows/register-payment'
import { DEMO_SELLER } from '../../../src/invoicing/config'
import type { InvoiceBilling } from '../../../src/renewals/billing'
import type { PaymentMethod } from '../../../src/renewals/schema'
import { placeOrder } from '../../../src/renewals/place-order'
import { testDeps } from '../../support/deps'
import { clockOn, seedConvention, seedMailbox } from '../../support/seed'

export const PERSON: InvoiceBilling = {
  kind: 'person', name: "Niccolò D'Amico", fiscalCode: 'DMCNCL80A01H501U', email: 'niccolo@example.it', street: "Via dell'Università",
  streetNumber: '3', postalCode: '00185', city: 'Roma', province: 'RM', country: 'Italia', address: "Via dell'Università 3, 00185 Roma (RM)",
}

/** A seller and transmitter as configuration gives them (not the demo: files may be sent). */
export const SELLER_CONFIG = { seller: { ...DEMO_SELLER, name: 'Servizi PEC S.r.l.' }, transmitter: { country: 'IT', code: DEMO_SELLER.vatNumber } }

/**
 * A convention, and a way to place an order for a new mailbox and pay it (an invoice is issued in
 * the payment's transaction); `billing: null` is an order taken on the phone, with no address.
 */
export async function paidOrders(db: Db, on = '2026-05-04') {
  await seedConvention(db)
  const clock: ManualClock = clockOn(on)
  const deps: Deps = testDeps(db, clock)
  let n = 0
  const payOne = async (opts: { billing?: InvoiceBilling | null; method?: PaymentMethod; address?: string; accountId?: string } = {}) => {
    n++
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30', ...(opts.address ? { address: opts.address } : {}), ...(opts.accountId ? { accountId: opts.accountId } : {}) })
    const method = opts.method ?? 'card'
    const order = await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method, actor: 'operator:anna', ...(opts.billing === null ? {} : { billing: opts.billing ?? PERSON }) })
    const paid = await registerPayment(deps, { orderRef: order.orderId, amountCents: order.totalCents, method, reference: `ref-${n}`, actor: 'gateway:test' })
    return { mailbox, order, paymentId: paid.paymentId }
  }
  return { deps, clock, payOne }
}

/**
 * The text a PDF draws (pdfkit: TJ arrays of WinAnsi hex strings), its content streams inflated
 * first when compressed.
 */
export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1')
  const streams = [...raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)].map(([, body]) => {
    const bytes = Buffer.from(body, 'latin1')
    try {
      return inflateSync(bytes).toString('latin1')
    } catch {
      return body
    }
  })
  const lines: string[] = []
  for (const [, array] of streams.join('\n').matchAll(/\[((?:<[0-9a-f]*>\s*-?[\d.]*\s*)+)\]\s*TJ/g)) {
    lines.push(Buffer.concat([...array.matchAll(/<([0-9a-f]*)>/g)].map(([, hex]) => Buffer.from(hex, 'hex'))).toString('latin1'))
  }
  return lines.join('\n').replace(/\s+/g, ' ')
}

/** An SdI notification as the SdI sends it (messaggi v1.0): RC, or NS with its errors. */
export function sdiReceipt(kind: 'RicevutaConsegna' | 'NotificaScarto', fileName: string, errors: Array<[string, string]> = []): string {
  const list = errors.length ? `<ListaErrori>${errors.map(([c, d]) => `<Errore><Codice>${c}</Codice><Descrizione>${d}</Descrizione></Errore>`).join('')}</ListaErrori>` : ''
  return `<?xml version="1.0" encoding="UTF-8"?>
<ns3:${kind} xmlns:ns3="http://www.fatturapa.gov.it/sdi/messaggi/v1.0" versione="1.0">
  <IdentificativoSdI>4711</IdentificativoSdI><NomeFile>${fileName}</NomeFile><DataOraRicezione>2026-05-04T12:00:00.000+02:00</DataOraRicezione>${list}<MessageId>99</MessageId>
</ns3:${kind}>`
}
