import { formatOrderId } from '../../core/order-id'
import type { Actor } from '../../db/audit'
import type { Deps } from '../../deps'
import type { EntryOutcome, ImportedEntry, StatementImport } from '../offline/import-statement'
import { findOrderReference } from '../offline/order-reference'
import { registerPayment, type PaymentRegistration } from '../register-payment'
import { orderIdFromCodiceCliente } from './codice-cliente'
import { checkPosteReport, readPosteReport, type PosteSlipRecord } from './poste-report'

/**
 * One slip of the report, in the shape `statements import` reports a bank entry (issue 4), plus
 * where the slip sits in Poste's file.
 */
export interface SlipResult extends ImportedEntry {
  /** The slip's stable reference: postal account, payment date, Poste's two sequence numbers. */
  entryRef: string
  line: number
  documentType: string
  paidOn: string
  /**
   * Why held, duplicate or ignored: amount_mismatch, mailbox_ceased, order_lapsed,
   * order_already_paid (from registerPayment); unknown_order:ID, invalid_codice_cliente,
   * no_order_id, probable_typo:ID (a candidate, never matched automatically), several_order_ids:ID,ID
   * (from the slip); unsupported_document_type, zero_amount, other_postal_account, and
   * already_imported (R8: seen in an earlier import). null when registered.
   */
  reason: string | null
}

/** The JSON of `slips import --json`: the keys of `statements import`. */
export interface SlipImport extends StatementImport {
  results: SlipResult[]
}

export interface ImportSlipsOptions {
  actor: Actor // operator:NAME or system:…
  /** When given, slips credited to another postal account are ignored rather than registered. */
  postalAccount?: string
}

/** TD 896 carries our codice cliente; these types carry a causale the payer wrote at the counter. */
const CAUSALE_TYPES = new Set(['674', '451', '123'])

/**
 * Imports Poste's payments report (R4, R8). The whole file is checked first, so a truncated or
 * malformed report is refused before anything is registered. Then each slip becomes a payment:
 * a TD 896 finds its order through the codice cliente (mod-93 check and the order ID's own check
 * digits), a TD 674 through the order ID in its causale. registerPayment decides paid, duplicate
 * or held in its own transaction, under the slip's stable reference, so importing the same report
 * twice, or two reports that overlap, registers each slip once (a slip seen before is reported as
 * ignored, already_imported). A slip that names no order is still stored (unknown order) for an
 * operator to match: money is never dropped. Each slip is its own transaction, so an import stopped
 * half-way is completed by running it again.
 */
export async function importSlips(deps: Deps, filePath: string, options: ImportSlipsOptions): Promise<SlipImport> {
  await checkPosteReport(filePath) // throws PosteReportError naming the line; nothing registered yet
  const summary: SlipImport = { entries: 0, registered: 0, held: 0, duplicates: 0, ignored: 0, results: [] }
  for await (const slip of readPosteReport(filePath)) {
    const result = await importSlip(deps, slip, options)
    summary.entries++
    summary.results.push(result)
    if (result.outcome === 'registered') summary.registered++
    else if (result.outcome === 'held') summary.held++
    else if (result.outcome === 'duplicate') summary.duplicates++
    else summary.ignored++
  }
  return summary
}

interface SlipMatch {
  orderRef: string
  /** Why the slip names no order we know, should registerPayment find none. */
  unknown: string
}

async function importSlip(deps: Deps, slip: PosteSlipRecord, options: ImportSlipsOptions): Promise<SlipResult> {
  const base = {
    entryRef: slip.entryRef,
    line: slip.line,
    documentType: slip.documentType,
    paidOn: slip.paidOn,
    amountCents: slip.amountCents,
  }
  const ignore = (reason: string): SlipResult => ({ ...base, orderId: null, outcome: 'ignored', reason })
  if (options.postalAccount && Number(slip.postalAccount) !== Number(options.postalAccount)) return ignore('other_postal_account')
  if (slip.amountCents <= 0) return ignore('zero_amount')
  const match = matchSlip(slip)
  if (!match) return ignore('unsupported_document_type')

  const registration = await registerPayment(deps, {
    orderRef: match.orderRef,
    amountCents: slip.amountCents,
    method: 'bollettino',
    reference: `poste:${slip.entryRef}`,
    actor: options.actor,
    raw: { poste: slip, unknown: match.unknown },
  })
  // R8: seen in an earlier import (the same report again, or one that overlaps it): nothing changed now
  if (registration.replayed) return { ...base, orderId: registration.orderId, outcome: 'ignored', reason: 'already_imported' }
  return { ...base, orderId: registration.orderId, ...outcomeOf(registration, match) }
}

/** Which order a slip names, as registerPayment will read it; null for a type we do not take. */
function matchSlip(slip: PosteSlipRecord): SlipMatch | null {
  if (slip.documentType === '896') {
    const code = slip.codiceCliente ?? ''
    const orderId = orderIdFromCodiceCliente(code)
    return orderId
      ? { orderRef: orderId, unknown: `unknown_order:${formatOrderId(orderId)}` }
      : { orderRef: code || '-', unknown: 'invalid_codice_cliente' }
  }
  if (!CAUSALE_TYPES.has(slip.documentType)) return null
  const causale = slip.causale || '-'
  const found = findOrderReference(slip.causale)
  switch (found.kind) {
    case 'match':
      return { orderRef: found.orderId, unknown: `unknown_order:${formatOrderId(found.orderId)}` }
    case 'ambiguous':
      return { orderRef: causale, unknown: `several_order_ids:${found.orderIds.map(formatOrderId).join(',')}` }
    case 'typo':
      return { orderRef: causale, unknown: `probable_typo:${formatOrderId(found.candidate)}` }
    case 'none':
      return { orderRef: causale, unknown: 'no_order_id' }
  }
}

function outcomeOf(registration: PaymentRegistration, match: SlipMatch): { outcome: EntryOutcome; reason: string | null } {
  switch (registration.outcome) {
    case 'paid':
      return { outcome: 'registered', reason: null }
    case 'duplicate':
      return { outcome: 'duplicate', reason: registration.reason ?? 'order_already_paid' }
    case 'held':
      return { outcome: 'held', reason: registration.reason ?? 'held' }
    case 'unknownOrder':
      return { outcome: 'held', reason: match.unknown }
  }
}
