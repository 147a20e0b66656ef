import type { CalendarDate } from '../core/calendar'
import { DomainError, type ErrorCode } from '../core/errors'
import { parseOrderId, type OrderId } from '../core/order-id'
import { audit, type Actor } from '../db/audit'
import type { Deps } from '../deps'
import { findPayment } from '../payments/queries'
import { lockPaymentToResolve, markResolved, operatorReason } from '../payments/held/resolve-held'
import { findOrder } from '../renewals/queries'
import { checkPayment } from './settlement/payment'
import { settlePayments, worthRetrying } from './settlement/settle-payments'

export interface AssignInput {
  paymentId: number
  /** The order ID as the operator typed or confirmed it (check digits verified, R3). */
  orderRef: string
  reason: string
  /** Required when the payment is less than the order's total: the operator accepts the difference. */
  acceptDifference?: boolean
  actor: Actor
}

export interface Assignment {
  paymentId: number
  orderId: OrderId
  /** The payment the settlement registered for the order (a batch of one). */
  registeredPaymentId: number
  /** What paid the order: the payment's amount, or the order's total when it paid more. */
  appliedCents: number
  /** Accepted as missing (an underpayment the operator let through). */
  acceptedDifferenceCents: number
  /** Paid beyond the total: a refund due. */
  refundDueCents: number
  expiresOn: CalendarDate | null
}

const ATTEMPTS = 3

/** The settlement's refusals an assignment reports as such: the order cannot take this payment. */
const NOT_PAYABLE: Record<string, ErrorCode> = {
  order_already_paid: 'order_already_paid',
  mailbox_ceased: 'mailbox_ceased',
  order_lapsed: 'order_lapsed',
  amount_mismatch: 'difference_not_accepted',
  unknown_order: 'order_not_found',
}

/**
 * Issue 11 (R4, R8): an operator assigns a held or unmatched payment to an order. It registers
 * through the same settlement as every channel, as a batch of one under a key derived from the
 * held payment (method, `resolution:ID`), so it registers once: a second operator clicking at the
 * same moment either finds that key stored (replayed) or breaks its unique key and finds it on the
 * retry, and is refused with payment_already_resolved. The amount rule still applies: less than
 * the total pays only with the difference accepted; more pays the total and leaves the difference
 * as a refund due. The held payment, its resolution, the registered payment, the order paid, the
 * renewal, the mail and the audit rows are one transaction.
 */
export async function assignHeldPayment(deps: Deps, input: AssignInput): Promise<Assignment> {
  const reason = operatorReason(input.reason)
  const orderId = parseOrderId(input.orderRef)
  if (!orderId) throw new DomainError('order_id_invalid', input.orderRef)
  const held = await findPayment(deps.db, input.paymentId)
  if (!held) throw new DomainError('payment_not_found', String(input.paymentId))
  // said before anything else; checked again under lock below
  if (held.resolution !== null || held.refundStatus === 'refunded') throw new DomainError('payment_already_resolved', String(held.id))
  if (held.outcome !== 'held' && held.outcome !== 'unknownOrder') throw new DomainError('payment_not_to_resolve', String(held.id))
  const order = await findOrder(deps.db, orderId)
  if (!order) throw new DomainError('order_not_found', orderId)
  // the total never changes once an order is placed: reading it unlocked is safe; the settlement decides under lock
  const difference = held.amountCents - order.totalCents
  if (difference < 0 && !input.acceptDifference) throw new DomainError('difference_not_accepted')
  const appliedCents = Math.min(held.amountCents, order.totalCents)
  const payment = checkPayment({
    orderRef: orderId,
    amountCents: appliedCents,
    method: held.method,
    reference: `resolution:${held.id}`,
    actor: input.actor,
    acceptShortfall: difference < 0,
    raw: { resolves: held.id, reason },
  })

  for (let attempt = 1; ; attempt++) {
    try {
      const now = deps.clock.now()
      return await deps.db.transaction(async (tx) => {
        // lock order everywhere: mailbox, order (the settlement's claim), then the payment
        const [registered] = await settlePayments(tx, [payment], { now, timeZone: deps.config.businessTimeZone, invoiceSeries: deps.config.invoicing?.series })
        if (registered.replayed) throw new DomainError('payment_already_resolved', String(held.id))
        if (registered.outcome !== 'paid') throw new DomainError(NOT_PAYABLE[registered.reason ?? ''] ?? 'order_not_open', registered.reason)
        const locked = await lockPaymentToResolve(tx, held.id)
        const refundDueCents = Math.max(difference, 0)
        await markResolved(tx, locked.id, 'assigned', { resolvedPaymentId: registered.paymentId, refundCents: refundDueCents || null })
        await audit(tx, {
          actor: input.actor,
          action: 'payment.assigned',
          at: now,
          paymentId: locked.id,
          orderId,
          mailboxId: order.mailboxId,
          reason,
          data: { registeredPaymentId: registered.paymentId, amountCents: held.amountCents, totalCents: order.totalCents, appliedCents, acceptedDifferenceCents: Math.max(-difference, 0), refundDueCents, was: locked.reason ?? locked.outcome },
        })
        return {
          paymentId: locked.id,
          orderId,
          registeredPaymentId: registered.paymentId,
          appliedCents,
          acceptedDifferenceCents: Math.max(-difference, 0),
          refundDueCents,
          expiresOn: registered.expiresOn,
        }
      })
    } catch (error) {
      if (attempt < ATTEMPTS && worthRetrying(error)) continue
      throw error
    }
  }
}
