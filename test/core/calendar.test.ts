import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { addDays, addYears, businessDate, daysBetween, formatInstant, instantAt, parseCalendarDate as day } from '../../src/core/calendar'
import { parseEuroAmount, priceWithVat } from '../../src/core/money'

const dates = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => day(d.toISOString().slice(0, 10)))

describe('R1: calendar', () => {
  it.each([
    ['2026-03-31', 1, '2027-03-31'],
    ['2028-02-29', 1, '2029-02-28'],
    ['2028-02-29', 4, '2032-02-29'],
    ['2026-03-29', 1, '2027-03-29'], // a DST day changes nothing
  ])('R1: %s + %i year(s) = %s', (from, years, to) => {
    expect(addYears(day(from), years)).toBe(to)
  })

  it.each([
    ['2026-03-28T23:30:00Z', '2026-03-29'], // 00:30 CET → already the 29th in Rome
    ['2026-03-29T21:59:59Z', '2026-03-29'], // 23:59:59 CEST
    ['2026-03-29T22:00:00Z', '2026-03-30'],
    ['2026-10-24T22:00:00Z', '2026-10-25'], // midnight CEST
    ['2026-10-25T22:59:59Z', '2026-10-25'], // 23:59:59 CET after the fall back
    ['2026-10-25T23:00:00Z', '2026-10-26'],
  ])('R1: the instant %s is %s in Europe/Rome', (instant, date) => {
    expect(businessDate(new Date(instant))).toBe(date)
  })

  it('R1: the business date of consecutive instants across midnights and DST changes, asked in a row (the day kept between calls)', () => {
    // every 7 minutes over the spring-forward and fall-back weekends, both ways: each answer as Temporal gives it
    for (const [from, to] of [['2026-03-27T20:00:00Z', '2026-03-31T02:00:00Z'], ['2026-10-23T20:00:00Z', '2026-10-27T02:00:00Z']]) {
      const instants: number[] = []
      for (let ms = Date.parse(from); ms < Date.parse(to); ms += 7 * 60_000) instants.push(ms)
      for (const ms of [...instants, ...instants.reverse()]) {
        const expected = new Date(ms + (businessOffsetMinutes(ms) * 60_000)).toISOString().slice(0, 10)
        expect(businessDate(new Date(ms)), new Date(ms).toISOString()).toBe(expected)
      }
    }
    expect(businessDate(new Date('2026-06-01T10:00:00Z'), 'America/New_York')).toBe('2026-06-01')
    expect(businessDate(new Date('2026-06-01T02:00:00Z'), 'America/New_York')).toBe('2026-05-31') // another zone's day is its own
    expect(businessDate(new Date('2026-06-01T02:00:00Z'))).toBe('2026-06-01')
  })

  it.each([
    ['2026-03-29T00:59:59Z', '29/03/2026, 01:59:59'], // CET, a second before the clocks go forward
    ['2026-03-29T01:00:00Z', '29/03/2026, 03:00:00'], // CEST
    ['2026-12-31T23:30:00Z', '01/01/2027, 00:30:00'], // already next year in Rome
  ])('R1: an operator reads the instant %s as %s, Rome time', (instant, text) => {
    expect(formatInstant(new Date(instant), 'it')).toBe(text)
    expect(formatInstant(new Date(instant), 'en')).toBe(text)
  })

  it('R1: adding and removing days is an identity, and counts whole days across DST', () => {
    fc.assert(
      fc.property(dates, fc.integer({ min: -2000, max: 2000 }), (d, n) => {
        expect(addDays(addDays(d, n), -n)).toBe(d)
        expect(daysBetween(d, addDays(d, n))).toBe(n)
      }),
    )
  })

  it('R1: a year later is the same day, or 28 February for 29 February', () => {
    fc.assert(
      fc.property(dates, fc.integer({ min: 1, max: 5 }), (d, years) => {
        const later = addYears(d, years)
        expect(Number(later.slice(0, 4))).toBe(Number(d.slice(0, 4)) + years)
        if (d.endsWith('-02-29') && !later.endsWith('-02-29')) expect(later.slice(5)).toBe('02-28')
        else expect(later.slice(5)).toBe(d.slice(5))
      }),
    )
  })

  it('R1: the instant of a wall-clock time lies on that business date', () => {
    fc.assert(
      fc.property(dates, fc.constantFrom('00:00', '00:30', '02:30', '12:00', '23:59'), (d, time) => {
        expect(businessDate(instantAt(d, time))).toBe(d)
      }),
    )
  })

  it('rejects impossible dates', () => {
    expect(() => day('2026-02-29')).toThrow(/not a calendar date/)
    expect(() => day('27/11/2026')).toThrow(/YYYY-MM-DD/)
  })
})

describe('money in cents', () => {
  it.each([
    [1000, { netCents: 1000, vatCents: 220, totalCents: 1220 }],
    [1, { netCents: 1, vatCents: 0, totalCents: 1 }],
    [3, { netCents: 3, vatCents: 1, totalCents: 4 }], // 0.66 rounds up
  ])('VAT 22 %% on %i cents', (net, expected) => {
    expect(priceWithVat(net)).toEqual(expected)
  })

  it.each([
    ['12.20', 1220],
    ['12,2', 1220],
    ['12', 1200],
    [' 0.05 ', 5],
  ])('parses %s as %i cents', (text, cents) => {
    expect(parseEuroAmount(text)).toBe(cents)
  })

  it.each(['12.205', '-1', '1e3', '', 'abc'])('refuses %j', (text) => {
    expect(() => parseEuroAmount(text)).toThrow(/amount/)
  })
})

/** Rome's offset from UTC at an instant, in minutes, read from Intl (independent of the code under test). */
const ROME_OFFSET = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Rome', timeZoneName: 'shortOffset' })
function businessOffsetMinutes(ms: number): number {
  const name = ROME_OFFSET.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')!.value
  return Number(/GMT\+(\d+)/.exec(name)![1]) * 60
}
