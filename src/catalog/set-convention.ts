import { businessDate, type CalendarDate } from '../core/calendar'
import { DomainError } from '../core/errors'
import { audit, type Actor } from '../db/audit'
import type { Deps } from '../deps'
import * as queries from './queries'
import { priceChangeRefusal, priceInForce, samePrice, settingsChanges, settingsRefusal, type ConventionSettings, type PriceEntry } from './rules'

/** A price as a file or form gives it: without a day it means "the price in force from today". */
export interface WantedPrice {
  years: number
  netCents: number
  vatBasisPoints: number
  effectiveFrom?: CalendarDate
}

export interface ConventionInput {
  settings: ConventionSettings
  prices: WantedPrice[]
  /** The back office's "new convention" form: refused (convention_exists) when the code is taken. */
  mustBeNew?: boolean
}

export interface ConventionChangeBy {
  actor: Actor
  /** R9: why, kept in the audit row. */
  reason: string
}

export type ConventionSetting =
  | { kind: 'created' | 'updated'; code: string; changes: Record<string, { from: unknown; to: unknown }>; prices: PriceEntry[] }
  /** The convention already reads so: nothing written, nothing audited (a file set twice). */
  | { kind: 'unchanged'; code: string }

/**
 * Issue 11: creates or changes a convention and its price list, in one transaction with its audit
 * row (operator and reason). Refused with the rule's code when the result would break a rule
 * (catalog/rules.ts); idempotent: settings and prices already as wanted change nothing. Prices are
 * only ever added (history stays: orders were priced with it) or, before their day, corrected.
 */
export async function setConvention(deps: Deps, input: ConventionInput, by: ConventionChangeBy): Promise<ConventionSetting> {
  if (!by.reason.trim()) throw new DomainError('reason_required')
  const now = deps.clock.now()
  const today = businessDate(now, deps.config.businessTimeZone)
  const { settings } = input
  return deps.db.transaction(async (tx) => {
    const stored = await queries.lockConvention(tx, settings.code)
    if (stored && input.mustBeNew) throw new DomainError('convention_exists', settings.code)
    const storedPrices: PriceEntry[] = stored ? await queries.listPrices(tx, settings.code) : []
    const wanted = input.prices.map((price) => datedPrice(price, storedPrices, today))
    const added: PriceEntry[] = []
    const merged = [...storedPrices]
    for (const price of wanted) {
      const index = merged.findIndex((p) => p.years === price.years && p.effectiveFrom === price.effectiveFrom)
      const refusal = priceChangeRefusal(merged[index], price, today)
      if (refusal) throw new DomainError(refusal.code, refusal.detail)
      if (index >= 0 && samePrice(merged[index], price)) continue
      if (index >= 0) merged[index] = price
      else merged.push(price)
      added.push(price)
    }
    const refusal = settingsRefusal(settings, merged, today)
    if (refusal) throw new DomainError(refusal.code, refusal.detail)
    const changes = settingsChanges(stored && storedSettings(stored), settings)
    if (Object.keys(changes).length === 0 && added.length === 0) return { kind: 'unchanged' as const, code: settings.code }
    // two admins creating one code at once: the unique key lets one in, the other is told it exists
    if (!stored && input.mustBeNew && !(await queries.insertConvention(tx, settings))) throw new DomainError('convention_exists', settings.code)
    if (Object.keys(changes).length > 0) await queries.writeConventionSettings(tx, settings)
    for (const price of added) await queries.writePrice(tx, settings.code, price)
    const kind = stored ? ('updated' as const) : ('created' as const)
    await audit(tx, { actor: by.actor, action: `convention.${kind}`, at: now, reason: by.reason.trim(), data: { convention: settings.code, changes, prices: added } })
    return { kind, code: settings.code, changes, prices: added }
  })
}

/** A price with no day is the one wanted in force today: the current one when it already reads so, else a new one from today. */
function datedPrice(price: WantedPrice, stored: readonly PriceEntry[], today: CalendarDate): PriceEntry {
  const { years, netCents, vatBasisPoints } = price
  if (price.effectiveFrom) return { years, netCents, vatBasisPoints, effectiveFrom: price.effectiveFrom }
  const current = priceInForce(stored, years, today)
  if (current && current.netCents === netCents && current.vatBasisPoints === vatBasisPoints) return { years, netCents, vatBasisPoints, effectiveFrom: current.effectiveFrom }
  return { years, netCents, vatBasisPoints, effectiveFrom: today }
}

export function storedSettings(row: queries.Convention): ConventionSettings {
  return {
    code: row.code,
    name: row.name,
    payer: row.payer,
    durationsYears: row.durationsYears,
    reminderOffsetsDays: row.reminderOffsetsDays,
    registerWarningDays: row.registerWarningDays,
    renewableWindowDays: row.renewableWindowDays,
    lateRenewalFrom: row.lateRenewalFrom,
    deactivationMode: row.deactivationMode,
  }
}

/** What `convention show --json` prints and `convention set` reads back: settings and the whole price list. */
export interface ConventionView extends ConventionSettings {
  prices: PriceEntry[]
}

export async function showConvention(deps: Deps, code: string): Promise<ConventionView> {
  const row = await queries.findConvention(deps.db, code)
  if (!row) throw new DomainError('convention_not_found', code)
  const prices = await queries.listPrices(deps.db, code)
  return { ...storedSettings(row), prices: prices.map(({ years, netCents, vatBasisPoints, effectiveFrom }) => ({ years, netCents, vatBasisPoints, effectiveFrom })) }
}
