import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { accounts } from '../../src/accounts/schema'
import { addOperator } from '../../src/operators/add-operator'
import { totpCode } from '../../src/operators/second-factor'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { browserAvailable, launchBrowser, screenshotter, startPortal, type RunningPortal } from './support/browser'

const [pglite] = testDatabases()
const PASSWORD = 'operatore-di-prova-1'

describe.skipIf(!browserAvailable())('in Chromium: finding and roles in the back office', { timeout: 180_000 }, () => {
  let t: TestDatabase
  let portal: RunningPortal
  let browser: Awaited<ReturnType<typeof launchBrowser>>
  afterEach(async () => {
    await browser?.close()
    await portal?.close()
    await t?.close()
  })

  it('a support operator finds a mailbox by codice fiscale and cannot reach billing pages; an admin manages operators', async () => {
    t = await pglite[1]()
    const db = t.database.db
    await seedConvention(db)
    const clock = clockOn('2026-06-01')
    portal = await startPortal(t.database, clock)
    await seedMailbox(db, { expiresOn: '2026-06-01', address: 'giulia.verdi@pec.example.it', accountId: 'FNOM000101' })
    await db.update(accounts).set({ firstName: 'Giulia', lastName: 'Verdi', fiscalCode: 'VRDGLI80A41H501Z' }).where(eq(accounts.id, 'FNOM000101'))
    await addOperator(portal.services.deps, { username: 'sara', displayName: 'Sara Bruni', password: PASSWORD, role: 'support', actor: 'operator:setup' })
    await addOperator(portal.services.deps, { username: 'ada', displayName: 'Ada Conti', password: PASSWORD, role: 'admin', actor: 'operator:setup' })

    browser = await launchBrowser()
    const { page } = browser
    await page.setViewportSize({ width: 1280, height: 900 })
    page.setDefaultTimeout(20_000)
    const shot = screenshotter(page, 'back-office-look')

    await page.goto(`${portal.url}/ufficio/accedi`)
    await page.getByLabel('Nome utente').fill('sara')
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Accedi' }).click()
    await page.waitForURL(/\/ufficio$/)
    expect(await page.locator('#queue-tomorrow-deactivations .count').textContent()).toBe('1')
    await shot('home-queues')
    await page.locator('#queue-tomorrow-deactivations a').click()
    await page.waitForURL(/\/ufficio\/code\/domani/)
    expect(await page.locator('body').textContent()).toContain('giulia.verdi@pec.example.it')
    await shot('tomorrow')

    await page.getByRole('link', { name: 'Cerca' }).click()
    await page.getByLabel('Casella, codice cliente, intestatario, codice fiscale, partita IVA, ordine, e-mail, riferimento del pagamento o IBAN').fill('vrdgli80a41h501z')
    await page.getByRole('button', { name: 'Cerca' }).last().click()
    await page.waitForSelector('#search-results')
    expect(await page.locator('#search-results tbody th').allTextContents()).toEqual(['giulia.verdi@pec.example.it'])
    await shot('search-by-codice-fiscale')

    expect(await page.getByRole('link', { name: 'Estratti conto' }).count()).toBe(0) // not offered to support
    const refused = await page.goto(`${portal.url}/ufficio/estratti`)
    expect(refused?.status()).toBe(403)
    expect(await page.locator('.notice.error').textContent()).toContain('Con il ruolo «assistenza» non puoi usare questa pagina.')
    await shot('billing-refused')
    expect((await page.goto(`${portal.url}/ufficio/operatori`))?.status()).toBe(403)
    await page.getByRole('button', { name: 'Esci' }).click()

    // an admin: second factor first, then the operators' page
    await page.goto(`${portal.url}/ufficio/operatori`)
    await page.getByLabel('Nome utente').fill('ada')
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Accedi' }).click()
    await page.waitForURL(/\/ufficio\/secondo-fattore/)
    const key = (await page.locator('#totp-key').textContent())!.replace(/ /g, '')
    await page.getByLabel('Codice', { exact: true }).fill(totpCode(key, clock.now()))
    await page.getByRole('button', { name: 'Conferma' }).click()
    await page.getByRole('link', { name: 'Continua' }).click()
    await page.waitForURL(/\/ufficio\/operatori$/)
    await shot('operators')
    await page.getByLabel('Ruolo di sara').selectOption('billing')
    await page.locator('#operator-sara').getByRole('button', { name: 'Cambia ruolo' }).click()
    await page.waitForURL(/fatto=role/)
    expect(await page.locator('.notice.ok').textContent()).toContain('Ruolo dell’operatore sara aggiornato')
    await shot('operator-role-changed')
  })
})
