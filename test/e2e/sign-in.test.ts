import { describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { hashPassword } from '../../src/accounts/passwords'
import { accounts } from '../../src/accounts/schema'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { browserAvailable } from './support/browser'
import { TEST_HASH_COST } from '../support/config'
import { browserStory } from './support/story'


describe.skipIf(!browserAvailable())('in Chromium: signing in', { timeout: 180_000 }, () => {
  const story = browserStory()

  it('a holder signs in with the account ID, sees their mailboxes, switches to English and signs out', async () => {
    const t = await story.database()
    await seedConvention(t.database.db)
    await seedMailbox(t.database.db, { expiresOn: '2026-07-01', address: 'dott.rossi@pec.example.it', accountId: 'FNOM000042' })
    await t.database.db.update(accounts).set({ passwordHash: await hashPassword('una-password-lunga', TEST_HASH_COST) }).where(eq(accounts.id, 'FNOM000042'))
    const portal = await story.portal(t.database, clockOn('2026-06-01'))
    const { page, shot } = await story.browser('sign-in', { timeoutMs: 10_000 })

    await page.goto(`${portal.url}/rinnova`)
    await shot('sign-in-page')
    expect(await page.getAttribute('html', 'lang')).toBe('it')

    await page.getByLabel('Codice cliente o casella PEC').fill('FNOM000042')
    await page.getByLabel('Password').fill('sbagliata')
    await page.getByRole('button', { name: 'Accedi' }).click()
    await expect.poll(() => page.locator('.error-summary').textContent()).toContain('non corretti')
    await shot('wrong-password')
    // The summary links to the field it is about.
    await page.locator('.error-summary a').first().click()
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('identifier')

    await page.getByLabel('Password').fill('una-password-lunga')
    await page.getByRole('button', { name: 'Accedi' }).click()
    await page.waitForURL(/\/caselle$/)
    await shot('mailboxes')
    expect(await page.locator('h1').textContent()).toBe('Le tue caselle PEC')
    expect(await page.locator('.card h2').allTextContents()).toEqual(['dott.rossi@pec.example.it'])

    await page.getByRole('link', { name: 'Switch to English' }).click()
    await page.waitForURL(/lang=en/)
    expect(await page.getAttribute('html', 'lang')).toBe('en')
    expect(await page.locator('h1').textContent()).toBe('Your PEC mailboxes')
    await shot('mailboxes-english')

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(/\/rinnova\?uscito=1$/)
    await shot('signed-out')
    await page.goto(`${portal.url}/caselle`)
    expect(page.url()).toContain('/rinnova?next=')
  })
})
