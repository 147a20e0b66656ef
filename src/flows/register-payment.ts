import { audit } from '../db/audit'
import type { Deps } from '../deps'
import { checkPayment, type IncomingPayment, type PaymentRegistration } from './settlement/payment'
import { settlePayments, worthRetrying } from './settlement/settle-payments'

export { checkPayment, type IncomingPayment, type PaymentRegistration } from './settlement/payment'
export { listPaymentsForOrder } from '../payments/queries'

const ATTEMPTS = 3

/**
 * R4/R8: registers one payment notification (a webhook, `payment register`) in one transaction: a
 * settlement batch of one, through the same claim, decision and writer as a statement's entries.
 * Its order's mailbox, then the order, are locked; a payment stored before under its (method,
 * reference) answers as the first time and changes nothing. Paid extends the expiry from E
 * (reactivating a deactivated mailbox, R6); a duplicate or a payment after cessation is kept for
 * refund; a mismatched amount is held for an operator; an unknown order ID is kept with no order
 * for an operator to match. Should another transaction store the same payment meanwhile, the
 * registration starts again and answers as a replay.
 */
export async function registerPayment(deps: Deps, input: IncomingPayment, byHand?: { reason: string }): Promise<PaymentRegistration> {
  const payment = checkPayment(input) // a malformed notification is refused before anything is stored
  for (let attempt = 1; ; attempt++) {
    try {
      const now = deps.clock.now()
      return await deps.db.transaction(async (tx) => {
        const [registration] = await settlePayments(tx, [payment], { now, timeZone: deps.config.businessTimeZone, invoiceSeries: deps.config.invoicing?.series })
        // issue 11: an operator registering by hand says why (R9), in the registration's transaction
        if (byHand && !registration.replayed) {
          await audit(tx, {
            actor: payment.actor,
            action: 'payment.registered_by_hand',
            at: now,
            paymentId: registration.paymentId,
            ...(registration.orderId ? { orderId: registration.orderId } : {}),
            reason: byHand.reason,
            data: { amountCents: payment.amountCents, method: payment.method, reference: payment.reference },
          })
        }
        return registration
      })
    } catch (error) {
      if (attempt < ATTEMPTS && worthRetrying(error)) continue
      throw error
    }
  }
}
