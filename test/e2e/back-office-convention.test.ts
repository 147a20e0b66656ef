import { describe, expect, it } from 'vitest'
import { listPrices } from '../../src/catalog/queries'
import { seedDashboardDay } from '../support/dashboard-day'
import { clockOn } from '../support/seed'
import { browserAvailable, signInOperatorInBrowser } from './support/browser'
import { addStoryOperators, browserStory, DESK, STORY_OPERATOR_PASSWORD } from './support/story'

describe.skipIf(!browserAvailable())('in Chromium: running the convention and seeing the day', { timeout: 240_000 }, () => {
  const story = browserStory()

  it('an admin changes a price from a later day (refused first from a past day), then reads the dashboard and its tables', async () => {
    const t = await story.database()
    const clock = clockOn('2026-11-01')
    const portal = await story.portal(t.database, clock)
    await seedDashboardDay(portal.services.deps, clock)
    await addStoryOperators(portal, [{ username: 'ada', displayName: 'Ada Conti', role: 'admin' }])
    const { page, shot } = await story.browser('back-office-convention', { viewport: DESK })

    await page.goto(`${portal.url}/ufficio/accedi`)
    expect(await signInOperatorInBrowser(page, clock, 'ada', STORY_OPERATOR_PASSWORD)).toBeDefined() // an admin enrols the second factor

    await page.getByRole('link', { name: 'Convenzioni' }).click()
    await page.waitForURL(/\/ufficio\/convenzioni$/)
    await shot('conventions')
    await page.getByRole('link', { name: 'FNOMCEO' }).click()
    await page.waitForURL(/\/ufficio\/convenzioni\/FNOMCEO$/)
    await shot('convention')

    await page.getByLabel('Durata', { exact: true }).selectOption('1')
    await page.getByLabel('Prezzo netto (euro)').fill('12,00')
    await page.getByLabel('In vigore dal giorno').first().fill('2026-12-01')
    await page.locator('#price-reason').fill('Listino 2027 concordato con la FNOMCEO')
    await page.getByRole('button', { name: 'Aggiungi il prezzo' }).click()
    expect(await page.locator('.error-summary').textContent()).toContain('Un nuovo prezzo vale da oggi o da un giorno futuro')
    expect(await page.locator('#price-from').getAttribute('aria-invalid')).toBe('true')
    await shot('price-refused')

    await page.locator('#price-from').fill('2027-01-01')
    await page.getByRole('button', { name: 'Aggiungi il prezzo' }).click()
    await page.waitForURL(/fatto=price/)
    expect(await page.getByRole('status').textContent()).toContain('Prezzo aggiunto al listino.')
    expect(await page.locator('#price-list tbody').textContent()).toMatch(/12,00\s€[\s\S]*1º gennaio 2027[\s\S]*futuro/)
    await shot('price-added')
    expect((await listPrices(t.database.db, 'FNOMCEO')).find((p) => p.effectiveFrom === '2027-01-01')).toMatchObject({ years: 1, netCents: 1200 })

    await page.getByRole('link', { name: 'Cruscotto' }).click()
    await page.waitForURL(/\/ufficio\/cruscotto$/)
    expect(await page.locator('svg[role="img"]').count()).toBe(5)
    await shot('dashboard')
    await page.getByText('I numeri del grafico in tabella: Caselle in scadenza per settimana').click()
    expect(await page.locator('#scadenze ~ details tbody tr').first().textContent()).toContain('dal 5 dicembre 2026')
    await shot('dashboard-table')
    await page.getByRole('link', { name: 'English' }).click()
    expect(await page.locator('h1').textContent()).toBe('Dashboard')
    await shot('dashboard-english')
  })
})
