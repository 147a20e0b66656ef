import type { HolderSession } from '../accounts/sessions'
import { findConvention } from '../catalog/queries'
import { businessDate, type CalendarDate } from '../core/calendar'
import type { Deps } from '../deps'
import { findAccount, findHolderOrder, findMailbox, type OrderRow } from './queries'
import { extendedExpiry, openOrderFacts, renewalBase } from './rules'

/** The order page's facts (issue 3): the order and the dates the rules give it today. */
export interface HolderOrderView {
  order: OrderRow
  mailboxAddress: string
  /** Where the order e-mails went. */
  referenceEmail: string
  /** R4/R6: the expiry the order bought (paid), or buys if paid today. */
  newExpiresOn: CalendarDate
  /** R2/R5: the last day a payment by the order's method arrives in time (meaningful while open). */
  payBy: CalendarDate
  /** The business day it was paid, once paid. */
  paidOn: CalendarDate | null
}

/** The signed-in holder's own order, as its page shows it; undefined for anyone else's or none. */
export async function showHolderOrder(deps: Deps, holder: HolderSession, orderId: string): Promise<HolderOrderView | undefined> {
  const order = await findHolderOrder(deps.db, holder, orderId)
  if (!order) return undefined
  const zone = deps.config.businessTimeZone
  const mailbox = (await findMailbox(deps.db, order.mailboxId))!
  const account = (await findAccount(deps.db, order.accountId))!
  const convention = (await findConvention(deps.db, mailbox.conventionCode))!
  const today = businessDate(deps.clock.now(), zone)
  return {
    order,
    mailboxAddress: mailbox.address,
    referenceEmail: account.referenceEmail,
    newExpiresOn: order.status === 'paid' ? order.newExpiresOn! : extendedExpiry(renewalBase(mailbox, convention, today), order.years),
    payBy: openOrderFacts(order, mailbox, convention).payBy,
    paidOn: order.paidAt ? businessDate(order.paidAt, zone) : null,
  }
}
