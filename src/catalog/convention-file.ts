import { parse as parseYaml } from 'yaml'
import { isCalendarDate, type CalendarDate } from '../core/calendar'
import { DomainError } from '../core/errors'
import type { ConventionSettings, PriceEntry } from './rules'
import type { ConventionInput, ConventionView, WantedPrice } from './set-convention'

// The convention file `pec-renewal convention set FILE` reads and `convention show --json` prints
// (docs/conventions.md): JSON, or YAML (a file ending .yaml/.yml, or any text not starting with "{").
// Translated here, at the border, into the settings and prices the rules check.

/** One price of a duration as the file writes it: euro cents, VAT in per cent, the first day (optional). */
export interface FilePrice {
  netCents: number
  vatPercent: number
  from?: string
}

export interface ConventionFile {
  code: string
  name: string
  payer?: string
  durations: Array<{ years: number; prices?: FilePrice[] } & Partial<FilePrice>>
  reminderOffsetsDays?: number[]
  registerWarningDays?: number
  renewableWindowDays?: number
  lateRenewalFrom?: string
  deactivationMode?: string
}

/** DESIGN R2, R6, R7: what a file that leaves a setting out gets. */
export const CONVENTION_DEFAULTS = {
  payer: 'member',
  reminderOffsetsDays: [60, 30, 15, 7, 1],
  registerWarningDays: 30,
  renewableWindowDays: 90,
  lateRenewalFrom: 'expiry',
  deactivationMode: 'off',
} as const

/** Reads a convention file's text; a malformed one is invalid_input naming the field. */
export function parseConventionFile(text: string, fileName = ''): ConventionInput {
  const yaml = /\.ya?ml$/i.test(fileName) || !text.trimStart().startsWith('{')
  let raw: unknown
  try {
    raw = yaml ? parseYaml(text) : JSON.parse(text)
  } catch (error) {
    throw new DomainError('invalid_input', `${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message.split('\n')[0]}`)
  }
  return conventionInputOf(raw)
}

export function conventionInputOf(raw: unknown): ConventionInput {
  const file = record(raw, 'file')
  const durations = list(file.durations, 'durations')
  const prices: WantedPrice[] = []
  const years: number[] = []
  durations.forEach((entry, i) => {
    const duration = record(entry, `durations[${i}]`)
    const y = integer(duration.years, `durations[${i}].years`)
    if (!years.includes(y)) years.push(y)
    const entries = duration.prices === undefined ? [duration] : list(duration.prices, `durations[${i}].prices`)
    entries.forEach((p, j) => prices.push(wantedPrice(y, record(p, `durations[${i}].prices[${j}]`), `durations[${i}]${duration.prices === undefined ? '' : `.prices[${j}]`}`)))
  })
  const settings: ConventionSettings = {
    code: string(file.code, 'code'),
    name: string(file.name, 'name'),
    payer: string(file.payer ?? CONVENTION_DEFAULTS.payer, 'payer') as ConventionSettings['payer'],
    durationsYears: years,
    reminderOffsetsDays: list(file.reminderOffsetsDays ?? [...CONVENTION_DEFAULTS.reminderOffsetsDays], 'reminderOffsetsDays').map((d, i) => integer(d, `reminderOffsetsDays[${i}]`)),
    registerWarningDays: integer(file.registerWarningDays ?? CONVENTION_DEFAULTS.registerWarningDays, 'registerWarningDays'),
    renewableWindowDays: integer(file.renewableWindowDays ?? CONVENTION_DEFAULTS.renewableWindowDays, 'renewableWindowDays'),
    lateRenewalFrom: string(file.lateRenewalFrom ?? CONVENTION_DEFAULTS.lateRenewalFrom, 'lateRenewalFrom') as ConventionSettings['lateRenewalFrom'],
    deactivationMode: string(file.deactivationMode ?? CONVENTION_DEFAULTS.deactivationMode, 'deactivationMode') as ConventionSettings['deactivationMode'],
  }
  const known = new Set(['code', 'name', 'payer', 'durations', 'reminderOffsetsDays', 'registerWarningDays', 'renewableWindowDays', 'lateRenewalFrom', 'deactivationMode'])
  const unknown = Object.keys(file).find((key) => !known.has(key))
  if (unknown) throw new DomainError('invalid_input', `unknown field: ${unknown}`)
  return { settings, prices }
}

function wantedPrice(years: number, p: Record<string, unknown>, where: string): WantedPrice {
  const netCents = integer(p.netCents, `${where}.netCents`)
  const vat = p.vatPercent
  if (typeof vat !== 'number' || !Number.isFinite(vat) || Math.round(vat * 100) !== Number((vat * 100).toFixed(6))) throw new DomainError('invalid_input', `${where}.vatPercent`)
  const price: WantedPrice = { years, netCents, vatBasisPoints: Math.round(vat * 100) }
  if (p.from !== undefined) {
    // YAML reads an unquoted 2027-01-01 as a date: take its day as written
    const from = p.from instanceof Date ? p.from.toISOString().slice(0, 10) : p.from
    if (typeof from !== 'string' || !isCalendarDate(from)) throw new DomainError('invalid_input', `${where}.from`)
    price.effectiveFrom = from as CalendarDate
  }
  return price
}

/**
 * The file that sets the convention as it is: `convention show --json` prints it, `convention set`
 * reads it back unchanged. Prices of durations no longer offered stay stored, outside the file.
 */
export function conventionFileOf(view: ConventionView): ConventionFile {
  const { prices, durationsYears, ...settings } = view
  const pricesOf = (years: number) => prices.filter((p) => p.years === years).map(filePrice)
  return {
    code: settings.code,
    name: settings.name,
    payer: settings.payer,
    durations: durationsYears.map((years) => ({ years, prices: pricesOf(years) })),
    reminderOffsetsDays: settings.reminderOffsetsDays,
    registerWarningDays: settings.registerWarningDays,
    renewableWindowDays: settings.renewableWindowDays,
    lateRenewalFrom: settings.lateRenewalFrom,
    deactivationMode: settings.deactivationMode,
  }
}

function filePrice(p: PriceEntry): FilePrice {
  return { netCents: p.netCents, vatPercent: p.vatBasisPoints / 100, from: p.effectiveFrom }
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new DomainError('invalid_input', `${field}: expected an object`)
  return value as Record<string, unknown>
}

function list(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new DomainError('invalid_input', `${field}: expected a list`)
  return value
}

function integer(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new DomainError('invalid_input', `${field}: expected a whole number`)
  return value
}

function string(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new DomainError('invalid_input', `${field}: expected a text`)
  return value
}
