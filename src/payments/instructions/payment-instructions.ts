import { formatOrderId, parseOrderId, type OrderId } from '../../core/order-id'
import type { PaymentInstructions } from '../../notifications/mail-context'
import { codiceClienteFor } from '../postal/codice-cliente'
import type { PostalSlip } from '../postal/td896-pdf'
import { epcQrPayload } from '../../core/epc-qr'
import { validateItalianIban } from '../../core/iban'

/** What the holder needs to pay an order by bank transfer (bonifico), ready for a page, a mail or a PDF. */
export interface BankTransferInstructions {
  beneficiary: string
  /** Electronic form, for copying. */
  iban: string
  /** In groups of four, for reading. */
  ibanFormatted: string
  bic: string
  amountCents: number
  /** The payment reason (causale): the order ID, which the statement import looks for (R3). */
  causale: string
  /** EPC069-12 payload for the QR code: render it with epcQrSvg or epcQrPngDataUrl. */
  epcPayload: string
  isDemo: boolean
}

export interface PayableOrder {
  orderId: string
  totalCents: number
}

/** R3: the causale quoted in a payment is the order ID, in its readable form "K7MR-4DXP-52". */
export function paymentReason(orderId: string): string {
  return formatOrderId(checkedOrderId(orderId))
}

/**
 * The bonifico instructions for an order. Throws when the configured IBAN is not a valid Italian
 * IBAN (check digits and CIN): a wrong IBAN must stop the page, never reach a holder.
 */
export function bankTransferInstructions(payment: PaymentInstructions, order: PayableOrder): BankTransferInstructions {
  const iban = validateItalianIban(payment.iban)
  if (!iban.ok) throw new Error(`payment instructions: IBAN ${payment.iban}: ${iban.message}`)
  const causale = paymentReason(order.orderId)
  return {
    beneficiary: payment.beneficiary,
    iban: iban.iban,
    ibanFormatted: iban.formatted,
    bic: payment.bic,
    amountCents: order.totalCents,
    causale,
    epcPayload: epcQrPayload({ bic: payment.bic, beneficiary: payment.beneficiary, iban: iban.iban, amountCents: order.totalCents, remittance: causale }),
    isDemo: payment.isDemo,
  }
}

/** The TD 896 slip for an order (render it with renderPostalSlipPdf). */
export function postalSlipFor(
  payment: PaymentInstructions,
  order: PayableOrder,
  payer: { name: string; address?: string },
  dueOn?: string,
): PostalSlip {
  const orderId = checkedOrderId(order.orderId)
  return {
    postalAccount: payment.postalAccount,
    beneficiary: payment.beneficiary,
    amountCents: order.totalCents,
    causale: `Rinnovo casella PEC – ordine ${formatOrderId(orderId)}`,
    codiceCliente: codiceClienteFor(orderId),
    payerName: payer.name,
    ...(payer.address ? { payerAddress: payer.address } : {}),
    ...(dueOn ? { dueOn } : {}),
  }
}

function checkedOrderId(orderId: string): OrderId {
  const parsed = parseOrderId(orderId)
  if (!parsed) throw new RangeError(`not a valid order ID: "${orderId}"`)
  return parsed
}
