import type { HolderSession } from '../accounts/sessions'
import { audit } from '../db/audit'
import { DomainError } from '../core/errors'
import type { Deps } from '../deps'
import { enqueueMail } from '../notifications/outbox'
import { findHolderOrder } from './queries'
import * as queries from './queries'

/**
 * Issue 14: the holder withdraws an open, unpaid order. In one transaction (R9): the order becomes
 * cancelled, the change is audited and the holder is told by e-mail. The mailbox row is locked
 * first, as a settlement locks it, so a payment arriving at the same moment either pays the order
 * before (then it cannot be cancelled) or finds it cancelled (and is held for refund, R4).
 * The mailbox is free for a new renewal at once.
 */
export async function cancelOrder(deps: Deps, holder: HolderSession, orderId: string): Promise<void> {
  const owned = await findHolderOrder(deps.db, holder, orderId)
  if (!owned) throw new DomainError('order_not_found', orderId)
  const now = deps.clock.now()
  await deps.db.transaction(async (tx) => {
    const mailbox = (await queries.lockMailbox(tx, owned.mailboxId))!
    const order = (await queries.lockOrder(tx, owned.id))!
    if (order.status !== 'open') throw new DomainError(order.status === 'paid' ? 'order_already_paid' : 'order_not_open', order.id)
    await queries.setOrderStatus(tx, order.id, 'cancelled')
    await audit(tx, { actor: `holder:${holder.accountId}`, action: 'order.cancelled', at: now, mailboxId: mailbox.id, orderId: order.id, data: { from: 'open', to: 'cancelled' } })
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
        },
      },
      now,
    )
  })
}
