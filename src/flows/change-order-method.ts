import type { HolderSession } from '../accounts/sessions'
import { DomainError } from '../core/errors'
import type { Deps } from '../deps'
import { placeOrder, type PlacedOrder } from '../renewals/place-order'
import { findHolderOrder } from '../renewals/queries'
import type { PaymentMethod } from '../renewals/schema'
import { queueOrderMails } from './order-mails'

/** R3: the holder changes how they will pay an open order; an updated summary e-mail follows. */
export async function changeOrderMethod(deps: Deps, holder: HolderSession, orderId: string, method: PaymentMethod): Promise<PlacedOrder> {
  const order = await findHolderOrder(deps.db, holder, orderId)
  if (!order) throw new DomainError('order_not_found', orderId)
  if (order.status !== 'open') throw new DomainError(order.status === 'paid' ? 'order_already_paid' : 'order_not_open', orderId)
  return placeOrder(
    deps,
    {
      mailboxId: order.mailboxId,
      accountId: holder.accountId,
      actor: `holder:${holder.accountId}`,
      years: order.years,
      method,
      billing: order.billing,
      acceptedContracts: order.acceptedContracts,
    },
    {
      onPlaced: async (tx, placed, changedFields) => {
        // paid or lapsed since we looked: placeOrder would have opened a new order, roll it back
        if (placed.orderId !== order.id) throw new DomainError('order_not_open', orderId)
        await queueOrderMails(tx, placed, changedFields, deps.clock.now())
      },
    },
  )
}
