import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatOrderId, type OrderId } from '../../src/core/order-id'
import { payments } from '../../src/db/schema'
import { totpCode } from '../../src/operators/second-factor'
import { placeOrder } from '../../src/renewals/place-order'
import { camtStatement } from '../payments/offline/statement-builder'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { browserAvailable, fillOperatorSignIn } from './support/browser'
import { addStoryOperators, browserStory, DESK, STORY_OPERATOR_PASSWORD } from './support/story'


describe.skipIf(!browserAvailable())('in Chromium: the back office', { timeout: 180_000 }, () => {
  const story = browserStory()

  it('an operator signs in, uploads a bank statement and reads the results, the ones to check first', async () => {
    const t = await story.database()
    const db = t.database.db
    await seedConvention(db)
    const clock = clockOn('2026-05-02')
    const portal = await story.portal(t.database, clock)
    const orders: OrderId[] = []
    for (const expiresOn of ['2026-06-30', '2026-07-31']) {
      const mailbox = await seedMailbox(db, { expiresOn })
      orders.push((await placeOrder(portal.services.deps, { mailboxId: mailbox.id, years: 1, method: 'bonifico', actor: 'holder:x' })).orderId)
    }
    await addStoryOperators(portal, [{ username: 'anna', displayName: 'Anna Bianchi', role: 'billing' }])
    const folder = story.folder('back-office-e2e-')
    const statement = join(folder, 'estratto-maggio.xml')
    writeFileSync(
      statement,
      camtStatement([
        { amountCents: 1220, acctSvcrRef: 'CRO-0001', remittance: [`RINNOVO PEC ${formatOrderId(orders[0])}`] },
        { amountCents: 1000, acctSvcrRef: 'CRO-0002', remittance: [formatOrderId(orders[1])] },
      ]),
    )

    const { page, shot } = await story.browser('back-office', { viewport: DESK })

    await page.goto(`${portal.url}/ufficio/estratti`)
    await page.waitForURL(/\/ufficio\/accedi\?next=/)
    await shot('sign-in')
    await fillOperatorSignIn(page, 'anna', STORY_OPERATOR_PASSWORD)
    // billing enrols a second factor at the first sign-in: QR code, key, a code from the app
    await page.waitForURL(/\/ufficio\/secondo-fattore\?next=/)
    await shot('second-factor-enrol')
    expect(await page.getByRole('img', { name: 'Codice QR da inquadrare con l’app di autenticazione' }).count()).toBe(1)
    const key = (await page.locator('#totp-key').textContent())!.replace(/ /g, '')
    await page.getByLabel('Codice', { exact: true }).fill(totpCode(key, clock.now()))
    await page.getByRole('button', { name: 'Conferma' }).click()
    await page.waitForSelector('ul.recovery-codes')
    expect(await page.locator('ul.recovery-codes li').count()).toBe(10)
    await shot('recovery-codes')
    await page.getByRole('link', { name: 'Continua' }).click()
    await page.waitForURL(/\/ufficio\/estratti$/)
    expect(await page.locator('h1').textContent()).toBe('Carica un estratto conto')
    expect(await page.locator('header').textContent()).toContain('Operatore: Anna Bianchi')
    await shot('upload-form')

    await page.getByRole('button', { name: 'Carica e registra i pagamenti' }).click() // no file chosen
    await expect.poll(() => page.locator('.error-summary').textContent()).toContain('Scegli il file da caricare.')
    await shot('no-file')

    await page.getByLabel('File').setInputFiles(statement)
    await page.getByRole('button', { name: 'Carica e registra i pagamenti' }).click()
    await page.waitForSelector('table.results')
    await shot('results')
    expect(await page.locator('h1').textContent()).toBe('Esito dell’importazione')
    expect(await page.locator('#total-registered').textContent()).toBe('1')
    expect(await page.locator('#total-held').textContent()).toBe('1')
    const rows = await page.locator('table.results tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({ outcome: tr.className, cells: [...tr.querySelectorAll('td')].map((td) => td.textContent?.replace(/\s+/g, ' ').trim()) })),
    )
    expect(rows).toEqual([
      { outcome: 'outcome-held', cells: ['CRO-0002', '10,00 €', formatOrderId(orders[1]), 'Da verificare', 'L’importo non corrisponde al totale dell’ordine'] },
      { outcome: 'outcome-registered', cells: ['CRO-0001', '12,20 €', formatOrderId(orders[0]), 'Registrato', ''] },
    ])
    // the held row stands out
    const heldBackground = await page.locator('tr.outcome-held').evaluate((tr) => getComputedStyle(tr).backgroundColor)
    expect(heldBackground).not.toBe('rgba(0, 0, 0, 0)')
    expect(await db.$count(payments)).toBe(2)

    await page.getByRole('link', { name: 'English' }).click()
    await page.waitForURL(/lang=en/)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(/\/ufficio\/accedi\?uscito=1$/)
    await shot('signed-out')
    await page.goto(`${portal.url}/ufficio`)
    expect(page.url()).toContain('/ufficio/accedi?next=')

    // the next sign-in asks the app's code, never the same one twice
    await page.getByLabel('Username').fill('anna')
    await page.getByLabel('Password').fill('operatore-di-prova-1')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(/\/ufficio\/secondo-fattore\?next=/)
    await shot('second-factor')
    clock.advanceMs(30_000)
    await page.getByLabel('Code', { exact: true }).fill(totpCode(key, clock.now()))
    await page.getByRole('button', { name: 'Confirm' }).click()
    await page.waitForURL(/\/ufficio$/)
    expect(await page.locator('header').textContent()).toContain('Operator: Anna Bianchi')
  })
})
