import { parseCalendarDate } from '../../src/core/calendar'
import { describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { hashPassword } from '../../src/accounts/passwords'
import { accounts } from '../../src/accounts/schema'
import { FNOMCEO_DEMO, saveContract } from '../../src/catalog/queries'
import { queryRows, sql } from '../../src/db/client'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { browserAvailable, orderByBankTransfer } from './support/browser'
import { TEST_HASH_COST } from '../support/config'
import { browserStory } from './support/story'

const LONG = 'nome.cognome.molto.lungo@pec.ordine-medici.example.it'

// Issue 14, what a holder sees of their own: the mailbox list by urgency (with R7), the account
// page and cancelling an open order; each page screenshotted and audited (axe) by screenshotter.
describe.skipIf(!browserAvailable())('in Chromium: the holder’s own pages', { timeout: 240_000 }, () => {
  const story = browserStory()

  it('the list by urgency, the account page and cancelling an open order, on a phone', async () => {
    const t = await story.database()
    const db = t.database.db
    await seedConvention(db, FNOMCEO_DEMO)
    await saveContract(db, {
      document: { code: 'condizioni', titleIt: 'Condizioni generali', titleEn: 'Terms and conditions', onerous: false },
      versions: [{ version: '3.2', effectiveFrom: parseCalendarDate('2025-01-01'), url: '-', body: 'Testo delle condizioni.' }],
    })
    await seedMailbox(db, { expiresOn: '2027-03-01', address: 'dopo@pec.example.it', accountId: 'FNOM000078' })
    await seedMailbox(db, { expiresOn: '2026-06-08', address: LONG, accountId: 'FNOM000078', register: 'ini_pec' })
    await seedMailbox(db, { expiresOn: '2026-04-12', status: 'deactivated', deactivatedOn: '2026-04-13', address: 'spenta@pec.example.it', accountId: 'FNOM000078' })
    await db.update(accounts).set({ passwordHash: await hashPassword('password-del-medico', TEST_HASH_COST) }).where(eq(accounts.id, 'FNOM000078'))
    const portal = await story.portal(t.database, clockOn('2026-06-01'))
    const { page, shot } = await story.browser('holder-account', { viewport: { width: 360, height: 800 } })

    await page.goto(`${portal.url}/rinnova`)
    await page.getByLabel('Codice cliente o casella PEC').fill('FNOM000078')
    await page.getByLabel('Password', { exact: true }).fill('password-del-medico')
    await page.getByRole('button', { name: 'Accedi' }).click()
    await page.waitForURL(/\/caselle$/)
    await shot('mailboxes-by-urgency')
    const cards = await page.locator('li.card h2').allTextContents()
    expect(cards.map((c) => c.trim())).toEqual(['spenta@pec.example.it', LONG, 'dopo@pec.example.it'])
    expect(await page.locator('main').textContent()).toContain('rinnovabile fino all’11 luglio 2026')
    expect(await page.locator('main').textContent()).toContain('Scade tra 7 giorni.')
    expect(await page.locator('main').textContent()).toContain('Casella comunicata a INI-PEC')
    // the long address wraps, but its domain stays on one line, inside the card
    const domain = page.locator('.address-domain', { hasText: 'pec.ordine-medici.example.it' })
    const box = await domain.boundingBox()
    const lineHeight = await domain.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || 24)
    expect(box!.height).toBeLessThan(lineHeight * 1.5)
    const card = await page.locator('li.card').nth(1).boundingBox()
    expect(box!.x + box!.width).toBeLessThanOrEqual(card!.x + card!.width)

    // an order by bonifico, then the account page, then cancel it
    await orderByBankTransfer(page, 'spenta@pec.example.it')
    await shot('order-with-copy-buttons')

    await page.getByRole('link', { name: 'Il mio account' }).click()
    await page.waitForURL(/\/account$/)
    await shot('account')
    expect(await page.locator('main').textContent()).toContain('In attesa di pagamento')
    await page.getByRole('link', { name: /^Annulla l’ordine/ }).click()
    await shot('cancel-question')
    await page.getByRole('button', { name: 'Sì, annulla l’ordine' }).click()
    await page.waitForURL(/\/account\?annullato=/)
    await shot('account-after-cancel')
    expect(await page.locator('main').textContent()).toContain('Annullato')
    const [order] = await queryRows<{ status: string }>(db, sql`SELECT status FROM orders`)
    expect(order.status).toBe('cancelled')
  })
})
