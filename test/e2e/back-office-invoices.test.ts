import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { asc, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { hashPassword } from '../../src/accounts/passwords'
import { accounts, auditLog, invoiceFiles, invoices, outbox } from '../../src/db/schema'
import { makeInvoiceFiles } from '../../src/invoicing/make-files'
import { sendInvoicesToSdi } from '../../src/invoicing/send-to-sdi'
import { fatturaValidator } from '../../src/invoicing/validate'
import type { InvoiceBilling } from '../../src/renewals/billing'
import { paidOrders, sdiReceipt } from '../invoicing/support/paid-orders'
import { SCHEMA_DIR } from '../support/fatturapa'
import { browserAvailable, signInOperatorInBrowser } from './support/browser'
import { TEST_HASH_COST } from '../support/config'
import { addStoryOperators, browserStory, DESK, STORY_OPERATOR_PASSWORD } from './support/story'

const SDI = 'sdi-test@pec.example.invalid'
const ENV = {
  INVOICE_SELLER_VAT: '01234560017', INVOICE_SELLER_NAME: 'Servizi PEC S.r.l.', INVOICE_SELLER_STREET: 'Via Nazionale', INVOICE_SELLER_STREET_NUMBER: '10',
  INVOICE_SELLER_POSTAL_CODE: '00184', INVOICE_SELLER_CITY: 'Roma', INVOICE_SELLER_PROVINCE: 'RM', INVOICE_SCHEMA_DIR: SCHEMA_DIR, INVOICE_SDI_PEC: SDI,
}
const STUDIO: InvoiceBilling = {
  kind: 'business', name: 'Studio Medico Rossi', fiscalCode: 'RSSMRA85T10A562S', vatNumber: '01234560017', email: 'studio@example.it', street: 'Via Roma',
  streetNumber: '11', postalCode: '00184', city: 'Roma', province: 'RM', country: 'Italia', sdiCode: 'ABC1234', address: 'Via Roma 11, 00184 Roma (RM)',
}

describe.skipIf(!browserAvailable())('in Chromium: an invoice the SdI rejected, corrected and sent again (R11)', { timeout: 240_000 }, () => {
  const story = browserStory()

  it('the rejection is uploaded, waits in the queue with the SdI’s code, the buyer’s partita IVA is corrected with a reason, a new file under the same number is validated and queued for the SdI, and the holder finds the corrected courtesy copy on their account page', async () => {
    const t = await story.database()
    const db = t.database.db
    const { clock, payOne } = await paidOrders(db)
    const portal = await story.portal(t.database, clock, ENV)
    const invoicing = portal.services.config.invoicing!
    await payOne({ billing: STUDIO, accountId: 'FNOM000010' })
    await db.update(accounts).set({ passwordHash: await hashPassword('password-del-medico', TEST_HASH_COST) })
    await makeInvoiceFiles(db, invoicing, fatturaValidator(SCHEMA_DIR), clock.now())
    expect((await sendInvoicesToSdi(db, invoicing, clock.now())).files).toEqual(['IT01234560017_00001.xml'])
    await addStoryOperators(portal, [{ username: 'anna', displayName: 'Anna Bianchi', role: 'billing' }])
    const folder = story.folder('back-office-invoices-e2e-')
    const ns = join(folder, 'IT01234560017_00001_NS_001.xml')
    writeFileSync(ns, sdiReceipt('NotificaScarto', 'IT01234560017_00001.xml', [['00305', 'IdFiscaleIVA del CessionarioCommittente non valido']]))

    const { page, shot } = await story.browser('back-office-invoices', { viewport: DESK })

    // billing signs in (second factor enrolled at the first sign-in) and uploads the SdI's rejection
    await page.goto(`${portal.url}/ufficio/fatture/ricevute`)
    await signInOperatorInBrowser(page, clock, 'anna', STORY_OPERATOR_PASSWORD)
    await page.waitForURL(/\/ufficio\/fatture\/ricevute$/)
    await shot('receipts-form')
    await page.getByLabel('File della notifica (XML)').setInputFiles(ns)
    await page.getByRole('button', { name: 'Carica la ricevuta' }).click()
    await expect.poll(() => page.locator('#receipt-result').textContent()).toContain('fattura 2026/000001/PEC ora «scartata dallo SdI»')
    await shot('receipt-uploaded')

    // the home page counts it; its queue says the SdI's code
    await page.goto(`${portal.url}/ufficio`)
    expect(await page.locator('#queue-invoices-to-correct .count').textContent()).toBe('1')
    await shot('home')
    await page.locator('#queue-invoices-to-correct a').click()
    await page.waitForURL(/\/ufficio\/code\/fatture-da-correggere$/)
    expect(await page.locator('#to-correct tbody tr').first().innerText()).toContain('SdI, codice 00305: IdFiscaleIVA del CessionarioCommittente non valido')
    await shot('queue')

    // the invoice: the correction form starts from the buyer as invoiced
    await page.getByRole('link', { name: 'Apri la fattura 2026/000001/PEC' }).click()
    await page.waitForURL(/\/ufficio\/fatture\/2026-000001-PEC$/)
    expect(await page.getByLabel('Partita IVA', { exact: true }).inputValue()).toBe('01234560017')
    await shot('invoice-rejected')
    await page.getByLabel('Partita IVA', { exact: true }).fill('00743110157')
    await page.getByRole('button', { name: 'Correggi, valida e invia di nuovo' }).click() // no reason
    await expect.poll(() => page.locator('.error-summary').textContent()).toContain('Scrivi il motivo')
    await shot('reason-missing')
    await page.getByLabel('Motivo della correzione (resta nel registro delle operazioni)').fill('Partita IVA dello studio comunicata per telefono dal titolare')
    await page.getByRole('button', { name: 'Correggi, valida e invia di nuovo' }).click()
    await page.waitForURL(/fatto=inviata/)
    expect(await page.locator('#invoice-done').textContent()).toContain('il nuovo file IT01234560017_00002.xml supera lo schema FatturaPA ed è in coda per lo SdI')
    expect(await page.locator('#invoice-state').textContent()).toBe('inviata')
    expect(await page.locator('#invoice-files li').allTextContents()).toEqual([
      expect.stringMatching(/^IT01234560017_00002\.xml — valido, inviato .*\(attuale\)$/),
      expect.stringMatching(/^IT01234560017_00001\.xml — valido, inviato .*identificativo SdI 4711$/),
    ])
    await shot('corrected')

    // in English with the switch
    await page.getByRole('link', { name: 'English' }).click()
    await page.waitForURL(/lang=en/)
    expect(await page.locator('h1').textContent()).toBe('Invoice 2026/000001/PEC')
    await shot('invoice-en')

    // the holder finds the courtesy copy, corrected, on their account page
    await page.goto(`${portal.url}/rinnova?lang=it`)
    await page.getByLabel('Codice cliente o casella PEC').fill('FNOM000010')
    await page.getByLabel('Password', { exact: true }).fill('password-del-medico')
    await page.getByRole('button', { name: 'Accedi' }).click()
    await page.waitForURL(/\/caselle$/)
    await page.goto(`${portal.url}/account`)
    const link = page.getByRole('link', { name: 'Fattura n. 2026/000001/PEC — copia di cortesia (PDF)' })
    expect(await link.getAttribute('href')).toBe('/fatture/2026-000001-PEC.pdf')
    await shot('holder-account')

    // the same number, a new progressive, the file queued for the SdI, the correction audited
    const [invoice] = await db.select().from(invoices)
    expect(invoice).toMatchObject({ number: 1, state: 'sent' })
    const files = await db.select().from(invoiceFiles).orderBy(asc(invoiceFiles.id))
    expect(files[1]).toMatchObject({ fileName: 'IT01234560017_00002.xml', valid: true })
    expect(files[1].xml).toContain('<IdCodice>00743110157</IdCodice>')
    expect(files[1].xml).toContain('<Numero>2026/000001/PEC</Numero>')
    expect((await db.select().from(outbox).where(eq(outbox.template, 'sdi_invoice'))).map((m) => (m.params as { fileName: string }).fileName)).toEqual(['IT01234560017_00001.xml', 'IT01234560017_00002.xml'])
    const [audited] = await db.select().from(auditLog).where(eq(auditLog.action, 'invoice.buyer_corrected'))
    expect(audited).toMatchObject({ actor: 'operator:anna', reason: 'Partita IVA dello studio comunicata per telefono dal titolare' })
  })
})
