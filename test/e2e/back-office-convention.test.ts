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

    // a new convention, refused first for a duration without a price, then created with its own contract document
    await page.getByRole('link', { name: 'Convenzioni' }).click()
    await page.getByRole('link', { name: 'Nuova convenzione' }).click()
    await page.waitForURL(/\/ufficio\/convenzioni\/nuova$/)
    await shot('new-convention')
    await page.getByLabel('Codice', { exact: true }).fill('OMCEO-MI')
    await page.getByLabel('Nome', { exact: true }).fill('Ordine dei Medici di Milano')
    await page.getByLabel('Chi paga').selectOption('order')
    await page.getByLabel('Durate offerte (anni)').fill('1, 2')
    await page.getByLabel('Prezzo netto per 1 anno (euro)').fill('12,00')
    await page.getByLabel('Motivo (per esempio la delibera o l’accordo)').fill('Delibera del consiglio dell’Ordine')
    await page.getByRole('button', { name: 'Crea la convenzione' }).click()
    expect(await page.locator('.error-summary').textContent()).toContain('Una durata offerta non ha un prezzo in vigore oggi')
    expect(await page.locator('#net-2').getAttribute('aria-invalid')).toBe('true')
    await shot('new-convention-refused')
    await page.getByLabel('Prezzo netto per 2 anni (euro)').fill('20,00')
    await page.getByRole('button', { name: 'Crea la convenzione' }).click()
    await page.waitForURL(/\/ufficio\/convenzioni\/OMCEO-MI\?fatto=created$/)
    expect(await page.getByRole('status').textContent()).toContain('Convenzione creata.')
    expect(await page.locator('#no-documents').count()).toBe(1)
    await shot('new-convention-created')

    await page.getByLabel('Documento', { exact: true }).selectOption('')
    await page.getByLabel('Codice del documento nuovo').fill('condizioni-mi')
    await page.getByLabel('Titolo in italiano').fill('Condizioni generali di Milano')
    await page.getByLabel('Titolo in inglese').fill('Milan general terms')
    await page.getByLabel('Versione').fill('1.0')
    await page.locator('#contract-reason').fill('Prime condizioni di Milano')
    await page.getByLabel('File del testo').setInputFiles({ name: 'condizioni-mi-1.0.txt', mimeType: 'text/plain', buffer: Buffer.from('Condizioni generali di Milano, versione 1.0.') })
    await page.getByRole('button', { name: 'Pubblica la versione' }).click()
    await page.waitForURL(/fatto=contract|\/contratti$/, { timeout: 60_000 })
    expect(page.url(), (await page.locator('.error-summary').count()) ? ((await page.locator('.error-summary').textContent()) ?? '') : '').toMatch(/fatto=contract/)
    // then a new version from a later day
    await page.getByLabel('Documento', { exact: true }).selectOption('condizioni-mi')
    await page.getByLabel('Versione').fill('1.1')
    await page.locator('#contract-from').fill('2027-01-01')
    await page.locator('#contract-reason').fill('Condizioni 2027')
    await page.getByLabel('File del testo').setInputFiles({ name: 'condizioni-mi-1.1.txt', mimeType: 'text/plain', buffer: Buffer.from('Condizioni generali di Milano, versione 1.1.') })
    await page.getByRole('button', { name: 'Pubblica la versione' }).click()
    await page.waitForURL(/fatto=contract/, { timeout: 60_000 })
    expect(await page.getByRole('status').textContent()).toContain('Nuova versione del documento pubblicata.')
    expect(await page.locator('#contratti ~ ul').first().textContent()).toMatch(/versione 1\.0[\s\S]*versione 1\.1[\s\S]*\(futura\)/)
    await shot('new-convention-contracts')

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
