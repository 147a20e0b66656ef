import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { accounts } from '../../src/accounts/schema'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { browserAvailable, fillOperatorSignIn, signInOperatorInBrowser } from './support/browser'
import { addStoryOperators, browserStory, DESK, STORY_OPERATOR_PASSWORD } from './support/story'

describe.skipIf(!browserAvailable())('in Chromium: finding and roles in the back office', { timeout: 180_000 }, () => {
  const story = browserStory()

  it('a support operator finds a mailbox by codice fiscale and cannot reach billing pages; an admin manages operators', async () => {
    const t = await story.database()
    const db = t.database.db
    await seedConvention(db)
    const clock = clockOn('2026-06-01')
    const portal = await story.portal(t.database, clock)
    await seedMailbox(db, { expiresOn: '2026-06-01', address: 'giulia.verdi@pec.example.it', accountId: 'FNOM000101' })
    await db.update(accounts).set({ firstName: 'Giulia', lastName: 'Verdi', fiscalCode: 'VRDGLI80A41H501Z' }).where(eq(accounts.id, 'FNOM000101'))
    await addStoryOperators(portal, [
      { username: 'sara', displayName: 'Sara Bruni', role: 'support' },
      { username: 'ada', displayName: 'Ada Conti', role: 'admin' },
    ])
    const { page, shot } = await story.browser('back-office-look', { viewport: DESK })

    await page.goto(`${portal.url}/ufficio/accedi`)
    await fillOperatorSignIn(page, 'sara', STORY_OPERATOR_PASSWORD)
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
    expect(await signInOperatorInBrowser(page, clock, 'ada', STORY_OPERATOR_PASSWORD)).toBeDefined() // an admin enrols the second factor
    await page.waitForURL(/\/ufficio\/operatori$/)
    await shot('operators')
    await page.getByLabel('Ruolo di sara').selectOption('billing')
    await page.locator('#operator-sara').getByRole('button', { name: 'Cambia ruolo' }).click()
    await page.waitForURL(/fatto=role/)
    expect(await page.locator('.notice.ok').textContent()).toContain('Ruolo dell’operatore sara aggiornato')
    await shot('operator-role-changed')
  })
})
