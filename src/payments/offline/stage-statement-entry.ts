import { createHash } from 'node:crypto'
import { formatOrderId, parseOrderId } from '../../core/order-id'
import { encodeImportReason, type ImportReason } from '../imports/import-reason'
import type { StagedEntry } from '../imports/staged-entry'
import { MAX_PAYMENT_CENTS } from '../incoming-payment'
import { findOrderReference, type OrderReference } from './order-reference'
import type { StatementEntry } from './statement-entry'

/** Bank transfers (bonifici) are registered under this method. */
export const BANK_TRANSFER = 'bonifico' as const

/**
 * Issue 4: a bank statement's entry as it is stored before settling. Only booked credit entries in
 * euro count. Each finds its order ID in the remittance text (R3: check digits; a probable typo is
 * reported with its candidate and never matched). It is stored under a key that depends only on
 * the bank movement (R8, see paymentReference); a DBIT reversal keeps what finding its original needs.
 * `occurrences` numbers identical movements without a bank reference within one file.
 */
export function stageStatementEntry(entry: StatementEntry, occurrences: Map<string, number>): StagedEntry {
  const shown = { entryRef: entry.entryRef, amountCents: entry.amountCents }
  const ignored = ignoredReason(entry)
  if (ignored) return { kind: 'ignored', ...shown, note: ignored }
  const key = paymentReference(entry, occurrences)
  const reference = findOrderReference(entry.remittanceText)
  const orderRef = quotedOrderRef(entry, reference)
  const orderId = reference.kind === 'match' ? reference.orderId : null
  if (entry.reversal) {
    return {
      kind: 'reversal',
      ...shown,
      method: BANK_TRANSFER,
      reference: `${key}/reversal`,
      orderRef,
      orderId,
      facts: {
        // what finds the original (findReversalOriginal), and what the reversal keeps as its raw facts
        search: { account: entry.account, sameReference: entry.bankRef ? key : undefined, endToEndId: entry.endToEndId || undefined },
        raw: { account: entry.account, entryRef: entry.entryRef, bookingDate: entry.bookingDate, remittanceText: entry.remittanceText },
      },
    }
  }
  return {
    kind: 'payment',
    ...shown,
    method: BANK_TRANSFER,
    reference: key,
    orderRef,
    orderId,
    note: unknownReason(reference),
    facts: {
      account: entry.account,
      entryRef: entry.entryRef,
      bookingDate: entry.bookingDate,
      valueDate: entry.valueDate,
      remittanceText: entry.remittanceText,
      // one shape for every entry; what is undefined is left out of the stored JSON
      debtorName: entry.debtorName || undefined,
      debtorIban: entry.debtorIban || undefined,
      endToEndId: entry.endToEndId || undefined,
      typoCandidate: reference.kind === 'typo' ? reference.candidate : undefined,
      quoted: reference.kind === 'typo' ? reference.quoted : undefined,
      orderIds: reference.kind === 'ambiguous' ? reference.orderIds : undefined,
    },
  }
}

/** Why an entry does not count as money received for an order; null when it does. */
function ignoredReason(entry: StatementEntry): string | null {
  const reason = ignoredBecause(entry)
  return reason && encodeImportReason(reason)
}

function ignoredBecause(entry: StatementEntry): ImportReason | null {
  if (entry.status !== 'BOOK') return { code: 'not_booked', detail: entry.status || 'none' } // pending, information only
  if (entry.currency !== 'EUR') return { code: 'currency', detail: entry.currency || 'none' }
  if (entry.amountCents <= 0) return { code: 'no_amount' }
  // ISO 20022: a CRDT reversal undoes a debit, and debits are not ours to register
  if (entry.reversal && entry.creditDebit === 'CRDT') return { code: 'reversal_of_debit' }
  if (!entry.reversal && entry.creditDebit === 'DBIT') return { code: 'debit' }
  if (entry.amountCents > MAX_PAYMENT_CENTS) return { code: 'amount_too_large' } // no renewal costs that: an operator looks
  return null
}

/**
 * R8: the key a bank movement is stored under, the same in every statement that lists it: the
 * account and the bank's own reference; without one, a digest of what the movement says, numbered
 * when the same movement occurs twice in one file (two identical transfers on one day are two).
 */
export function paymentReference(entry: StatementEntry, occurrences: Map<string, number> = new Map()): string {
  if (entry.bankRef) return `${entry.account}/${entry.bankRef}`
  const digest = createHash('sha256')
    .update(
      JSON.stringify([entry.account, entry.bookingDate, entry.valueDate, entry.amountCents, entry.creditDebit, entry.reversal, entry.remittanceText, entry.debtorName ?? null, entry.endToEndId ?? null]),
    )
    .digest('hex')
    .slice(0, 32)
  const n = (occurrences.get(digest) ?? 0) + 1
  occurrences.set(digest, n)
  return `${entry.account}/#${digest}-${n}`
}

/** The order reference registration reads: the matched ID, or the text marked so it can never parse as one. */
function quotedOrderRef(entry: StatementEntry, reference: OrderReference): string {
  if (reference.kind === 'match') return reference.orderId
  const text = entry.remittanceText.slice(0, 500)
  return parseOrderId(text) === null ? text : `?${text}` // R3: a typo is never matched automatically
}

/** What the operator reads when no order matches the entry. */
function unknownReason(reference: OrderReference): string {
  return encodeImportReason(unknownOrderReason(reference))
}

/** Why no order matched, from what the remittance text or causale named (slips read it too). */
export function unknownOrderReason(reference: OrderReference): ImportReason {
  switch (reference.kind) {
    case 'match':
      return { code: 'unknown_order', detail: formatOrderId(reference.orderId) }
    case 'typo':
      return { code: 'probable_typo', detail: formatOrderId(reference.candidate) }
    case 'ambiguous':
      return { code: 'several_order_ids', detail: reference.orderIds.map(formatOrderId).join(',') }
    case 'none':
      return { code: 'no_order_id' }
  }
}
