import { compareDates, type CalendarDate } from '../core/calendar'
import type { ErrorCode } from '../core/error-codes'

// A convention's settings as plain values, and the rules a change must keep (issue 11): no clock,
// no database. The use cases (set-convention.ts, add-contract-version.ts) load, call these, write.

export const PAYERS = ['member', 'order'] as const
export const LATE_RENEWAL_FROM = ['expiry', 'payment'] as const
export const DEACTIVATION_MODES = ['off', 'receive-only'] as const

/** Everything about a convention but its price list. */
export interface ConventionSettings {
  code: string
  name: string
  payer: (typeof PAYERS)[number]
  durationsYears: number[]
  /** R2: days before the expiry, the furthest first. */
  reminderOffsetsDays: number[]
  /** R7: reminders at or under this offset carry the public-register warning. */
  registerWarningDays: number
  /** R6: days after the expiry a deactivated mailbox can still be renewed. */
  renewableWindowDays: number
  lateRenewalFrom: (typeof LATE_RENEWAL_FROM)[number]
  deactivationMode: (typeof DEACTIVATION_MODES)[number]
}

/** One row of a price list: the price of `years` for orders placed from effectiveFrom on. */
export interface PriceEntry {
  years: number
  netCents: number
  vatBasisPoints: number
  effectiveFrom: CalendarDate
}

export interface SettingsRefusal {
  code: ErrorCode
  detail: string
}

export const MAX_DURATION_YEARS = 10
export const MAX_OFFSET_DAYS = 365
const MAX_PRICE_CENTS = 100_000_00

/**
 * Issue 11/R3: the price of `years` in force on `day`: the latest entry effective on or before it.
 * An order is priced on the day it is placed, and keeps that price.
 */
export function priceInForce<P extends PriceEntry>(prices: readonly P[], years: number, day: CalendarDate): P | undefined {
  let found: P | undefined
  for (const price of prices) {
    if (price.years !== years || compareDates(price.effectiveFrom, day) > 0) continue
    if (!found || compareDates(price.effectiveFrom, found.effectiveFrom) > 0) found = price
  }
  return found
}

/**
 * Issue 11: why these settings and price list would break a rule, or null when they keep them all:
 * durations of whole years offered once; R2 offsets descending (the furthest reminder first), within
 * a year; R6 a renewable window shorter than the shortest duration (else a late renewal counted from
 * the expiry could buy a period already over); a price in force `today` for every duration offered.
 */
export function settingsRefusal(settings: ConventionSettings, prices: readonly PriceEntry[], today: CalendarDate): SettingsRefusal | null {
  const { durationsYears: durations, reminderOffsetsDays: offsets } = settings
  if (!/^[A-Z0-9][A-Z0-9-]{1,31}$/.test(settings.code)) return { code: 'convention_code_invalid', detail: settings.code }
  if (!settings.name.trim() || settings.name.length > 200) return { code: 'convention_name_missing', detail: settings.name }
  if (!PAYERS.includes(settings.payer)) return { code: 'invalid_input', detail: `payer: ${settings.payer}` }
  if (!LATE_RENEWAL_FROM.includes(settings.lateRenewalFrom)) return { code: 'invalid_input', detail: `lateRenewalFrom: ${settings.lateRenewalFrom}` }
  if (!DEACTIVATION_MODES.includes(settings.deactivationMode)) return { code: 'invalid_input', detail: `deactivationMode: ${settings.deactivationMode}` }
  if (durations.length === 0 || new Set(durations).size !== durations.length || !durations.every((y) => isIntegerIn(y, 1, MAX_DURATION_YEARS))) {
    return { code: 'convention_durations_invalid', detail: durations.join(',') }
  }
  if (offsets.length === 0 || !offsets.every((d) => isIntegerIn(d, 0, MAX_OFFSET_DAYS))) return { code: 'reminder_offsets_invalid', detail: offsets.join(',') }
  if (offsets.some((d, i) => i > 0 && d >= offsets[i - 1])) return { code: 'reminder_offsets_not_descending', detail: offsets.join(',') }
  if (!isIntegerIn(settings.registerWarningDays, 0, MAX_OFFSET_DAYS)) return { code: 'register_warning_invalid', detail: String(settings.registerWarningDays) }
  const shortestDays = 365 * Math.min(...durations)
  if (!isIntegerIn(settings.renewableWindowDays, 0, shortestDays - 1)) {
    return { code: 'renewable_window_inconsistent', detail: `${settings.renewableWindowDays} (< ${shortestDays})` }
  }
  for (const price of prices) {
    if (!isIntegerIn(price.years, 1, MAX_DURATION_YEARS) || !isIntegerIn(price.netCents, 1, MAX_PRICE_CENTS) || !isIntegerIn(price.vatBasisPoints, 0, 10_000)) {
      return { code: 'price_invalid', detail: `${price.years}: ${price.netCents} ${price.vatBasisPoints}` }
    }
  }
  const unpriced = durations.find((years) => !priceInForce(prices, years, today))
  if (unpriced !== undefined) return { code: 'duration_without_price', detail: String(unpriced) }
  return null
}

/**
 * Issue 11: why adding or changing this price row would rewrite what orders were priced with, or
 * null. A new price applies from today or later; a price already in force is never changed (a new
 * one from a later day replaces it); a price still to come may be corrected before its day.
 */
export function priceChangeRefusal(stored: PriceEntry | undefined, wanted: PriceEntry, today: CalendarDate): SettingsRefusal | null {
  const detail = `${wanted.years}: ${wanted.effectiveFrom}`
  if (!stored) return compareDates(wanted.effectiveFrom, today) < 0 ? { code: 'price_date_past', detail } : null
  if (samePrice(stored, wanted)) return null
  return compareDates(stored.effectiveFrom, today) <= 0 ? { code: 'price_already_in_force', detail } : null
}

export function samePrice(a: PriceEntry, b: PriceEntry): boolean {
  return a.years === b.years && a.effectiveFrom === b.effectiveFrom && a.netCents === b.netCents && a.vatBasisPoints === b.vatBasisPoints
}

/** The settings that differ, as { field: { from, to } } (R9: what an audit row says changed). */
export function settingsChanges(stored: ConventionSettings | undefined, wanted: ConventionSettings): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {}
  for (const field of Object.keys(wanted) as Array<keyof ConventionSettings>) {
    const from = stored?.[field] ?? null
    if (JSON.stringify(from) !== JSON.stringify(wanted[field])) changes[field] = { from, to: wanted[field] }
  }
  return changes
}

/** Issue 11: a contract version's day: from today on, so what a past order accepted stays what was in force. */
export function contractVersionRefusal(effectiveFrom: CalendarDate, today: CalendarDate): SettingsRefusal | null {
  return compareDates(effectiveFrom, today) < 0 ? { code: 'contract_date_past', detail: effectiveFrom } : null
}

function isIntegerIn(n: number, min: number, max: number): boolean {
  return Number.isInteger(n) && n >= min && n <= max
}
