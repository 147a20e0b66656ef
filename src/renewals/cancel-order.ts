import type { HolderSession } from '../accounts/sessions'
import { audit, type Actor } from '../db/audit'
import { DomainError } from '../core/errors'
import { parseOrderId } from '../core/order-id'
import type { Deps } from '../deps'
import { enqueueMail } from '../notifications/outbox'
import { findHolderOrder } from './queries'
import * as queries from './queries'

/**
 * Issue 14: the holder withdraws an open, unpaid order from the portal. See cancelOpenOrder.
 */
export async function cancelOrder(deps: Deps, holder: HolderSession, orderId: string): Promise<void> {
  const owned = await findHolderOrder(deps.db, holder, orderId)
  if (!owned) throw new DomainError('order_not_found', orderId)
  await cancelOpenOrder(deps, owned, { actor: `holder:${holder.accountId}`, byOffice: false })
}

export interface CancelByOfficeInput {
  /** The order ID as typed or linked (check digits checked, formatting tolerated). */
  orderRef: string
  reason: string
  actor: Actor
}

/** Issue 11: an operator cancels an open order, with a reason (R9); the holder is told by e-mail. */
export async function cancelOrderByOffice(deps: Deps, input: CancelByOfficeInput): Promise<{ orderId: string; mailboxId: number }> {
  const reason = input.reason.trim()
  if (!reason) throw new DomainError('reason_required')
  const orderId = parseOrderId(input.orderRef)
  const order = orderId ? await queries.findOrder(deps.db, orderId) : undefined
  if (!order) throw new DomainError('order_not_found', input.orderRef)
  await cancelOpenOrder(deps, order, { actor: input.actor, reason, byOffice: true })
  return { orderId: order.id, mailboxId: order.mailboxId }
}

/**
 * In one transaction (R9): the order becomes cancelled, the change is audited and the holder is
 * told by e-mail. The mailbox row is locked first, as a settlement locks it, so a payment arriving
 * at the same moment either pays the order before (then it cannot be cancelled) or finds it
 * cancelled (and is held for refund, R4). The mailbox is free for a new renewal at once.
 */
async function cancelOpenOrder(deps: Deps, found: queries.OrderRow, by: { actor: Actor; reason?: string; byOffice: boolean }): Promise<void> {
  const now = deps.clock.now()
  await deps.db.transaction(async (tx) => {
    const mailbox = (await queries.lockMailbox(tx, found.mailboxId))!
    const order = (await queries.lockOrder(tx, found.id))!
    if (order.status !== 'open') throw new DomainError(order.status === 'paid' ? 'order_already_paid' : 'order_not_open', order.id)
    await queries.setOrderStatus(tx, order.id, 'cancelled')
    await audit(tx, { actor: by.actor, action: 'order.cancelled', at: now, mailboxId: mailbox.id, orderId: order.id, ...(by.reason ? { reason: by.reason } : {}), data: { from: 'open', to: 'cancelled' } })
    const account = (await queries.findAccount(tx, order.accountId))!
    await enqueueMail(
      tx,
      {
        template: 'order_cancelled',
        language: account.language,
        recipient: account.referenceEmail,
        mailboxId: mailbox.id,
        orderId: order.id,
        params: {
          holderName: `${account.firstName} ${account.lastName}`,
          mailbox: mailbox.address,
          orderId: order.id,
          totalCents: order.totalCents,
          method: order.method,
          expiresOn: mailbox.expiresOn,
          ...(by.byOffice ? { byOffice: true } : {}),
        },
      },
      now,
    )
  })
}
