import type { CalendarDate } from '../../core/calendar'
import type { Executor } from '../../db/client'
import * as renewals from '../../renewals/queries'
import { listPaymentsForOrder } from '../queries'
import type { GatewayName } from './schema'
import * as queries from './queries'
import { isOrderId } from '../../core/order-id'

/** What the return page tells the holder about an order's payment. */
export type PaymentState =
  | { kind: 'paid'; newExpiresOn: CalendarDate | null }
  /** Money arrived but does not settle the order (R4: wrong amount): an operator looks at it. */
  | { kind: 'held' }
  | { kind: 'declined'; reason: string | null; gateway: GatewayName }
  /** An attempt is open at the gateway; its webhook has not confirmed it yet. */
  | { kind: 'waiting'; gateway: GatewayName; simulated: boolean }
  | { kind: 'not_started' }
  /** R6: the order lapsed (the mailbox ceased). */
  | { kind: 'closed' }

/** Issue 4: the state of an order's payment, read only; the return page never registers money. */
export async function paymentState(db: Executor, orderId: string): Promise<PaymentState> {
  const order = isOrderId(orderId) ? await renewals.findOrder(db, orderId) : undefined
  if (!order) return { kind: 'closed' }
  if (order.status === 'paid') return { kind: 'paid', newExpiresOn: order.newExpiresOn }
  if (order.status !== 'open') return { kind: 'closed' }
  const payments = await listPaymentsForOrder(db, order.id)
  if (payments.some((p) => p.outcome === 'held' && p.reason !== 'reversed')) return { kind: 'held' }
  const latest = await queries.latestCheckout(db, order.id)
  if (!latest) return { kind: 'not_started' }
  if (latest.status === 'declined') return { kind: 'declined', reason: latest.reason, gateway: latest.gateway }
  return { kind: 'waiting', gateway: latest.gateway, simulated: latest.gateway === 'sandbox' }
}
