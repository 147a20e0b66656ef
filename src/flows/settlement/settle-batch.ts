import type { CalendarDate } from '../../core/calendar'
import type { OrderId } from '../../core/order-id'
import type { MailboxStatus } from '../../accounts/schema'
import type { PaymentOutcome } from '../../payments/schema'
import { settle, type HoldReason, type LateRenewalFrom } from '../../renewals/rules'
import type { OrderStatus } from '../../renewals/schema'
import { paymentKey, type CheckedPayment } from './payment'

// The one decision of every payment channel (R4, R6, R8): what each payment of a batch does, from
// the rows its claim read and locked. Plain values in, plain values out: no clock, no database.

/** A payment stored before under the same (method, reference): R8 answers with it. */
export interface StoredPayment {
  id: number
  method: string
  reference: string
  orderId: OrderId | null
  outcome: PaymentOutcome
  reason: string | null
  /** Its order's mailbox's expiry now; null when it matched no order. */
  expiresOn: CalendarDate | null
}

export interface ClaimedOrder {
  id: OrderId
  status: OrderStatus
  totalCents: number
  years: number
  mailboxId: number
}

export interface ClaimedMailbox {
  id: number
  status: MailboxStatus
  expiresOn: CalendarDate
  conventionCode: string
}

export interface ConventionTerms {
  code: string
  lateRenewalFrom: LateRenewalFrom
  renewableWindowDays: number
}

/** What a batch's claim read: the payments already stored under its keys, and its orders and mailboxes, locked. */
export interface ClaimedRows {
  stored: StoredPayment[]
  orders: ClaimedOrder[]
  mailboxes: ClaimedMailbox[]
  conventions: ConventionTerms[]
}

export type PaymentDecision =
  /** R8: stored before this batch: answered as then, nothing changes. */
  | { kind: 'replayed'; stored: StoredPayment; expiresOn: CalendarDate | null }
  /** R8: the same (method, reference) earlier in this batch (the bank lists a movement twice): answered as it was. */
  | { kind: 'repeated'; earlier: number; expiresOn: CalendarDate | null }
  /** No order matches the reference: kept for an operator to match. */
  | { kind: 'unknownOrder' }
  /** R4: the order was already paid: recorded, never extends again, refund due. */
  | { kind: 'duplicate'; order: ClaimedOrder; expiresOn: CalendarDate }
  /** R4/R6: held for an operator, extends nothing; refundDue when the money can buy nothing any more. */
  | { kind: 'held'; order: ClaimedOrder; reason: HoldReason; refundDue: boolean; expiresOn: CalendarDate }
  /** R4: the order is paid; its mailbox's expiry goes from `expiredOn` to newExpiresOn (R6: re-enabled). */
  | { kind: 'paid'; order: ClaimedOrder; expiredOn: CalendarDate; extendsFrom: CalendarDate; newExpiresOn: CalendarDate; reactivates: boolean }

/**
 * R4/R6/R8: the payments of a batch, in order, each decided as if registered alone one after the
 * other: a payment sees what the ones before it did (an order paid, a mailbox renewed), so the
 * second payment of an order in the batch is its duplicate, and a movement listed twice registers
 * once. Every payment names an order the claim locked, or none that exists.
 */
export function settleBatch(payments: readonly CheckedPayment[], claimed: ClaimedRows, today: CalendarDate): PaymentDecision[] {
  const stored = new Map(claimed.stored.map((s) => [paymentKey(s), s]))
  // copies: they move in memory as the rows will, for the next payment of the batch
  const orders = new Map(claimed.orders.map((o) => [o.id, { ...o }]))
  const mailboxes = new Map(claimed.mailboxes.map((m) => [m.id, { ...m }]))
  const conventions = new Map(claimed.conventions.map((c) => [c.code, c]))
  const firstAt = new Map<string, number>()
  const expiryOf = (orderId: OrderId | null) => {
    const order = orderId ? orders.get(orderId) : undefined
    return order ? mailboxes.get(order.mailboxId)!.expiresOn : null
  }

  return payments.map((payment, i): PaymentDecision => {
    const key = paymentKey(payment)
    const before = stored.get(key)
    if (before) return { kind: 'replayed', stored: before, expiresOn: before.orderId && orders.has(before.orderId) ? expiryOf(before.orderId) : before.expiresOn }
    const earlier = firstAt.get(key)
    if (earlier !== undefined) return { kind: 'repeated', earlier, expiresOn: expiryOf(payments[earlier].orderId) }
    firstAt.set(key, i)

    const order = payment.orderId ? orders.get(payment.orderId) : undefined
    if (!order) return { kind: 'unknownOrder' }
    const mailbox = mailboxes.get(order.mailboxId)!
    const settlement = settle(order, mailbox, payment.amountCents, conventions.get(mailbox.conventionCode)!, today, {
      acceptShortfall: payment.acceptShortfall,
    })
    switch (settlement.kind) {
      case 'duplicate':
        return { kind: 'duplicate', order, expiresOn: mailbox.expiresOn }
      case 'held':
        return { kind: 'held', order, reason: settlement.reason, refundDue: settlement.refundDue, expiresOn: mailbox.expiresOn }
      case 'paid': {
        const decision: PaymentDecision = { ...settlement, order: { ...order }, expiredOn: mailbox.expiresOn }
        order.status = 'paid'
        mailbox.expiresOn = settlement.newExpiresOn
        if (settlement.reactivates) mailbox.status = 'active'
        return decision
      }
    }
  })
}
