import type { ReversalOutcome, ReversalReason } from '../reversal-schema'

/**
 * Why an imported entry was held, kept as a duplicate or ignored, as a typed value. It is stored
 * (statement_batches.results) and printed by `--json` in one text form, `code` or `code:detail`,
 * written and read only here: the back office and the CLI describe the typed value.
 */
export type ImportReason =
  // from settlement (R4/R6): held or kept for refund
  | { code: 'amount_mismatch' | 'mailbox_ceased' | 'order_lapsed' | 'order_already_paid' | 'held' }
  // no order matched: detail is the order ID(s) quoted, formatted (a typo's candidate is never matched, R3)
  | { code: 'unknown_order' | 'probable_typo' | 'several_order_ids'; detail: string }
  | { code: 'no_order_id' | 'invalid_codice_cliente' }
  // ignored bank movements: detail is the status or currency the bank gave
  | { code: 'not_booked' | 'currency'; detail: string }
  | { code: 'no_amount' | 'debit' | 'reversal_of_debit' | 'amount_too_large' }
  // ignored slips
  | { code: 'unsupported_document_type' | 'zero_amount' | 'other_postal_account' }
  // R8: seen in an earlier import
  | { code: 'already_imported' }
  // a bank reversal (storno): what it did, or why an operator must look
  | { code: 'reversal'; detail: ReversalResult }

/** What a reversal did (unpaid, refund_cancelled, recorded), or why it is held (original_not_found when unmatched). */
export type ReversalResult = Exclude<ReversalOutcome, 'held' | 'unmatched'> | Exclude<ReversalReason, 'payment_not_found'> | 'original_not_found'

export type ImportReasonCode = ImportReason['code']

/** The stored and `--json` form: `code`, or `code:detail`. */
export function encodeImportReason(reason: ImportReason): string {
  return 'detail' in reason ? `${reason.code}:${reason.detail}` : reason.code
}

/**
 * The typed reason of a stored one. A code this version does not know (written by a newer one)
 * comes back as it is, so that it is shown rather than hidden.
 */
export function decodeImportReason(stored: string): { code: string; detail?: string } {
  const colon = stored.indexOf(':')
  return colon < 0 ? { code: stored } : { code: stored.slice(0, colon), detail: stored.slice(colon + 1) }
}
