import { addDays, addYears, compareDates, type CalendarDate } from '../core/calendar'
import { priceWithVat, type PriceBreakdown } from '../core/money'
import type { MailboxStatus } from '../accounts/schema'
import type { OrderStatus, PaymentMethod } from './schema'

// The renewal rules as plain functions of plain values (R3, R4, R6): no clock, no database.

export type LateRenewalFrom = 'expiry' | 'payment'

/** R3: an order's price is the convention's net price plus VAT, in integer cents. */
export function priceOrder(price: { netCents: number; vatBasisPoints: number }): PriceBreakdown {
  return priceWithVat(price.netCents, price.vatBasisPoints)
}

/** R6: the last day a payment still renews (and reactivates) a mailbox that expired on E. */
export function renewableUntil(expiresOn: CalendarDate, renewableWindowDays: number): CalendarDate {
  return addDays(expiresOn, renewableWindowDays)
}

/** R6: a mailbox can be renewed unless it has ceased or its renewable window is over on `today`. */
export function isRenewable(
  mailbox: { status: MailboxStatus; expiresOn: CalendarDate },
  convention: { renewableWindowDays: number },
  today: CalendarDate,
): boolean {
  if (mailbox.status === 'ceased') return false
  return compareDates(today, renewableUntil(mailbox.expiresOn, convention.renewableWindowDays)) <= 0
}

/**
 * R4/R6: the date a paid renewal counts from. A payment on or before E (however early) extends
 * from E; a late payment (after E, within the window) extends from E too, unless the convention's
 * policy `lateRenewalFrom` is 'payment', in which case it counts from the payment date.
 * Lateness is judged by date, not by status, so the result does not depend on whether the daily
 * run has already deactivated the mailbox.
 */
export function renewalBase(
  mailbox: { expiresOn: CalendarDate },
  convention: { lateRenewalFrom: LateRenewalFrom },
  paymentDate: CalendarDate,
): CalendarDate {
  const late = compareDates(paymentDate, mailbox.expiresOn) > 0
  return late && convention.lateRenewalFrom === 'payment' ? paymentDate : mailbox.expiresOn
}

/** R1/R4: the new expiry, in calendar years (29 February + 1 year = 28 February). */
export function extendedExpiry(base: CalendarDate, years: number): CalendarDate {
  return addYears(base, years)
}

export type HoldReason = 'amount_mismatch' | 'mailbox_ceased' | 'order_lapsed'

export type Settlement =
  /** R4: the order is paid; the mailbox's expiry becomes newExpiresOn (R6: re-enabled if deactivated). */
  | { kind: 'paid'; extendsFrom: CalendarDate; newExpiresOn: CalendarDate; reactivates: boolean }
  /** R4: the order was already paid: recorded, never extends again, refund due. */
  | { kind: 'duplicate' }
  /** R4/R6: kept for an operator; extends nothing. refundDue when the money can no longer buy anything. */
  | { kind: 'held'; reason: HoldReason; refundDue: boolean }

/**
 * R4/R6: what one payment does to an order. Paid only when the amount equals the total exactly
 * (or is less, and an operator accepted the difference);
 * a second payment of a paid order is a duplicate; a mismatch is held; after cessation (or once
 * the window is over) and on a lapsed or cancelled order the payment is held for refund.
 */
export function settle(
  order: { status: OrderStatus; totalCents: number; years: number },
  mailbox: { status: MailboxStatus; expiresOn: CalendarDate },
  amountCents: number,
  convention: { lateRenewalFrom: LateRenewalFrom; renewableWindowDays: number },
  paymentDate: CalendarDate,
  options: { acceptShortfall?: boolean } = {},
): Settlement {
  if (order.status === 'paid') return { kind: 'duplicate' }
  // A lapsed or cancelled order buys nothing any more: money arriving for it goes back.
  if (order.status === 'lapsed' || order.status === 'cancelled') return { kind: 'held', reason: 'order_lapsed', refundDue: true }
  if (!isRenewable(mailbox, convention, paymentDate)) return { kind: 'held', reason: 'mailbox_ceased', refundDue: true }
  // issue 11: less than the total pays only when an operator accepted the difference
  const shortfallAccepted = options.acceptShortfall === true && amountCents < order.totalCents
  if (amountCents !== order.totalCents && !shortfallAccepted) return { kind: 'held', reason: 'amount_mismatch', refundDue: false }
  const extendsFrom = renewalBase(mailbox, convention, paymentDate)
  return {
    kind: 'paid',
    extendsFrom,
    newExpiresOn: extendedExpiry(extendsFrom, order.years),
    reactivates: mailbox.status === 'deactivated',
  }
}

/** Days a payment may take to reach us: a bank transfer (bonifico) 3, a postal slip (bollettino) 5. */
export const PAYMENT_TRANSIT_DAYS: Record<PaymentMethod, number> = { card: 0, paypal: 0, bonifico: 3, bollettino: 5 }

/** R2: the last day to send a payment by `method` so that it arrives by `deadline` (usually E). */
export function payBy(deadline: CalendarDate, method: PaymentMethod): CalendarDate {
  return addDays(deadline, -PAYMENT_TRANSIT_DAYS[method])
}

/** R2/R5: what a notice says about an open order: its ID, amount, method and the day to pay by. */
export interface OpenOrderFacts {
  orderId: string
  totalCents: number
  method: PaymentMethod
  payBy: CalendarDate
}

/**
 * R2/R5: what a reminder or deactivation notice says about an open order. The payment must arrive
 * by E while the mailbox is active, by the end of the renewable window once it is deactivated (R6).
 */
export function openOrderFacts(
  order: { id: string; totalCents: number; method: PaymentMethod },
  mailbox: { status: MailboxStatus; expiresOn: CalendarDate },
  convention: { renewableWindowDays: number },
): OpenOrderFacts {
  const deadline =
    mailbox.status === 'deactivated' ? renewableUntil(mailbox.expiresOn, convention.renewableWindowDays) : mailbox.expiresOn
  return { orderId: order.id, totalCents: order.totalCents, method: order.method, payBy: payBy(deadline, order.method) }
}
