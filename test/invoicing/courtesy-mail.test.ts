import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { outbox } from '../../src/db/schema'
import { courtesyCopies } from '../../src/invoicing/courtesy-attachments'
import { correctInvoiceBuyer } from '../../src/invoicing/correct-invoice'
import { dispatchOutbox } from '../../src/notifications/dispatch-outbox'
import { mailContext } from '../../src/notifications/mail-context'
import { smtpTransport, type MailTransport } from '../../src/notifications/transport'
import { testDatabases, type TestDatabase } from '../support/databases'
import { TEST_PUBLIC_URL } from '../support/deps'
import { startSmtpSink, type SmtpSink } from '../notifications/support/smtp-sink'
import { makeInvoiceFiles } from '../../src/invoicing/make-files'
import { fatturaValidator } from '../../src/invoicing/validate'
import { SCHEMA_DIR } from '../support/fatturapa'
import { invoices } from '../../src/db/schema'
import { paidOrders, pdfText, PERSON, SELLER_CONFIG } from './support/paid-orders'

describe.each(testDatabases())('%s: R11 the payment-received mail carries the courtesy copy', (_name, open) => {
  let t: TestDatabase
  let sink: SmtpSink | undefined
  let transport: MailTransport | undefined
  afterEach(async () => {
    await transport?.close?.()
    await sink?.close()
    await t?.close()
  })

  it('through a real SMTP server: a PDF attachment saying it is not the tax document, built at send time from the payment id the row keeps', async () => {
    t = await open()
    const db = t.database.db
    const { clock, payOne } = await paidOrders(db)
    await payOne({ method: 'card' })
    const [row] = await db.select().from(outbox).where(eq(outbox.template, 'payment_received'))
    // the row keeps the payment's id, not the file: small, and good after a restart
    expect(row.params).toMatchObject({ paymentId: expect.any(Number) })
    expect(JSON.stringify(row.params).length).toBeLessThan(400)

    sink = await startSmtpSink()
    transport = smtpTransport(sink.url, 'PEC Rinnovi <rinnovi@example.it>', { allowInsecureTls: true })
    const context = { ...mailContext(TEST_PUBLIC_URL), attachments: courtesyCopies(db, SELLER_CONFIG.seller, clock) }
    expect(await dispatchOutbox({ db, clock, config: { publicUrl: TEST_PUBLIC_URL, businessTimeZone: 'Europe/Rome' } }, transport, context)).toEqual({ sent: 1, retried: 0, failed: 0 })

    expect(sink.received).toHaveLength(1)
    const { mail } = sink.received[0]
    expect(mail.subject).toMatch(/^Pagamento ricevuto/)
    expect(mail.text).toContain('copia di cortesia della fattura n. 2026/000001/PEC')
    expect(mail.text).toContain('Non è il documento fiscale')
    expect(mail.attachments).toHaveLength(1)
    const [pdf] = mail.attachments
    expect(pdf.filename).toBe('Fattura_2026-000001-PEC_copia_di_cortesia.pdf')
    expect(pdf.contentType).toBe('application/pdf')
    expect(pdf.content.subarray(0, 5).toString()).toBe('%PDF-')
    const text = pdfText(pdf.content)
    expect(text).toContain('COPIA DI CORTESIA')
    expect(text).toContain('non è il documento fiscale')
    expect(text).toContain('Fattura n. 2026/000001/PEC del 04/05/2026')
    expect(text).toContain(PERSON.name)
  })

  it('a mail with no invoice behind it (queued before invoices, or none for the payment) goes without attachment', async () => {
    t = await open()
    const db = t.database.db
    const { clock } = await paidOrders(db)
    const source = courtesyCopies(db, SELLER_CONFIG.seller, clock)
    expect(await source.attachmentsFor({ template: 'payment_received', params: { orderId: 'K7MR4DXP52' } })).toEqual([])
    expect(await source.attachmentsFor({ template: 'payment_received', params: { paymentId: 999 } })).toEqual([])
    expect(await source.attachmentsFor({ template: 'reminder', params: { paymentId: 1 } })).toEqual([])
  })

  it('the copy shows the invoice as it stands when the mail leaves: a buyer corrected before sending shows corrected; the English note is English', async () => {
    t = await open()
    const db = t.database.db
    const { clock, payOne } = await paidOrders(db)
    const { paymentId } = await payOne({ billing: null }) // taken on the phone: no address
    expect(await makeInvoiceFiles(db, SELLER_CONFIG, fatturaValidator(SCHEMA_DIR), clock.now())).toEqual({ made: 1, invalid: 1 })
    const [invoice] = await db.select().from(invoices)
    await correctInvoiceBuyer(db, { invoiceId: invoice.id, buyer: { ...PERSON, name: 'Anna Neri' }, reason: 'indirizzo dato al telefono', actor: 'operator:anna' }, clock.now())
    const [copy] = await courtesyCopies(db, SELLER_CONFIG.seller, clock).attachmentsFor({ template: 'payment_received', params: { paymentId } })
    expect(pdfText(copy.content as Buffer)).toContain('Anna Neri')
    expect(pdfText(copy.content as Buffer)).toContain("Via dell'Università 3, 00185 Roma (RM)")
    expect(copy.note!.en).toMatch(/^Attached is the courtesy copy of invoice no\. 2026\/000001\/PEC/)
  })
})
