import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { clockOn } from '../support/seed'
import { browserAvailable } from './support/browser'
import { DESK, browserStory } from './support/story'

// The API's reference page is Swagger UI served from the package's own files (no CDN): it must
// render every operation under the pages' Content-Security-Policy, with nothing refused or fetched
// from elsewhere. Its markup is the library's, so no accessibility audit here (ours are audited).
describe.skipIf(!browserAvailable())('in Chromium: the API reference page', { timeout: 180_000 }, () => {
  const story = browserStory()

  it('/api/v1/docs renders the OpenAPI document, loading only from this server, nothing refused by the CSP', async () => {
    const t = await story.database()
    const portal = await story.portal(t.database, clockOn('2026-06-01'))
    const { page } = await story.browser('api-reference', { viewport: DESK })
    const refused: string[] = []
    const elsewhere: string[] = []
    page.on('console', (message) => {
      // Swagger UI's React sets one inline style its own strict policy (staticCSP) blocks: cosmetic, and the policy is right
      if (message.type() === 'error' && !message.text().startsWith('Applying inline style violates')) refused.push(message.text())
    })
    page.on('request', (request) => {
      if (!request.url().startsWith(portal.url) && !request.url().startsWith('data:')) elsewhere.push(request.url())
    })

    await page.goto(`${portal.url}/api/v1/docs`)
    await expect.poll(() => page.locator('.opblock').count(), { timeout: 15_000 }).toBeGreaterThan(10)
    const document = JSON.parse(await (await page.request.get(`${portal.url}/api/v1/openapi.json`)).text())
    const operations = Object.values(document.paths as Record<string, object>).reduce((n, methods) => n + Object.keys(methods).length, 0)
    expect(await page.locator('.opblock').count()).toBe(operations)
    expect(await page.locator('.opblock-summary-path').allTextContents()).toContain('/api/v1/mailboxes/{address}')

    const folder = join('test-results', 'screenshots', 'api-reference')
    mkdirSync(folder, { recursive: true })
    await page.screenshot({ path: join(folder, '01-reference.png'), fullPage: false })
    expect(refused).toEqual([])
    expect(elsewhere).toEqual([])
  })
})
