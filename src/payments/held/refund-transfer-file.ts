import type { CalendarDate } from '../../core/calendar'
import { DomainError } from '../../core/errors'
import { centsToDecimal, type Cents } from '../../core/money'
import { formatOrderId, type OrderId } from '../../core/order-id'
import { audit, type Actor } from '../../db/audit'
import type { Deps } from '../../deps'
import { creditTransferXml, type TransferParty } from '../sepa/credit-transfer-file'
import { listRefundsDueAmong } from './list-held'

export interface RefundTransferFileInput {
  paymentIds: readonly number[]
  executionDate: CalendarDate
  /** The provider's account the transfers leave from (PAYMENT_BENEFICIARY, PAYMENT_IBAN, PAYMENT_BIC). */
  debtor: (TransferParty & { bic: string }) | null
  actor: Actor
}

export interface RefundTransferFile {
  fileName: string
  xml: string
  messageId: string
  transfers: number
  totalCents: number
}

/**
 * Issue 11: the SEPA credit-transfer file (pain.001.001.09) of the bank refunds an operator chose,
 * for the provider's home banking. Only refunds still due, not through a gateway, to the payer's
 * IBAN as the bank gave it; otherwise refused whole. Making the file refunds nothing: each refund
 * stays due until the operator records its CRO/TRN once the bank has executed it; that a file was
 * made, with its message ID, is audited on each payment (R9). Each transfer's end-to-end ID names
 * its payment (RIMB-ID), so the debit on the next statement says which refund it was.
 */
export async function makeRefundTransferFile(deps: Deps, input: RefundTransferFileInput): Promise<RefundTransferFile> {
  if (!input.debtor) throw new DomainError('transfer_account_missing')
  const debtor = input.debtor
  const ids = [...new Set(input.paymentIds)]
  if (ids.length === 0) throw new DomainError('refund_selection_empty')
  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    const due = await listRefundsDueAmong(tx, ids)
    const byTransfer = due.filter((r) => r.gateway === null && r.payerIban !== null)
    if (byTransfer.length !== ids.length) throw new DomainError('refund_not_by_transfer', ids.filter((id) => !byTransfer.some((r) => r.id === id)).join(','))
    const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14)
    const messageId = `RIMB-${stamp}-${Math.min(...ids)}`
    const transfers = byTransfer.map((r) => ({
      endToEndId: `RIMB-${r.id}`,
      amountCents: r.refundCents,
      name: r.payer ?? 'Ordinante',
      iban: r.payerIban!,
      remittance: `Rimborso EUR ${centsToDecimal(r.refundCents as Cents)} ${r.holderOrderId ? `ordine ${formatOrderId(r.holderOrderId as OrderId)}` : r.causale}`,
    }))
    const xml = creditTransferXml({ messageId, createdAt: now, executionDate: input.executionDate, debtor, transfers })
    for (const t of byTransfer) {
      await audit(tx, {
        actor: input.actor,
        action: 'refund.transfer_file_made',
        at: now,
        paymentId: t.id,
        data: { messageId, executionDate: input.executionDate, amountCents: t.refundCents, iban: t.payerIban },
      })
    }
    const totalCents = transfers.reduce((sum, t) => sum + t.amountCents, 0)
    return { fileName: `${messageId}.xml`, xml, messageId, transfers: transfers.length, totalCents }
  })
}
