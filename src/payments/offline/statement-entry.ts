import type { CalendarDate } from '../../core/calendar'

// The normalized bank movement both statement formats are translated into, at the border (STYLE §8).

export type StatementFormat = 'camt053' | 'cbi-rh'

export type EntryStatus = 'BOOK' | 'PDNG' | 'INFO' | 'FUTR' | (string & {})

export interface StatementEntry {
  /** Shown to the operator: the bank's reference, or statement + position when the bank gives none. */
  entryRef: string
  /** The account the statement is for: an IBAN when known. */
  account: string
  bookingDate: CalendarDate | null
  valueDate: CalendarDate | null
  currency: string
  /** Always positive; creditDebit says which way the money went. */
  amountCents: number
  creditDebit: 'CRDT' | 'DBIT'
  status: EntryStatus
  /** ISO 20022 RvslInd: this entry reverses an earlier one (a DBIT reversal undoes a credit). */
  reversal: boolean
  /** Every piece of free or structured remittance information, joined with spaces. */
  remittanceText: string
  debtorName?: string
  /** The payer's IBAN (camt.053 RltdPties/DbtrAcct), compact and upper case, when the bank gives it. */
  debtorIban?: string
  /** The account servicer's unique reference (AcctSvcrRef, NtryRef, CBI riferimento banca); null when none. */
  bankRef: string | null
  /** The payer's end-to-end reference, when given (never "NOTPROVIDED"). */
  endToEndId?: string
}

export type StatementErrorCode =
  | 'unknown_format'
  | 'doctype_refused'
  | 'encoding'
  | 'malformed'
  | 'truncated'
  | 'not_a_statement'
  | 'too_large_node'
  | 'field_too_long'
  | 'too_many_elements'

/** Where a file exceeds a limit, for the operator's message: the element (or record), its line, the limit. */
export type LimitFacts = {
  element: string
  line: number
  limit: number
}

/** A statement file the importer refuses as a whole, before anything is registered. */
export class StatementError extends Error {
  constructor(
    readonly code: StatementErrorCode,
    message: string,
    readonly facts?: LimitFacts,
  ) {
    super(`${code}: ${message}`)
    this.name = 'StatementError'
  }
}

/**
 * What both parsers guarantee of every entry they yield, in characters, whatever the file: each
 * text they read is refused past its schema limit and repeated parts are capped, so what an import
 * stores of an entry (payments.raw, the payment's order reference) stays small by construction.
 */
export const ENTRY_TEXT_LIMITS = {
  entryRef: 80,
  account: 34,
  remittanceText: 5_000,
  debtorName: 140,
  debtorIban: 34,
  bankRef: 35,
  endToEndId: 104, // a CBI ID1 record's text; camt.053's EndToEndId is Max35Text
} as const

/** "12.20" → 1220. Exact: never a float. More than two decimals must be zeros. */
export function decimalToCents(text: string): number | null {
  const match = /^(\d{1,13})(?:[.,](\d+))?$/.exec(text.trim())
  if (!match) return null
  const fraction = match[2] ?? ''
  if (/[1-9]/.test(fraction.slice(2))) return null
  return Number(match[1]) * 100 + Number(fraction.slice(0, 2).padEnd(2, '0'))
}

/**
 * The text as a string of its own. A parser's fields are slices of the chunk it read, and a kept
 * slice keeps the whole chunk alive: an import holding 100,000 entry references would hold the file.
 */
export function detached(text: string): string {
  return text.length < 13 ? text : (' ' + text).slice(1) // V8 copies slices shorter than 13 characters anyway
}
