import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { invoiceFiles, invoices, outbox } from '../../src/db/schema'
import { registerPayment } from '../../src/flows/register-payment'
import { DEMO_SELLER } from '../../src/invoicing/config'
import { makeInvoiceFiles } from '../../src/invoicing/make-files'
import { sendInvoicesToSdi } from '../../src/invoicing/send-to-sdi'
import { fatturaValidator } from '../../src/invoicing/validate'
import { renderMail } from '../../src/notifications/render-mail'
import { placeOrder } from '../../src/renewals/place-order'
import type { InvoiceBilling } from '../../src/renewals/billing'
import { testDatabases, type TestDatabase } from '../support/databases'
import { testDeps } from '../support/deps'
import { SCHEMA_DIR } from '../support/fatturapa'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'

const billing: InvoiceBilling = {
  kind: 'business', name: 'Studio Rossi & Associati', fiscalCode: '00000000018', vatNumber: '00000000018', email: 'studio@example.it', street: 'Corso Italia',
  streetNumber: '10', postalCode: '20122', city: 'Milano', province: 'MI', country: 'Italia', sdiCode: 'ABC1234', address: 'Corso Italia 10, 20122 Milano (MI)',
}
const SDI_ADDRESS = 'sdi-test@pec.example.invalid' // a test address: the real one only in configuration
const config = { seller: { ...DEMO_SELLER, name: 'Servizi PEC S.r.l.' }, transmitter: { country: 'IT', code: DEMO_SELLER.vatNumber }, sdiPecAddress: SDI_ADDRESS, isDemo: false }
const validator = fatturaValidator(SCHEMA_DIR)

describe.each(testDatabases())('%s: R11 files made after commit and sent to the SdI by PEC through the outbox', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('makes and validates the file, then queues it once, one invoice per message, with the file attached as it is', async () => {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30' })
    const clock = clockOn('2026-05-04')
    const deps = testDeps(db, clock)
    const order = await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'card', actor: 'operator:anna', billing })
    await registerPayment(deps, { orderRef: order.orderId, amountCents: order.totalCents, method: 'card', reference: 'pi_1', actor: 'gateway:stripe' })

    expect(await makeInvoiceFiles(db, config, validator, clock.now())).toEqual({ made: 1, invalid: 0 })
    expect(await makeInvoiceFiles(db, config, validator, clock.now())).toEqual({ made: 0, invalid: 0 }) // nothing left to make
    const [file] = await db.select().from(invoiceFiles)
    expect(file).toMatchObject({ fileName: 'IT01234560017_00001.xml', valid: true, sentAt: null })
    expect(file.xml).toContain('<CodiceDestinatario>ABC1234</CodiceDestinatario>')

    expect(await sendInvoicesToSdi(db, config, clock.now())).toEqual({ queued: 1, files: ['IT01234560017_00001.xml'] })
    expect(await sendInvoicesToSdi(db, config, clock.now())).toEqual({ queued: 0, files: [] }) // R8: once
    const [invoice] = await db.select().from(invoices)
    expect(invoice.state).toBe('sent')
    const mails = await db.select().from(outbox).where(eq(outbox.template, 'sdi_invoice'))
    expect(mails).toHaveLength(1)
    expect(mails[0].recipient).toBe(SDI_ADDRESS)
    const rendered = renderMail(mails[0], { publicUrl: 'https://rinnovi.example.it' } as never)
    expect(rendered.attachments).toEqual([{ filename: 'IT01234560017_00001.xml', content: file.xml, contentType: 'application/xml' }])
  })

  it('demo invoices are never sent to the SdI, and nothing is sent without its address', async () => {
    t = await open()
    await expect(sendInvoicesToSdi(t.database.db, { ...config, isDemo: true }, new Date())).rejects.toThrow(/demo/)
    await expect(sendInvoicesToSdi(t.database.db, { ...config, sdiPecAddress: undefined }, new Date())).rejects.toThrow(/INVOICE_SDI_PEC/)
  })
})
