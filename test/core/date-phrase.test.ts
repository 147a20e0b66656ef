import { describe, expect, it } from 'vitest'
import { addDays, formatDate, parseCalendarDate, type CalendarDate } from '../../src/core/calendar'
import { datePhrase, type DateRole } from '../../src/core/date-phrase'

const day = parseCalendarDate
const ROLES: DateRole[] = ['the', 'on', 'until', 'by', 'from', 'since', 'of', 'to']

// What an Italian reader expects before each day of the month: the article elides before otto
// and undici, the first of the month is "1º" (primo) and keeps "il".
const ITALIAN_PLAIN: Record<DateRole, string> = { the: 'il ', on: 'il ', until: 'fino al ', by: 'entro il ', from: 'dal ', since: 'dal ', of: 'del ', to: 'al ' }
const ITALIAN_ELIDED: Record<DateRole, string> = { the: 'l’', on: 'l’', until: 'fino all’', by: 'entro l’', from: 'dall’', since: 'dall’', of: 'dell’', to: 'all’' }
const ENGLISH: Record<DateRole, string> = { the: '', on: 'on ', until: 'until ', by: 'by ', from: 'from ', since: 'since ', of: 'of ', to: 'to ' }

function everyDayOf(year: number): CalendarDate[] {
  const days: CalendarDate[] = []
  for (let d = day(`${year}-01-01`); d.startsWith(String(year)); d = addDays(d, 1)) days.push(d)
  return days
}

describe('datePhrase: the date as it sits in a sentence', () => {
  it.each([
    ['2026-12-11', 'on', 'l’11 dicembre 2026'],
    ['2026-12-11', 'until', 'fino all’11 dicembre 2026'],
    ['2026-12-08', 'by', 'entro l’8 dicembre 2026'],
    ['2027-01-11', 'from', 'dall’11 gennaio 2027'],
    ['2026-12-10', 'until', 'fino al 10 dicembre 2026'],
    ['2026-12-01', 'from', 'dal 1º dicembre 2026'],
    ['2026-12-18', 'of', 'del 18 dicembre 2026'],
    ['2026-08-08', 'to', 'all’8 agosto 2026'],
  ] as const)('Italian: %s (%s) reads "%s"', (date, role, text) => {
    expect(datePhrase(day(date), 'it', role)).toBe(text)
  })

  it.each([
    ['2026-12-11', 'on', 'on 11 December 2026'],
    ['2026-12-08', 'by', 'by 8 December 2026'],
    ['2026-12-01', 'until', 'until 1 December 2026'],
    ['2026-12-11', 'the', '11 December 2026'],
  ] as const)('English: %s (%s) reads "%s"', (date, role, text) => {
    expect(datePhrase(day(date), 'en', role)).toBe(text)
  })

  // Every day of a leap year and of a common one, every role, both languages.
  for (const year of [2027, 2028]) {
    it(`every day of ${year}, in Italian: elided before 8 and 11 only, 1º on the first`, () => {
      const days = everyDayOf(year)
      expect(days).toHaveLength(year === 2028 ? 366 : 365)
      for (const date of days) {
        const dayOfMonth = Number(date.slice(8))
        const bare = formatDate(date, 'it')
        expect(bare).toMatch(dayOfMonth === 1 ? /^1º [a-z]+ \d{4}$/ : new RegExp(`^${dayOfMonth} [a-z]+ \\d{4}$`))
        for (const role of ROLES) {
          const text = datePhrase(date, 'it', role)
          const article = dayOfMonth === 8 || dayOfMonth === 11 ? ITALIAN_ELIDED[role] : ITALIAN_PLAIN[role]
          expect(text, `${date} ${role}`).toBe(article + bare)
          expect(text).not.toMatch(/\b(il|al|dal|del) (8|11) /) // the mistakes the issue quotes
          expect(text).not.toMatch(/l’1º/)
        }
      }
    })

    it(`every day of ${year}, in English: the preposition and the date, no article`, () => {
      for (const date of everyDayOf(year)) {
        const bare = formatDate(date, 'en')
        expect(bare).toMatch(/^\d{1,2} [A-Z][a-z]+ \d{4}$/)
        for (const role of ROLES) expect(datePhrase(date, 'en', role)).toBe(ENGLISH[role] + bare)
      }
    })
  }
})
