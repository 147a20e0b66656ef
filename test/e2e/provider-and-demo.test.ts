import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { hashPassword } from '../../src/accounts/passwords'
import { accounts } from '../../src/accounts/schema'
import { FNOMCEO_DEMO, saveContract } from '../../src/catalog/queries'
import { formatDate, parseCalendarDate } from '../../src/core/calendar'
import { openDatabase, type Database } from '../../src/db/client'
import { DEMO_ACCOUNT_PASSWORD } from '../../src/demo/load-demo'
import { migratedFolder, runCli, spawnCli } from '../cli/run-cli'
import { PROVIDER_ENV, TEST_HASH_COST } from '../support/config'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { browserAvailable, launchBrowser, orderByBankTransfer, screenshotter, startPortal, type RunningPortal } from './support/browser'

const [pglite] = testDatabases()

// Issue 14: who runs the service, on every page and in every e-mail, and the demo run again; each
// step screenshotted and audited (axe, WCAG 2.1 AA) by screenshotter.
describe.skipIf(!browserAvailable())('in Chromium: the provider and the demo', { timeout: 600_000 }, () => {
  let t: TestDatabase | undefined
  let database: Database | undefined
  let portal: RunningPortal | undefined
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined
  let folder: string | undefined
  afterEach(async () => {
    await browser?.close()
    await portal?.close()
    await database?.close()
    await t?.close()
    if (folder) rmSync(folder, { recursive: true, force: true })
    browser = portal = database = t = folder = undefined
  })

  it('the provider in the header and footer on a phone and a desktop, and the support address and the QR code in the order e-mail', async () => {
    t = await pglite[1]()
    const db = t.database.db
    await seedConvention(db, FNOMCEO_DEMO)
    await saveContract(db, {
      document: { code: 'condizioni', titleIt: 'Condizioni generali', titleEn: 'Terms and conditions', onerous: false },
      versions: [{ version: '3.2', effectiveFrom: parseCalendarDate('2025-01-01'), url: '-', body: 'Testo delle condizioni.' }],
    })
    await seedMailbox(db, { expiresOn: '2026-06-30', address: 'rossi@pec.example.it', accountId: 'FNOM000078' })
    await db.update(accounts).set({ passwordHash: await hashPassword('password-del-medico', TEST_HASH_COST) }).where(eq(accounts.id, 'FNOM000078'))
    portal = await startPortal(t.database, clockOn('2026-06-01'), PROVIDER_ENV)
    browser = await launchBrowser()
    const { page } = browser
    page.setDefaultTimeout(20_000)
    const shot = screenshotter(page, 'provider-identity')

    await page.goto(`${portal.url}/rinnova`)
    expect(await page.locator('header.site').textContent()).toContain('Servizio offerto da PEC Provider S.p.A.')
    const footer = page.locator('footer.site')
    expect(await footer.textContent()).toContain('PEC Provider S.p.A. — P.IVA 01234560017 — sede legale: Via Roma 10, 20121 Milano (MI)')
    expect(await footer.getByRole('link', { name: 'assistenza@pec-provider.example' }).getAttribute('href')).toBe('mailto:assistenza@pec-provider.example')
    expect(await footer.getByRole('link', { name: '+39 02 1234 5678' }).getAttribute('href')).toBe('tel:+390212345678')
    expect(await footer.getByRole('navigation', { name: 'Note legali' }).getByRole('link', { name: 'Informativa privacy' }).getAttribute('href')).toBe(PROVIDER_ENV.PROVIDER_PRIVACY_URL)
    expect(await footer.getByRole('link', { name: 'Guide al servizio' }).getAttribute('href')).toBe(PROVIDER_ENV.PROVIDER_HELP_URL)
    // on a phone the footer stays within the screen
    const width = await page.evaluate(() => document.documentElement.scrollWidth)
    expect(width).toBeLessThanOrEqual(390)
    await shot('sign-in-phone')
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.goto(`${portal.url}/rinnova?lang=en`)
    expect(await page.locator('footer.site').textContent()).toContain('PEC Provider S.p.A. — VAT no. 01234560017 — registered office: Via Roma 10, 20121 Milano (MI)')
    expect(await page.locator('footer.site').getByRole('link', { name: 'Privacy notice' }).isVisible()).toBe(true)
    await shot('sign-in-desktop-english')
    await page.goto(`${portal.url}/rinnova?lang=it`)

    // an order by bank transfer, then its e-mail as the holder reads it
    await page.getByLabel('Codice cliente o casella PEC').fill('FNOM000078')
    await page.getByLabel('Password', { exact: true }).fill('password-del-medico')
    await page.getByRole('button', { name: 'Accedi' }).click()
    await page.waitForURL(/\/caselle$/)
    await orderByBankTransfer(page, 'rossi@pec.example.it')
    expect(await page.locator('footer.site').textContent()).toContain('assistenza@pec-provider.example')
    await shot('order-page-with-provider')

    await page.goto(`${portal.url}/dev/posta`)
    await page.getByRole('link', { name: /^Riepilogo dell’ordine di rinnovo/ }).first().click()
    await shot('order-mail-in-the-viewer')
    const id = /\/dev\/posta\/(\d+)$/.exec(page.url())![1]
    // the mail's own HTML, as a mail client shows it (its sandbox runs no script: no axe there, a screenshot)
    await page.goto(`${portal.url}/dev/posta/${id}/html`)
    const mail = page.locator('body')
    expect(await mail.textContent()).toContain('PEC Provider S.p.A.')
    expect(await mail.textContent()).toContain('Per assistenza scrivi a assistenza@pec-provider.example')
    expect(await mail.textContent()).not.toContain('non rispondere')
    expect(await page.getByRole('link', { name: 'assistenza@pec-provider.example' }).getAttribute('href')).toBe('mailto:assistenza@pec-provider.example')
    const qr = page.getByRole('img', { name: 'Codice QR del bonifico (EPC)' })
    expect(await qr.isVisible()).toBe(true)
    expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100) // the inline part, shown
    await page.screenshot({ path: 'test-results/screenshots/provider-identity/06-order-mail-support-and-qr.png', fullPage: true })
  })

  it('the demo run again over a paid renewal is refused, and the holder still sees the renewal', async () => {
    folder = migratedFolder('pec-e2e-demo-')
    const env = { DATABASE_URL: join(folder, 'data'), PEC_OPERATOR: 'test-operator', PEC_LANG: 'it' }
    const loaded = await runCli(['demo', '--json'], env)
    expect(loaded.code, loaded.stderr).toBe(0)
    const demo = JSON.parse(loaded.stdout)
    const giulia = demo.credentials.find((c: { mailbox: string }) => c.mailbox === 'giulia.bianchi@pec.omceo-demo.it')
    const placed = JSON.parse((await runCli(['order', 'create', '--mailbox', giulia.mailbox, '--years', '2', '--method', 'bonifico', '--json'], env)).stdout)
    const paid = await runCli(['payment', 'register', '--order', placed.orderId, '--amount', '21.96', '--method', 'bonifico', '--reference', 'CRO-1', '--json'], env)
    expect(paid.code, paid.stderr).toBe(0)
    const clock = clockOn(demo.today)
    const open = async () => {
      database = await openDatabase(env.DATABASE_URL)
      portal = await startPortal(database, clock)
      return portal.url
    }
    const close = async () => {
      await portal!.close()
      await database!.close()
      portal = database = undefined
    }

    let url = await open()
    browser = await launchBrowser()
    const { page } = browser
    page.setDefaultTimeout(20_000)
    const shot = screenshotter(page, 'demo-rerun')
    const signIn = async () => {
      await page.goto(`${url}/rinnova`)
      await page.getByLabel('Codice cliente o casella PEC').fill(giulia.accountId)
      await page.getByLabel('Password', { exact: true }).fill(DEMO_ACCOUNT_PASSWORD)
      await page.getByRole('button', { name: 'Accedi' }).click()
      await page.waitForURL(/\/caselle$/)
    }
    await signIn()
    const renewed = formatDate(placed.newExpiresOn, 'it')
    const original = formatDate(giulia.expiresOn, 'it')
    expect(await page.locator('main').textContent()).toContain(renewed)
    expect(await page.locator('footer.site').textContent()).toContain('Dati dimostrativi') // the demo's provider says so
    await shot('paid-renewal')
    await close()

    const refused = await spawnCli(['demo'], env) // as an operator runs it, in its own process
    expect(refused.code).toBe(4)
    expect(refused.stderr).toContain('Nulla è stato modificato')
    url = await open()
    await page.goto(`${url}/caselle`) // the same session: nothing was touched
    expect(await page.locator('main').textContent()).toContain(renewed)
    expect(await page.locator('main').textContent()).not.toContain(original)
    await shot('after-refused-rerun')
    await close()

    // `demo --reset`: the holder's session went with the rest; signing in again shows the fresh demo
    const reset = await spawnCli(['demo', '--reset'], env)
    expect(reset.code, reset.stderr).toBe(0)
    url = await open()
    await page.goto(`${url}/caselle`)
    await page.waitForURL(/\/rinnova/)
    await signIn()
    expect(await page.locator('main').textContent()).toContain(original)
    expect(await page.locator('main').textContent()).not.toContain(renewed)
    await shot('after-reset')
  })
})
