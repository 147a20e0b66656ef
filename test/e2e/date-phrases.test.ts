import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { hashPassword } from '../../src/accounts/passwords'
import { accounts } from '../../src/accounts/schema'
import { FNOMCEO_DEMO } from '../../src/catalog/queries'
import { addDays, parseCalendarDate, type CalendarDate } from '../../src/core/calendar'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { browserAvailable, launchBrowser, screenshotter, startPortal, type RunningPortal } from './support/browser'

const [pglite] = testDatabases()

const MONTHS = {
  it: ['gennaio', 'febbraio', 'marzo', 'aprile', 'maggio', 'giugno', 'luglio', 'agosto', 'settembre', 'ottobre', 'novembre', 'dicembre'],
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
}

function everyDayOf(year: number): CalendarDate[] {
  const days: CalendarDate[] = []
  for (let d = parseCalendarDate(`${year}-01-01`); d.startsWith(String(year)); d = addDays(d, 1)) days.push(d)
  return days
}

/** The date as a reader expects it after "Scaduta" / "rinnovabile", written out here by hand, not by the helper under test. */
function expected(date: CalendarDate, lang: 'it' | 'en', role: 'on' | 'until'): string {
  const [year, month, day] = date.split('-').map(Number)
  if (lang === 'en') return `${role} ${day} ${MONTHS.en[month - 1]} ${year}`
  const elided = day === 8 || day === 11 // otto, undici
  const article = role === 'on' ? (elided ? 'l’' : 'il ') : elided ? 'fino all’' : 'fino al '
  return `${article}${day === 1 ? '1º' : day} ${MONTHS.it[month - 1]} ${year}`
}

// Issue 14: the Italian elision ("l’11", "fino all’8", "il 1º") as a holder reads it in the
// browser, over every day of a year, in Italian and English: one mailbox per day on one list.
describe.skipIf(!browserAvailable())('in Chromium: every date of a year in a sentence', { timeout: 300_000 }, () => {
  let t: TestDatabase | undefined
  let portal: RunningPortal | undefined
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined
  afterEach(async () => {
    await browser?.close()
    await portal?.close()
    await t?.close()
    browser = portal = t = undefined
  })

  it('"Scaduta l’11 dicembre" for every day of 2027 and "rinnovabile fino all’8 …" for every day of 2028, in both languages', async () => {
    t = await pglite[1]()
    const db = t.database.db
    // a window of 400 days keeps a year of expired and deactivated mailboxes renewable on 1 January 2028
    await seedConvention(db, { ...FNOMCEO_DEMO, convention: { ...FNOMCEO_DEMO.convention, renewableWindowDays: 400 } })
    const today = '2028-01-01'
    const expiredDays = everyDayOf(2027) // still active, past expiry: "Scaduta il …"
    const untilDays = everyDayOf(2028) // deactivated: "rinnovabile fino al …" (expiry + 400 days)
    for (const day of expiredDays) await seedMailbox(db, { accountId: 'FNOM000201', address: `scaduta-${day}@pec.example.it`, expiresOn: day })
    for (const day of untilDays) {
      const expiresOn = addDays(day, -400)
      await seedMailbox(db, { accountId: 'FNOM000202', address: `disattivata-${day}@pec.example.it`, expiresOn, status: 'deactivated', deactivatedOn: addDays(expiresOn, 1) })
    }
    const password = await hashPassword('password-del-medico')
    await db.update(accounts).set({ passwordHash: password }).where(eq(accounts.id, 'FNOM000201'))
    await db.update(accounts).set({ passwordHash: password }).where(eq(accounts.id, 'FNOM000202'))
    portal = await startPortal(t.database, clockOn(today))
    browser = await launchBrowser()
    const { page, context } = browser
    page.setDefaultTimeout(30_000)
    const shot = screenshotter(page, 'date-phrases')

    /** Each card's address and its urgency line, read from the page. */
    const cards = () =>
      page.locator('li.card').evaluateAll((items) =>
        items.map((li) => ({ address: li.querySelector('h2')?.textContent?.trim() ?? '', urgency: li.querySelector('.urgency')?.textContent?.trim() ?? '' })),
      )
    const check = async (lang: 'it' | 'en', prefix: string, days: CalendarDate[], role: 'on' | 'until') => {
      await page.goto(`${portal!.url}/caselle?lang=${lang}`)
      const shown = new Map((await cards()).map((c) => [/^[a-z]+-(\d{4}-\d{2}-\d{2})@/.exec(c.address.replace(/\s/g, ''))?.[1], c.urgency]))
      expect(shown.size).toBe(days.length)
      for (const day of days) {
        const urgency = shown.get(day)
        const start = role === 'on' ? (lang === 'it' ? 'Scaduta ' : 'Expired ') : lang === 'it' ? 'Disattivata: rinnovabile ' : 'Deactivated: renewable '
        expect(urgency, `${prefix} ${day} ${lang}`).toMatch(new RegExp(`^${start}${expected(day, lang, role)}[:( ]`))
      }
      if (lang === 'it') expect([...shown.values()].join('\n')).not.toMatch(/\b(il|al|dal|del|entro il) (8|11) /)
    }
    const signIn = async (accountId: string) => {
      await context.clearCookies()
      await page.goto(`${portal!.url}/rinnova?lang=it`)
      await page.getByLabel('Codice cliente o casella PEC').fill(accountId)
      await page.getByLabel('Password', { exact: true }).fill('password-del-medico')
      await page.getByRole('button', { name: 'Accedi' }).click()
      await page.waitForURL(/\/caselle$/)
    }

    await signIn('FNOM000201')
    await check('it', 'scaduta', expiredDays, 'on')
    await check('en', 'scaduta', expiredDays, 'on')
    await signIn('FNOM000202')
    await check('en', 'disattivata', untilDays, 'until')
    await check('it', 'disattivata', untilDays, 'until')
    await shot('a-year-of-deactivated-mailboxes')
  })
})
