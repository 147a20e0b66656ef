import { asc, eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { unzipSync } from 'fflate'
import { afterEach, describe, expect, it } from 'vitest'
import type { ManualClock } from '../../src/core/clock'
import { accounts, auditLog, invoiceFiles, invoices, outbox } from '../../src/db/schema'
import { hashPassword } from '../../src/accounts/passwords'
import { makeInvoiceFiles } from '../../src/invoicing/make-files'
import { fatturaValidator } from '../../src/invoicing/validate'
import { addOperator } from '../../src/operators/add-operator'
import { buildServices, type Services } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { paidOrders, pdfText, PERSON, sdiReceipt } from '../invoicing/support/paid-orders'
import { TEST_SESSION_SECRET, TEST_HASH_COST, testConfig } from '../support/config'
import { testDatabases, type TestDatabase } from '../support/databases'
import { SCHEMA_DIR } from '../support/fatturapa'
import { signInAsOperator } from '../support/office'
import { WebClient } from '../support/web-client'

const PASSWORD = 'operatore-di-prova-1'
const SDI = 'sdi-test@pec.example.invalid'
const ENV = {
  DATABASE_URL: 'memory://', PUBLIC_URL: 'https://rinnovi.example.it', SESSION_SECRET: TEST_SESSION_SECRET,
  INVOICE_SELLER_VAT: '01234560017', INVOICE_SELLER_NAME: 'Servizi PEC S.r.l.', INVOICE_SELLER_STREET: 'Via Nazionale', INVOICE_SELLER_STREET_NUMBER: '10',
  INVOICE_SELLER_POSTAL_CODE: '00184', INVOICE_SELLER_CITY: 'Roma', INVOICE_SELLER_PROVINCE: 'RM', INVOICE_SCHEMA_DIR: SCHEMA_DIR, INVOICE_SDI_PEC: SDI,
}

describe.each(testDatabases())('%s: R11 invoices in the portal and the back office', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  let services: Services
  let clock: ManualClock
  afterEach(async () => {
    await app?.close()
    await t?.close()
  })

  async function setup() {
    t = await open()
    const db = t.database.db
    const orders = await paidOrders(db)
    clock = orders.clock
    services = buildServices(testConfig(ENV), t.database, clock)
    app = await buildServer(services)
    return { db, ...orders }
  }

  it('the holder downloads the courtesy copy of their own invoice from the account page; another holder gets 404 for it', async () => {
    const { db, payOne } = await setup()
    await payOne({ accountId: 'FNOM000010' })
    await payOne({ accountId: 'FNOM000020' })
    await db.update(accounts).set({ passwordHash: await hashPassword('account-secret', TEST_HASH_COST) })
    const signIn = async (accountId: string) => {
      const client = new WebClient(app)
      const page = await client.get('/rinnova')
      expect((await client.post('/accedi', { identifier: accountId, password: 'account-secret' }, page.body)).statusCode).toBe(303)
      return client
    }
    const first = await signIn('FNOM000010')
    const account = await first.get('/account')
    expect(account.body).toContain('href="/fatture/2026-000001-PEC.pdf"')
    expect(account.body).toContain('Fattura n. 2026/000001/PEC — copia di cortesia (PDF)')
    expect(account.body).not.toContain('2026-000002-PEC') // the other holder's
    const pdf = await first.get('/fatture/2026-000001-PEC.pdf')
    expect(pdf.statusCode).toBe(200)
    expect(pdf.headers['content-type']).toBe('application/pdf')
    expect(pdfText(pdf.rawPayload)).toContain('non è il documento fiscale')
    expect((await first.get('/fatture/2026-000001-PEC.xml')).statusCode).toBe(404) // the holder gets the copy, not the file

    const second = await signIn('FNOM000020')
    expect((await second.get('/fatture/2026-000001-PEC.pdf')).statusCode).toBe(404)
    expect((await second.get('/fatture/2026-000002-PEC.pdf')).statusCode).toBe(200)
    expect((await second.get('/fatture/2026-000099-PEC.pdf')).statusCode).toBe(404)
    expect((await new WebClient(app).get('/fatture/2026-000001-PEC.pdf')).statusCode).toBe(303) // signed out: sign in first
  })

  it('a phone order’s invalid invoice waits on the home page and in its queue with the schema’s message; a read-only operator looks and downloads, billing corrects it: validated, sent again under a new progressive, the same number, audited', async () => {
    const { db, payOne } = await setup()
    await payOne({ billing: null }) // taken on the phone: no address
    await makeInvoiceFiles(db, services.config.invoicing!, fatturaValidator(SCHEMA_DIR), clock.now())
    await addOperator(services.deps, { username: 'luca', displayName: 'Luca Neri', password: PASSWORD, role: 'read-only', actor: 'operator:setup' })
    await addOperator(services.deps, { username: 'anna', displayName: 'Anna Bianchi', password: PASSWORD, role: 'billing', actor: 'operator:setup' })

    const reader = new WebClient(app)
    await signInAsOperator(reader, clock, 'luca', PASSWORD)
    const home = await reader.get('/ufficio')
    expect(home.body).toMatch(/id="queue-invoices-to-correct">\s*<a href="\/ufficio\/code\/fatture-da-correggere"><span class="count">1<\/span>/)
    const queue = await reader.get('/ufficio/code/fatture-da-correggere')
    expect(queue.body).toContain('2026/000001/PEC')
    expect(queue.body).toContain('L’indirizzo del cliente è incompleto')
    expect(queue.body).toMatch(/Schema FatturaPA: line \d+: .*CAP/)
    const page = await reader.get('/ufficio/fatture/2026-000001-PEC')
    expect(page.statusCode).toBe(200)
    expect(page.body).not.toContain('/correggi') // no correction form without the billing role
    expect((await reader.get('/ufficio/fatture/2026-000001-PEC.pdf')).headers['content-type']).toBe('application/pdf')
    const xml = await reader.get('/ufficio/fatture/2026-000001-PEC.xml')
    expect(xml.headers['content-disposition']).toBe('attachment; filename="IT01234560017_00001.xml"')
    expect(xml.body).toContain('<Numero>2026/000001/PEC</Numero>')
    expect((await reader.post('/ufficio/fatture/2026-000001-PEC/correggi', { reason: 'x' }, page.body)).statusCode).toBe(403)
    expect((await reader.get('/ufficio/fatture/2026-000009-PEC')).statusCode).toBe(404)

    const billing = new WebClient(app)
    await signInAsOperator(billing, clock, 'anna', PASSWORD)
    const form = await billing.get('/ufficio/fatture/2026-000001-PEC')
    expect(form.body).toContain('action="/ufficio/fatture/2026-000001-PEC/correggi"')
    const fields = { kind: 'person', name: PERSON.name, fiscalCode: 'RSSMRA85T10A562S', vatNumber: '', street: PERSON.street, streetNumber: PERSON.streetNumber, postalCode: PERSON.postalCode, city: PERSON.city, province: 'RM', country: 'Italia', sdiCode: '', pecAddress: '' }
    const refused = await billing.post('/ufficio/fatture/2026-000001-PEC/correggi', { ...fields, postalCode: '', reason: '' }, form.body)
    expect(refused.statusCode).toBe(422)
    expect(refused.body).toContain('Inserisci il CAP.')
    expect(refused.body).toContain('Scrivi il motivo')
    const corrected = await billing.post('/ufficio/fatture/2026-000001-PEC/correggi', { ...fields, reason: 'Indirizzo dettato al telefono dal titolare' }, form.body)
    expect(corrected.statusCode).toBe(303)
    expect(corrected.headers.location).toBe('/ufficio/fatture/2026-000001-PEC?fatto=inviata')
    const after = await billing.get(String(corrected.headers.location))
    expect(after.body).toContain('il nuovo file IT01234560017_00002.xml supera lo schema FatturaPA ed è in coda per lo SdI')

    const [invoice] = await db.select().from(invoices)
    expect(invoice).toMatchObject({ number: 1, state: 'sent', problems: null })
    expect(invoice.buyer).toMatchObject({ street: PERSON.street, postalCode: '00185' })
    const files = await db.select().from(invoiceFiles).orderBy(asc(invoiceFiles.id))
    expect(files.map((f) => [f.fileName, f.valid, f.id === invoice.fileId])).toEqual([['IT01234560017_00001.xml', false, false], ['IT01234560017_00002.xml', true, true]])
    expect(files[1].xml).toContain('<Numero>2026/000001/PEC</Numero>')
    expect(await db.select().from(outbox).where(eq(outbox.template, 'sdi_invoice'))).toHaveLength(1)
    const [audited] = await db.select().from(auditLog).where(eq(auditLog.action, 'invoice.buyer_corrected'))
    expect(audited).toMatchObject({ actor: 'operator:anna', reason: 'Indirizzo dettato al telefono dal titolare' })
    expect((await reader.get('/ufficio/code/fatture-da-correggere')).body).toContain('id="invoices-none"')
  })

  it('an SdI rejection uploaded in the back office puts the invoice in the queue with the SdI’s codes; a period’s ZIP holds exactly that period’s valid files', async () => {
    const { db, payOne, clock: c } = await setup()
    await payOne()
    await payOne({ billing: null })
    c.set(new Date('2026-06-02T10:00:00Z'))
    await payOne()
    await makeInvoiceFiles(db, services.config.invoicing!, fatturaValidator(SCHEMA_DIR), c.now())
    await addOperator(services.deps, { username: 'anna', displayName: 'Anna Bianchi', password: PASSWORD, role: 'billing', actor: 'operator:setup' })
    const client = new WebClient(app)
    await signInAsOperator(client, c, 'anna', PASSWORD)

    const zip = await client.get('/ufficio/fatture/periodo.zip?dal=2026-05-01&al=2026-05-31')
    expect(zip.statusCode).toBe(200)
    expect(zip.headers['content-disposition']).toBe('attachment; filename="fatture_2026-05-01_2026-05-31.zip"')
    const entries = unzipSync(new Uint8Array(zip.rawPayload))
    expect(Object.keys(entries)).toEqual(['IT01234560017_00001.xml']) // not the invalid one, not June's
    expect(Buffer.from(entries['IT01234560017_00001.xml']).toString()).toBe((await db.select().from(invoiceFiles).where(eq(invoiceFiles.id, 1)))[0].xml)
    expect((await client.get('/ufficio/fatture?dal=2026-05-01&al=2026-05-31')).body).toContain('href="/ufficio/fatture/periodo.zip?dal=2026-05-01&amp;al=2026-05-31"')

    const upload = await client.get('/ufficio/fatture/ricevute')
    const unreadable = await client.upload('/ufficio/fatture/ricevute', {}, { name: 'x.xml', content: '<html/>' }, upload.body)
    expect(unreadable.statusCode).toBe(422)
    const applied = await client.upload('/ufficio/fatture/ricevute', {}, { name: 'ns.xml', content: sdiReceipt('NotificaScarto', 'IT01234560017_00001.xml', [['00305', 'IdFiscaleIVA del CessionarioCommittente non valido']]) }, upload.body)
    expect(applied.statusCode).toBe(200)
    expect(applied.body).toContain('Notifica NS per il file IT01234560017_00001.xml: fattura 2026/000001/PEC ora «scartata dallo SdI»')
    const queue = await client.get('/ufficio/code/fatture-da-correggere')
    expect(queue.body).toContain('SdI, codice 00305: IdFiscaleIVA del CessionarioCommittente non valido')
    const rejected = (await db.select().from(invoices).where(eq(invoices.number, 1)))[0]
    expect(rejected.state).toBe('rejected')
    // a rejected file is no longer the period's: the ZIP leaves it out until it is corrected
    expect(Object.keys(unzipSync(new Uint8Array((await client.get('/ufficio/fatture/periodo.zip?dal=2026-05-01&al=2026-05-31')).rawPayload)))).toEqual([])
  })
})
