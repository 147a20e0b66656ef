import { afterEach, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import type { Page } from 'playwright-core'
import { hashPassword } from '../../src/accounts/passwords'
import { accounts, mailboxes } from '../../src/accounts/schema'
import { FNOMCEO_DEMO, saveContract } from '../../src/catalog/queries'
import { queryRows, sql } from '../../src/db/client'
import { renderMail } from '../../src/notifications/render-mail'
import { testDatabases, type TestDatabase } from '../support/databases'
import { TEST_HASH_COST } from '../support/config'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { browserAvailable, launchBrowser, screenshotter, startPortal, type RunningPortal } from './support/browser'
import { parseCalendarDate } from '../../src/core/calendar'

const [pglite] = testDatabases()
const MAILBOX = 'dott.bianchi@pec.example.it'

describe.skipIf(!browserAvailable())('in Chromium: the RENEW wizard', { timeout: 240_000 }, () => {
  let t: TestDatabase
  let portal: RunningPortal
  let browser: Awaited<ReturnType<typeof launchBrowser>>
  afterEach(async () => {
    await browser?.close()
    await portal?.close()
    await t?.close()
  })

  async function setup() {
    t = await pglite[1]()
    const db = t.database.db
    await seedConvention(db, FNOMCEO_DEMO)
    await saveContract(db, {
      document: { code: 'condizioni', titleIt: 'Condizioni generali', titleEn: 'Terms and conditions', onerous: false },
      versions: [{ version: '3.2', effectiveFrom: parseCalendarDate('2025-01-01'), url: '/contratti/condizioni/3.2', body: 'Testo delle condizioni.' }],
    })
    await saveContract(db, {
      document: { code: 'clausole', titleIt: 'Clausole vessatorie', titleEn: 'Onerous clauses', onerous: true },
      versions: [{ version: '3.2', effectiveFrom: parseCalendarDate('2025-01-01'), url: '/contratti/clausole/3.2', body: 'Limitazioni di responsabilità.' }],
    })
    await seedMailbox(db, { expiresOn: '2026-07-01', address: MAILBOX, accountId: 'FNOM000077' })
    await db.update(accounts).set({ passwordHash: await hashPassword('password-del-medico', TEST_HASH_COST), firstName: 'Laura', lastName: 'Bianchi' }).where(eq(accounts.id, 'FNOM000077'))
    portal = await startPortal(t.database, clockOn('2026-06-01'))
    browser = await launchBrowser()
    browser.page.setDefaultTimeout(20_000)
    return browser.page
  }

  async function signIn(page: Page) {
    await page.goto(`${portal.url}/rinnova`)
    await page.getByLabel('Codice cliente o casella PEC').fill('FNOM000077')
    await page.getByLabel('Password', { exact: true }).fill('password-del-medico')
    await page.getByRole('button', { name: 'Accedi' }).click()
    await page.waitForURL(/\/caselle$/)
  }

  /** Duration, contracts and billing: the steps every payment method shares. */
  async function walkToPayment(page: Page, shot: (step: string) => Promise<unknown>) {
    await page.getByRole('link', { name: `Rinnova ${MAILBOX}` }).click()
    await page.waitForURL(/\/durata$/)
    await shot('duration')
    await page.getByLabel(/^1 anno/).check()
    await page.getByRole('button', { name: 'Prosegui' }).click()
    await page.waitForURL(/\/contratti$/)
    await shot('contracts')
    for (const box of await page.getByRole('checkbox').all()) await box.check()
    await page.getByRole('button', { name: 'Prosegui' }).click()
    await page.waitForURL(/\/fatturazione$/)
    expect(await page.getByLabel('Nome e cognome o ragione sociale').inputValue()).toBe('Laura Bianchi') // pre-filled
    await page.getByLabel('Via o piazza').fill('Via Nazionale')
    await page.getByLabel('Numero civico').fill('10')
    await page.getByLabel('CAP', { exact: true }).fill('00184')
    await page.getByLabel('Comune').fill('Roma')
    await page.getByLabel('Provincia').selectOption('RM')
    await shot('billing')
    await page.getByRole('button', { name: 'Prosegui' }).click()
    await page.waitForURL(/\/pagamento$/)
  }

  async function mails() {
    const rows = await queryRows<{ template: string; language: 'it' | 'en'; params: any }>(t.database.db, sql`SELECT template, language, params FROM outbox ORDER BY id`)
    return rows.map((row) => ({ template: row.template, ...renderMail(row as any, portal.services.mail) }))
  }

  for (const [method, label] of [
    ['bonifico', 'Bonifico bancario'],
    ['bollettino', 'Bollettino postale'],
    ['card', 'Carta di credito'],
    ['paypal', 'PayPal'],
  ] as const) {
    it(`renews by ${method}: summary, order page, payment step and the two e-mails`, async () => {
      const page = await setup()
      const shot = screenshotter(page, `wizard-${method}`)
      await signIn(page)
      await shot('mailboxes')
      await walkToPayment(page, shot)
      await page.getByLabel(new RegExp(`^${label}`)).check()
      await shot('payment-method')
      await page.getByRole('button', { name: 'Prosegui' }).click()
      await page.waitForURL(/\/riepilogo$/)
      await shot('summary')
      const summary = await page.locator('main').textContent()
      expect(summary).toContain(MAILBOX)
      expect(summary).toContain('FNOM000077')
      expect(summary).toContain('12,20') // total with VAT
      expect(summary).toContain('1º luglio 2026') // current expiry
      expect(summary).toContain('1º luglio 2027') // R4: from E, not from today

      await page.getByRole('button', { name: 'Conferma l’ordine' }).click()
      if (method === 'card' || method === 'paypal') {
        // straight on to pay: no second click after "Conferma l'ordine"
        await page.waitForURL(/\/sandbox\//)
        await page.goto(`${portal.url}/caselle`)
        await page.getByRole('link', { name: /^Riprendi l’ordine/ }).click()
      }
      await page.waitForURL(/\/ordini\/[0-9A-Z]+/)
      await shot('order')
      const orderPage = await page.locator('main').textContent()
      const [order] = await queryRows<{ id: string; method: string; total_cents: number }>(t.database.db, sql`SELECT id, method, total_cents FROM orders`)
      expect(order).toMatchObject({ method, total_cents: 1220 })
      const shownId = `${order.id.slice(0, 4)}-${order.id.slice(4, 8)}-${order.id.slice(8)}`
      expect(orderPage).toContain(shownId)

      // Going back to the summary lands on the same order: never a second one (R3).
      // (card and PayPal came here from the gateway page through the mailbox list: their way back differs)
      const orderUrl = page.url()
      if (method === 'bonifico' || method === 'bollettino') {
        await page.goBack()
        await page.waitForURL((url) => url.pathname === new URL(orderUrl).pathname)
        await page.reload()
      }
      expect(await queryRows(t.database.db, sql`SELECT id FROM orders`)).toHaveLength(1)

      if (method === 'bonifico') {
        expect(orderPage).toMatch(/IBAN/)
        expect(await page.locator('img[alt*="QR"]').count()).toBe(1)
      }
      if (method === 'bollettino') {
        expect(orderPage).toMatch(/codice cliente/i)
        const pdf = await page.request.get(page.url().replace(/[?#].*$/, '') + '/bollettino.pdf')
        expect(pdf.headers()['content-type']).toContain('application/pdf')
        expect((await pdf.body()).subarray(0, 4).toString()).toBe('%PDF')
      }
      if (method === 'card' || method === 'paypal') {
        await page.getByRole('button', { name: method === 'card' ? 'Paga con carta' : 'Paga con PayPal' }).click()
        await page.waitForURL(/\/sandbox\//)
        expect(await page.locator('main').textContent()).toContain('SIMULAZIONE — nessun addebito reale')
        await shot('sandbox-gateway')
        await page.getByRole('button', { name: /esito positivo/ }).click()
        await page.waitForURL(/\/esito/)
        await expect.poll(async () => { await page.reload(); return page.locator('main').textContent() }, { timeout: 20_000 }).toContain('Pagamento ricevuto')
        await shot('paid')
        const [mailbox] = await t.database.db.select().from(mailboxes).where(eq(mailboxes.address, MAILBOX))
        expect(mailbox.expiresOn).toBe('2027-07-01')
      }

      const sent = await mails()
      const summaryMail = sent.find((m) => m.template === 'order_summary')!
      const confirmation = sent.find((m) => m.template === 'order_confirmation')!
      expect(summaryMail.text).toContain(shownId)
      expect(summaryMail.text).toContain('12,20')
      expect(confirmation.text).toContain(shownId)
      expect(confirmation.text).toContain(MAILBOX)
    })
  }

  it('shows billing errors beside the fields and in a summary that links to them', async () => {
    const page = await setup()
    const shot = screenshotter(page, 'wizard-billing-errors')
    await signIn(page)
    await page.getByRole('link', { name: `Rinnova ${MAILBOX}` }).click()
    await page.getByLabel(/^1 anno/).check()
    await page.getByRole('button', { name: 'Prosegui' }).click()
    for (const box of await page.getByRole('checkbox').all()) await box.check()
    await page.getByRole('button', { name: 'Prosegui' }).click()
    await page.getByLabel('Codice fiscale').fill('RSSMRA70A01H501X')
    await page.getByLabel('CAP', { exact: true }).fill('1234')
    await page.getByRole('button', { name: 'Prosegui' }).click()
    await page.waitForSelector('.error-summary')
    await shot('errors')
    const summary = await page.locator('.error-summary').textContent()
    expect(summary).toContain('Il codice fiscale non è valido')
    expect(summary).toContain('Il CAP deve avere 5 cifre, ad esempio 00184.')
    expect(await page.getByLabel('Codice fiscale').getAttribute('aria-invalid')).toBe('true')
    await page.locator('.error-summary a', { hasText: 'CAP' }).click()
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('postalCode')
  })
})
