import type { CalendarDate } from '../core/calendar'
import type { OrderId } from '../core/order-id'
import type { Executor } from '../db/client'
import type { MailboxStatus, Register } from '../accounts/schema'
import * as queries from '../accounts/queries'
import { findOpenOrder } from '../renewals/queries'

/** What an operator sees of a mailbox (`pec-renewal mailbox show`): its state, open order, history. */
export interface MailboxView {
  address: string
  status: MailboxStatus
  expiresOn: CalendarDate
  accountId: string
  convention: string
  register: Register
  openOrder: { orderId: OrderId; years: number; totalCents: number; method: string; placedOn: CalendarDate } | null
  /** R9: the audit entries of the mailbox and of its orders, oldest first. */
  history: Array<{ at: string; actor: string; action: string; reason: string | null; data: unknown }>
}

/** The mailbox at an address (any case), or null when there is none; `history: false` leaves its history out (empty). */
export async function showMailbox(db: Executor, address: string, options: { history?: boolean } = {}): Promise<MailboxView | null> {
  const mailbox = await queries.findMailboxByAddress(db, address)
  if (!mailbox) return null
  const [openOrder, history] = await Promise.all([
    findOpenOrder(db, mailbox.id),
    options.history === false ? [] : queries.mailboxHistory(db, mailbox.id),
  ])
  return {
    address: mailbox.address,
    status: mailbox.status,
    expiresOn: mailbox.expiresOn,
    accountId: mailbox.accountId,
    convention: mailbox.conventionCode,
    register: mailbox.register,
    openOrder: openOrder
      ? { orderId: openOrder.id, years: openOrder.years, totalCents: openOrder.totalCents, method: openOrder.method, placedOn: openOrder.placedOn }
      : null,
    history: history.map((entry) => ({
      at: new Date(entry.at).toISOString(), // a Date from node-postgres, a string or Date from PGlite
      actor: entry.actor,
      action: entry.action,
      reason: entry.reason,
      data: entry.data,
    })),
  }
}
