import type { OrderId } from '../../core/order-id'
import type { PaymentMethod } from '../../renewals/schema'
import type { EntryKind } from './schema'

/** An entry of an imported file as it is stored before settling (see statement_entries). */
export interface StagedEntry {
  kind: EntryKind
  entryRef: string
  amountCents: number
  /** The R8 key of a payment or a reversal. */
  method?: PaymentMethod
  reference?: string
  orderRef?: string
  orderId?: OrderId | null
  /** Why ignored; for a payment, what to report when no order matches. */
  note?: string | null
  facts?: unknown
}

/** What happened to one entry: registered (paid an order, or a reversal applied), held, duplicate (refund), ignored. */
export type EntryOutcome = 'registered' | 'held' | 'duplicate' | 'ignored'

/** An entry's result as its batch stored it: outcome, reason, order, payment. */
export type EntryResult = [outcome: EntryOutcome, reason: string | null, orderId: OrderId | null, paymentId: number | null]

export interface ImportedEntry {
  entryRef: string
  amountCents: number
  orderId: OrderId | null
  outcome: EntryOutcome
  reason: string | null
}

/** The JSON of `statements import --json`: keys exactly as issue 4 names them. */
export interface StatementImport {
  entries: number
  registered: number
  held: number
  duplicates: number
  ignored: number
  results: ImportedEntry[]
}
