import { DomainError } from '../core/errors'
import type { PaymentInstructions } from '../notifications/mail-context'
import { PAYMENT_METHODS, type PaymentMethod } from '../renewals/schema'
import type { CardGateways } from './gateways/pick-card-gateways'

/**
 * R10: the methods a holder may choose. Card and PayPal need their gateway; bonifico and bollettino
 * need the provider's bank and postal details. A method without them is not offered at all,
 * rather than offered and then failing (or, worse, simulated).
 */
export function offeredPaymentMethods(gateways: Pick<CardGateways, 'forMethod'>, instructions: PaymentInstructions | undefined): PaymentMethod[] {
  return PAYMENT_METHODS.filter((method) =>
    method === 'card' || method === 'paypal' ? !!gateways.forMethod(method) : !!instructions,
  )
}

/** Refuses a method this installation does not offer (a form posted by hand, a stale page, the command line). */
export function requireOfferedMethod(offered: readonly PaymentMethod[], method: string): PaymentMethod {
  if (!PAYMENT_METHODS.includes(method as PaymentMethod)) throw new DomainError('payment_method_unknown', method)
  if (!offered.includes(method as PaymentMethod)) throw new DomainError('payment_method_unavailable', method)
  return method as PaymentMethod
}
