import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { saveContract } from '../../src/catalog/queries'
import { parseCalendarDate } from '../../src/core/calendar'
import type { ManualClock } from '../../src/core/clock'
import { auditLog, mailboxes, orders } from '../../src/db/schema'
import { addOperator } from '../../src/operators/add-operator'
import { totpCode } from '../../src/operators/second-factor'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { browserAvailable, launchBrowser, screenshotter, startPortal, type RunningPortal } from './support/browser'

const [pglite] = testDatabases()
const PASSWORD = 'operatore-di-prova-1'

type Browser = Awaited<ReturnType<typeof launchBrowser>>

/** Signs a billing operator in at `url`, enrolling their second factor (their first sign-in). */
async function signIn(browser: Browser, clock: ManualClock, url: string, username: string) {
  const { page } = browser
  await page.goto(url)
  await page.getByLabel('Nome utente').fill(username)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Accedi' }).click()
  await page.waitForURL(/\/ufficio\/secondo-fattore\?next=/)
  const key = (await page.locator('#totp-key').textContent())!.replace(/ /g, '')
  clock.advanceMs(30_000)
  await page.getByLabel('Codice', { exact: true }).fill(totpCode(key, clock.now()))
  await page.getByRole('button', { name: 'Conferma' }).click()
  await page.getByRole('link', { name: 'Continua' }).click()
}

