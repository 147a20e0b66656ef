import type { Deps } from '../../deps'
import type { CardGateways } from './pick-card-gateways'
import * as queries from './queries'
import { declineCheckout } from './checkout-status'
import { isOrderId } from '../../core/order-id'

/**
 * Issue 4: the holder is back from the gateway (PayPal adds ?token=ORDER to the return URL). An
 * approved PayPal order is captured here; a refused capture marks the attempt declined. No money
 * registers here: the capture's verified webhook does that (R4). Only an attempt of this very order,
 * still open, is touched, whatever token the URL carries.
 */
export async function completeCheckout(deps: Deps, gateways: CardGateways, input: { orderId: string; gatewayRef: string }): Promise<void> {
  if (!isOrderId(input.orderId)) return
  const latest = await queries.latestCheckout(deps.db, input.orderId)
  if (!latest || latest.gatewayRef !== input.gatewayRef || latest.status !== 'started') return
  const gateway = gateways.byName(latest.gateway)
  if (!gateway) return
  const completion = await gateway.completeCheckout(latest.gatewayRef)
  if (completion.status === 'declined') await declineCheckout(deps, gateway, latest.gatewayRef, latest.orderId, completion.reason)
}
