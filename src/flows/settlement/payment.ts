import type { CalendarDate } from '../../core/calendar'
import { DomainError } from '../../core/errors'
import { parseOrderId, type OrderId } from '../../core/order-id'
import { MAX_PAYMENT_CENTS, type IncomingPayment } from '../../payments/incoming-payment'
import type { PaymentOutcome } from '../../payments/schema'
import { PAYMENT_METHODS } from '../../renewals/schema'

export type { IncomingPayment } from '../../payments/incoming-payment'

/** An incoming payment checked: its reference trimmed, the order its reference names (null when none, R3). */
export interface CheckedPayment extends IncomingPayment {
  orderId: OrderId | null
}

export interface PaymentRegistration {
  outcome: PaymentOutcome
  /** Why held (amount_mismatch, mailbox_ceased, order_lapsed), duplicate (order_already_paid), unknown_order. */
  reason?: string
  orderId: OrderId | null
  paymentId: number
  /** The mailbox's expiry after this payment (the new one when paid); null when no order matched. */
  expiresOn: CalendarDate | null
  /** R8: this (method, reference) was registered before; nothing changed now. */
  replayed: boolean
}

/** Refuses a malformed notification with a coded error before anything is stored. */
export function checkPayment(input: IncomingPayment): CheckedPayment {
  if (!PAYMENT_METHODS.includes(input.method)) throw new DomainError('payment_method_unknown', String(input.method))
  if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0 || input.amountCents > MAX_PAYMENT_CENTS) {
    throw new DomainError('invalid_input', `amountCents: ${input.amountCents}`)
  }
  const reference = input.reference.trim()
  if (!reference) throw new DomainError('invalid_input', 'reference is empty')
  return { ...input, reference, orderId: parseOrderId(input.orderRef) } // R3: a mistyped ID fails its check digits
}

/** A payment's R8 key. */
export const paymentKey = (p: { method: string; reference: string }) => `${p.method}\u0000${p.reference}`
