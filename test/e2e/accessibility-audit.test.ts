import { afterEach, describe, expect, it } from 'vitest'
import { accessibilityViolations, browserAvailable, launchBrowser } from './support/browser'

// Every browser story audits each page it screenshots (screenshotter). This proves the audit bites.
describe.skipIf(!browserAvailable())('in Chromium: the accessibility audit', { timeout: 60_000 }, () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>>
  afterEach(async () => browser?.close())

  it('reports a field without a label, an image without text, a missing lang and low contrast', async () => {
    browser = await launchBrowser()
    const { page } = browser
    await page.setContent(`<html><head><title>x</title></head><body><main>
      <form><input type="text" name="cf"></form>
      <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
      <p style="color:#bbb;background:#fff">testo poco leggibile</p></main></body></html>`)
    const violations = await accessibilityViolations(page)
    for (const rule of ['label', 'image-alt', 'html-has-lang', 'color-contrast']) {
      expect(violations.some((line) => line.includes(` ${rule}:`)), `${rule} in\n${violations.join('\n')}`).toBe(true)
    }

    await page.setContent(`<html lang="it"><head><title>x</title></head><body><main>
      <form><label for="cf">Codice fiscale</label><input id="cf" type="text" name="cf"></form></main></body></html>`)
    expect(await accessibilityViolations(page)).toEqual([])
  })
})
