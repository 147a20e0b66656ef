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

/** Per time zone, the last business date asked for and the instants it spans: [fromMs, toMs). */
const lastBusinessDay = new Map<string, { date: CalendarDate; fromMs: number; toMs: number }>()

/**
 * R1: "today" is the instant seen on a wall clock in the business time zone. Every request asks
 * it (a polyfilled Temporal conversion, tens of microseconds): the day's span is kept, DST included,
 * and an instant inside it is answered without converting.
 */
export function businessDate(instant: Date, timeZone = BUSINESS_TIME_ZONE): CalendarDate {
  const ms = instant.getTime()
  const last = lastBusinessDay.get(timeZone)
  if (last && ms >= last.fromMs && ms < last.toMs) return last.date
  const day = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone).toPlainDate()
  const fromMs = day.toZonedDateTime({ timeZone }).epochMilliseconds
  const toMs = day.add({ days: 1 }).toZonedDateTime({ timeZone }).epochMilliseconds
  const date = day.toString() as CalendarDate
  lastBusinessDay.set(timeZone, { date, fromMs, toMs })
  return date
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
  return (epochDay(to) - epochDay(from)) / DAY_MS
}

const DAY_MS = 86_400_000

/** A calendar date's midnight in UTC, in ms: days between two are exact (UTC has no DST), with no Temporal object made per call. */
function epochDay(date: CalendarDate): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)))
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
  const key = `${language}${date}`
  let text = formatted.get(key)
  if (text === undefined) {
    if (formatted.size >= 4096) formatted.clear()
    formatted.set(key, (text = formatDateNow(date, language)))
  }
  return text
}

// Intl formats a date in microseconds, and a page shows the same few dates to every holder: each is formatted once.
const formatted = new Map<string, string>()

function formatDateNow(date: CalendarDate, language: 'it' | 'en'): string {
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