describe.skipIf(!browserAvailable())('in Chromium: the back office’s actions (issue 11)', { timeout: 240_000 }, () => {
  let t: TestDatabase
  let portal: RunningPortal
  const browsers: Browser[] = []
  afterEach(async () => {
    for (const b of browsers.splice(0)) await b.close()
    await portal?.close()
    await t?.close()
  })

  it('an order placed on the phone with the holder’s full billing address; an extension over the limit approved by a second operator', async () => {
    t = await pglite[1]()
    const db = t.database.db
    await seedConvention(db)
    for (const [code, title, onerous] of [['condizioni-generali', 'Condizioni generali del servizio PEC', false], ['clausole-vessatorie', 'Clausole vessatorie', true]] as const) {
      await saveContract(db, { document: { code, titleIt: title, titleEn: title, onerous }, versions: [{ version: '3.2', effectiveFrom: parseCalendarDate('2026-01-01'), url: '-', body: 'Testo.' }] })
    }
    const clock = clockOn('2026-05-02')
    portal = await startPortal(t.database, clock)
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30', address: 'mario.rossi@pec.omceo-demo.it', accountId: 'FNOM000001' })
    for (const username of ['anna', 'bruno']) await addOperator(portal.services.deps, { username, displayName: username === 'anna' ? 'Anna Bianchi' : 'Bruno Neri', password: PASSWORD, role: 'billing', actor: 'operator:setup' })

    const anna = await launchBrowser()
    browsers.push(anna)
    const { page } = anna
    await page.setViewportSize({ width: 1280, height: 900 })
    page.setDefaultTimeout(20_000)
    const shot = screenshotter(page, 'back-office-actions')
    const address = encodeURIComponent(mailbox.address)

    // the holder calls: Anna places the order on the phone
    await signIn(anna, clock, `${portal.url}/ufficio/caselle/${address}/ordine-telefonico`, 'anna')
    await page.waitForURL(/\/ordine-telefonico$/)
    expect(await page.locator('h1').textContent()).toBe('Ordine telefonico per mario.rossi@pec.omceo-demo.it')
    expect(await page.getByLabel('Codice fiscale').inputValue()).toBe('RSSMRA85T10A562S')
    await shot('phone-order')
    await page.getByLabel(/^2 anni/).check()
    await page.getByLabel('Bonifico bancario').check()
    await page.getByRole('button', { name: 'Fai l’ordine' }).click() // no address, contracts not confirmed, no reason
    await expect.poll(() => page.locator('.error-summary').textContent()).toContain('Conferma che il titolare ha accettato i contratti')
    await shot('phone-order-refused')
    await page.getByLabel('Via o piazza').fill('Via Merulana')
    await page.getByLabel('Numero civico').fill('12')
    await page.getByLabel('CAP').fill('00184')
    await page.getByLabel('Comune').fill('Roma')
    await page.getByLabel('Provincia').selectOption('RM')
    await page.getByLabel(/Il titolare ha accettato al telefono/).check()
    await page.getByLabel('Motivo (resta nel registro delle operazioni)').fill('Telefonata del titolare, 2 maggio')
    await page.getByRole('button', { name: 'Fai l’ordine' }).click()
    await page.waitForURL(/fatto=fatto/)
    expect(await page.locator('#done').textContent()).toMatch(/^Ordine .+ fatto: 21,96\s€ con Bonifico bancario\./)
    await shot('phone-order-placed')
    const [order] = await db.select().from(orders)
    expect(order.billing).toMatchObject({ address: 'Via Merulana 12, 00184 Roma (RM)' })
    expect(order.acceptedContracts.every((c) => c.acceptedByPhoneWith === 'operator:anna')).toBe(true)

    // then asks for 60 days more: over the limit, it waits for a second operator
    await page.goto(`${portal.url}/ufficio/caselle/${address}/proroga`)
    await shot('extension-form')
    await page.getByLabel('Giorni di proroga').fill('60')
    await page.getByLabel('Motivo (resta nel registro delle operazioni)').fill('Disservizio di aprile: accordo con la direzione')
    await page.getByRole('button', { name: 'Proroga la scadenza' }).click()
    await page.waitForURL(/fatto=in-attesa/)
    expect(await page.locator('#done').textContent()).toContain('Proroga di 60 giorni richiesta')
    await shot('extension-pending')
    await page.goto(`${portal.url}/ufficio`)
    expect((await page.locator('#queue-pending-extensions').textContent())!.replace(/\s+/g, ' ').trim()).toBe('1 Proroghe da approvare')
    await page.getByRole('link', { name: /Proroghe da approvare/ }).click()
    await page.getByRole('link', { name: mailbox.address }).click()
    expect(await page.locator('#unavailable').textContent()).toContain('l’hai chiesta tu')
    await shot('extension-own-request')

    // Bruno, on his own computer, approves it from the home page's queue
    const bruno = await launchBrowser()
    browsers.push(bruno)
    await bruno.page.setViewportSize({ width: 1024, height: 768 }) // a tablet in landscape
    bruno.page.setDefaultTimeout(20_000)
    const brunoShot = screenshotter(bruno.page, 'back-office-actions-approval')
    await signIn(bruno, clock, `${portal.url}/ufficio`, 'bruno')
    await bruno.page.getByRole('link', { name: /Proroghe da approvare/ }).click()
    await brunoShot('queue')
    await bruno.page.getByRole('link', { name: mailbox.address }).click()
    expect(await bruno.page.locator('dl.facts').textContent()).toContain('29 agosto 2026')
    await brunoShot('decision')
    await bruno.page.getByLabel(/Motivo dell’approvazione/).fill('accordo verificato con il commerciale')
    await bruno.page.getByRole('button', { name: 'Approva e applica' }).click()
    await bruno.page.waitForURL(/fatto=approvata/)
    expect(await bruno.page.locator('#done').textContent()).toBe('Proroga approvata: mario.rossi@pec.omceo-demo.it ora scade il 29 agosto 2026.')
    await brunoShot('approved')
    expect((await db.select().from(mailboxes).where(eq(mailboxes.id, mailbox.id)))[0].expiresOn).toBe('2026-08-29')
    const audited = await db.select().from(auditLog).where(eq(auditLog.mailboxId, mailbox.id))
    expect(audited.map((a) => [a.action, a.actor])).toEqual(
      expect.arrayContaining([
        ['order.placed', 'operator:anna'],
        ['mailbox.extension_requested', 'operator:anna'],
        ['mailbox.extended', 'operator:bruno'],
      ]),
    )

    // the holder's e-mails: the order summary and the extension
    await page.goto(`${portal.url}/dev/posta`)
    const subjects = await page.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.textContent?.replace(/\s+/g, ' ') ?? ''))
    expect(subjects.some((s) => s.includes('Riepilogo dell’ordine di rinnovo'))).toBe(true)
    await page.getByRole('link', { name: /prorogata/ }).first().click()
    expect(await page.locator('pre').textContent()).toContain('ora scade il 29 agosto 2026')
    await page.screenshot({ path: 'test-results/screenshots/back-office-actions/99-holder-mail.png', fullPage: true })

    // in English with the switch
    await bruno.page.getByRole('link', { name: 'English' }).click()
    await bruno.page.waitForURL(/lang=en/)
    expect(await bruno.page.locator('h1').textContent()).toBe('Extensions to approve')
    await brunoShot('queue-en')
  })
})
