import { formatOrderId, parseOrderId } from '../../core/order-id'
import type { StagedEntry } from '../imports/staged-entry'
import { findOrderReference } from '../offline/order-reference'
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
  const ignore = (reason: string): StagedEntry => ({ kind: 'ignored', ...shown, note: reason, facts: { poste: slip } })
  if (options.postalAccount && Number(slip.postalAccount) !== Number(options.postalAccount)) return ignore('other_postal_account')
  if (slip.amountCents <= 0) return ignore('zero_amount')
  const match = matchSlip(slip)
  if (!match) return ignore('unsupported_document_type')
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
