import { formatOrderId, parseOrderId } from '../../core/order-id'
import { encodeImportReason, type ImportReason } from '../imports/import-reason'
import type { StagedEntry } from '../imports/staged-entry'
import { findOrderReference } from '../offline/order-reference'
import { unknownOrderReason } from '../offline/stage-statement-entry'
import { orderIdFromCodiceCliente } from './codice-cliente'
import type { PosteSlipRecord } from './poste-report'

/** TD 896 carries our codice cliente; these types carry a causale the payer wrote at the counter. */
const CAUSALE_TYPES = new Set(['674', '451', '123'])

/**
 * R4/R8: a slip of Poste's report as it is stored before settling, under its stable reference. A TD
 * 896 finds its order through the codice cliente (mod-93 check and the order ID's own check
 * digits), a TD 674 through the order ID in its causale. A slip that names no order is still
 * stored, for an operator to match: money is never dropped. `facts` keeps the whole record: the
 * report shows where the slip sits in Poste's file.
 */
export function stageSlip(slip: PosteSlipRecord, options: { postalAccount?: string }): StagedEntry {
  const shown = { entryRef: slip.entryRef, amountCents: slip.amountCents }
  const ignore = (reason: ImportReason): StagedEntry => ({ kind: 'ignored', ...shown, note: encodeImportReason(reason), facts: { poste: slip } })
  if (options.postalAccount && Number(slip.postalAccount) !== Number(options.postalAccount)) return ignore({ code: 'other_postal_account' })
  if (slip.amountCents <= 0) return ignore({ code: 'zero_amount' })
  const match = matchSlip(slip)
  if (!match) return ignore({ code: 'unsupported_document_type' })
  return {
    kind: 'payment',
    ...shown,
    method: 'bollettino',
    reference: `poste:${slip.entryRef}`,
    orderRef: match.orderRef,
    orderId: parseOrderId(match.orderRef),
    note: match.unknown,
    facts: { poste: slip, unknown: match.unknown },
  }
}

interface SlipMatch {
  orderRef: string
  /** Why the slip names no order we know, should settling find none. */
  unknown: string
}

/** Which order a slip names, as registration reads it; null for a type we do not take. */
function matchSlip(slip: PosteSlipRecord): SlipMatch | null {
  if (slip.documentType === '896') {
    const code = slip.codiceCliente ?? ''
    const orderId = orderIdFromCodiceCliente(code)
    return orderId
      ? { orderRef: orderId, unknown: encodeImportReason({ code: 'unknown_order', detail: formatOrderId(orderId) }) }
      : { orderRef: code || '-', unknown: encodeImportReason({ code: 'invalid_codice_cliente' }) }
  }
  if (!CAUSALE_TYPES.has(slip.documentType)) return null
  const found = findOrderReference(slip.causale)
  const unknown = encodeImportReason(unknownOrderReason(found))
  return { orderRef: found.kind === 'match' ? found.orderId : slip.causale || '-', unknown }
}
