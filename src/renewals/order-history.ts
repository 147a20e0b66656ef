import { and, desc, eq } from 'drizzle-orm'
import { visibleTo } from '../accounts/holder-mailboxes'
import type { HolderSession } from '../accounts/sessions'
import { mailboxes } from '../accounts/schema'
import type { Executor } from '../db/client'
import { orders, type OrderStatus, type PaymentMethod } from './schema'

/** One line of a holder's order history (issue 14). */
export interface OrderHistoryLine {
  id: string
  mailbox: string
  status: OrderStatus
  method: PaymentMethod
  years: number
  totalCents: number
  placedAt: Date
  paidAt: Date | null
  newExpiresOn: string | null
}

/** Every order of the mailboxes the holder sees, newest first (a mailbox sign-in sees that mailbox's only). */
export async function listOrderHistory(db: Executor, holder: HolderSession): Promise<OrderHistoryLine[]> {
  return db
    .select({
      id: orders.id,
      mailbox: mailboxes.address,
      status: orders.status,
      method: orders.method,
      years: orders.years,
      totalCents: orders.totalCents,
      placedAt: orders.placedAt,
      paidAt: orders.paidAt,
      newExpiresOn: orders.newExpiresOn,
    })
    .from(orders)
    .innerJoin(mailboxes, eq(mailboxes.id, orders.mailboxId))
    .where(and(eq(orders.accountId, holder.accountId), visibleTo(holder)))
    .orderBy(desc(orders.placedAt), desc(orders.id))
}
