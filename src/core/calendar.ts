import { Temporal } from 'temporal-polyfill'

/** R1: a business date, 'YYYY-MM-DD', meant in Europe/Rome. Never a timestamp. */
export type CalendarDate = string & { readonly __calendarDate: unique symbol }

export const BUSINESS_TIME_ZONE = 'Europe/Rome'

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/

/** Parses a 'YYYY-MM-DD' string, rejecting impossible dates such as 2026-02-30. */
export function parseCalendarDate(text: string): CalendarDate {
  if (!ISO_DATE.test(text)) throw new RangeError(`expected a date as YYYY-MM-DD, got "${text}"`)
  try {
    return Temporal.PlainDate.from(text, { overflow: 'reject' }).toString() as CalendarDate
  } catch {
    throw new RangeError(`"${text}" is not a calendar date`)
  }
}

export function isCalendarDate(text: string): text is CalendarDate {
  try {
    parseCalendarDate(text)
    return true
  } catch {
    return false
  }
}

/** R1: "today" is the instant seen on a wall clock in the business time zone. */
export function businessDate(instant: Date, timeZone = BUSINESS_TIME_ZONE): CalendarDate {
  return Temporal.Instant.fromEpochMilliseconds(instant.getTime())
    .toZonedDateTimeISO(timeZone)
    .toPlainDate()
    .toString() as CalendarDate
}

// Temporal (a polyfill) takes microseconds a call, and a statement import or a daily run asks about
// the same few hundred dates thousands of times: each answer is computed once (the functions are pure).
const known = new Map<string, CalendarDate>()

function once(key: string, compute: () => CalendarDate): CalendarDate {
  let value = known.get(key)
  if (value === undefined) {
    if (known.size >= 4096) known.clear()
    value = compute()
    known.set(key, value)
  }
  return value
}

/** R1: calendar arithmetic, never milliseconds. */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  return once(`${date}+${days}d`, () => Temporal.PlainDate.from(date).add({ days }).toString() as CalendarDate)
}

/** R1: 29 February + 1 year = 28 February (the day is constrained to the month). */
export function addYears(date: CalendarDate, years: number): CalendarDate {
  return once(`${date}+${years}y`, () => Temporal.PlainDate.from(date).add({ years }, { overflow: 'constrain' }).toString() as CalendarDate)
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return Temporal.PlainDate.from(from).until(Temporal.PlainDate.from(to), { largestUnit: 'days' }).days
}

export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a < b ? -1 : a > b ? 1 : 0 // ISO strings order as dates
}

/** The instant at which a wall-clock time starts on a business date (DST gaps move forward). */
export function instantAt(date: CalendarDate, time: string, timeZone = BUSINESS_TIME_ZONE): Date {
  const zoned = Temporal.PlainDate.from(date).toZonedDateTime({ timeZone, plainTime: Temporal.PlainTime.from(time) })
  return new Date(zoned.epochMilliseconds)
}

// Building an Intl formatter costs far more than using one: one per language, made once.
const DATE_FORMATS = {
  it: new Intl.DateTimeFormat('it-IT', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
}

/**
 * 27 novembre 2026 or 27 November 2026, as the holder reads dates. Italian writes the first of
 * the month as an ordinal, 1º dicembre (read "primo"); `datePhrase` adds the article or preposition.
 */
export function formatDate(date: CalendarDate, language: 'it' | 'en'): string {
  const [year, month, day] = date.split('-').map(Number)
  const text = DATE_FORMATS[language].format(new Date(Date.UTC(year, month - 1, day))) // a calendar date: no zone shift
  return language === 'it' && day === 1 ? text.replace(/^1 /, '1º ') : text
}

const INSTANT_PARTS = { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: BUSINESS_TIME_ZONE } as const
const INSTANT_FORMATS = {
  it: new Intl.DateTimeFormat('it-IT', INSTANT_PARTS),
  en: new Intl.DateTimeFormat('en-GB', INSTANT_PARTS),
}

/** 27/11/2026, 14:35:02: an instant (an audit entry, an e-mail) on the Italian wall clock, for an operator. */
export function formatInstant(instant: Date, language: 'it' | 'en'): string {
  return INSTANT_FORMATS[language].format(instant)
}
