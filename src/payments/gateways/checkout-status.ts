import { parseOrderId } from '../../core/order-id'
import type { Tx } from '../../db/client'
import { audit } from '../../db/audit'
import type { Deps } from '../../deps'
import type { CardGateway } from './card-gateway'
import * as queries from './queries'

/**
 * The attempt failed: the order stays open and payable (another card, another method). A decline
 * never overrides a confirmation that arrived first (out of order).
 */
export async function declineCheckout(
  deps: Deps,
  gateway: CardGateway,
  gatewayRef: string | undefined,
  orderRef: string | undefined,
  reason: string,
): Promise<string | null> {
  const orderId = orderRef ? parseOrderId(orderRef) : null
  let ref = gatewayRef
  if (!ref && orderId) ref = (await queries.latestCheckout(deps.db, orderId, gateway.name))?.gatewayRef
  if (!ref) return orderId
  return settleCheckout(deps, gateway, ref, { status: 'declined', reason })
}

/** Records how a checkout attempt ended (R9), once: a confirmation is never overridden. */
export async function settleCheckout(
  deps: Deps,
  gateway: CardGateway,
  gatewayRef: string,
  change: { status: 'confirmed' | 'declined'; reason: string | null },
): Promise<string | null> {
  const now = deps.clock.now()
  return deps.db.transaction(async (tx: Tx) => {
    const checkout = await queries.lockCheckout(tx, gateway.name, gatewayRef)
    if (!checkout) return null
    if (checkout.status === change.status || checkout.status === 'confirmed') return checkout.orderId
    await queries.setCheckoutStatus(tx, checkout.id, { ...change, updatedAt: now })
    await audit(tx, {
      actor: `gateway:${gateway.name}`,
      action: change.status === 'declined' ? 'order.checkout_declined' : 'order.checkout_confirmed',
      at: now,
      orderId: checkout.orderId,
      ...(change.reason ? { reason: change.reason } : {}),
      data: { gatewayRef, amountCents: checkout.amountCents },
    })
    return checkout.orderId
  })
}
