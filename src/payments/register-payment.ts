import { businessDate, type CalendarDate } from '../core/calendar'
import { DomainError } from '../core/errors'
import { parseOrderId } from '../core/order-id'
import type { Tx } from '../db/client'
import { audit, type Actor } from '../db/audit'
import type { Deps } from '../deps'
import { findConvention } from '../catalog/queries'
import { enqueueMail } from '../notifications/outbox'
import type { PaymentReceivedParams } from '../notifications/mail-types'
import * as renewals from '../renewals/queries'
import { settle } from '../renewals/rules'
import { PAYMENT_METHODS, type PaymentMethod } from '../renewals/schema'
import * as queries from './queries'
import type { PaymentOutcome } from './schema'

export { listPaymentsForOrder } from './queries'

export interface IncomingPayment {
  /** The order ID as the payer quoted it (any case, spaces, dashes): checked with its check digits. */
  orderRef: string
  amountCents: number
  method: PaymentMethod
  /** The gateway transaction, bank entry or postal-slip reference: unique per method (R8). */
  reference: string
  actor: Actor // gateway:NAME or operator:NAME
  raw?: unknown
}

export interface PaymentRegistration {
  outcome: PaymentOutcome
  /** Why held (amount_mismatch, mailbox_ceased, order_lapsed) or duplicate (order_already_paid). */
  reason?: string
  orderId: string | null
  paymentId: number
  /** The mailbox's expiry after this payment (the new one when paid); null when no order matched. */
  expiresOn: CalendarDate | null
  /** R8: this (method, reference) was registered before; nothing changed now. */
  replayed: boolean
}

/**
 * R4/R8: registers one payment notification in one transaction. It is stored first under its
 * (method, reference), so a repeated notification changes nothing and answers as the first did.
 * Then the order's mailbox and the order are locked and the payment settled: paid extends the
 * expiry from E (reactivating a deactivated mailbox, R6); a duplicate or a payment after cessation
 * is kept for refund; a mismatched amount is held for an operator; an unknown order ID is kept
 * with no order for an operator to match.
 */
export async function registerPayment(deps: Deps, input: IncomingPayment): Promise<PaymentRegistration> {
  if (!PAYMENT_METHODS.includes(input.method)) throw new DomainError('payment_method_unknown', String(input.method))
  if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0) {
    throw new DomainError('invalid_input', `amountCents: ${input.amountCents}`)
  }
  const reference = input.reference.trim()
  if (!reference) throw new DomainError('invalid_input', 'reference is empty')
  const now = deps.clock.now()
  const today = businessDate(now, deps.config.businessTimeZone)

  return deps.db.transaction(async (tx) => {
    const paymentId = await queries.insertPaymentOnce(tx, {
      method: input.method,
      reference,
      orderRef: input.orderRef,
      orderId: null,
      amountCents: input.amountCents,
      outcome: 'unknownOrder', // decided below, in this same transaction
      source: input.actor,
      receivedAt: now,
      raw: input.raw ?? null,
    })
    if (paymentId === undefined) return replay(tx, input.method, reference)

    const orderId = parseOrderId(input.orderRef) // R3: a mistyped ID fails its check digits
    const found = orderId ? await renewals.findOrder(tx, orderId) : undefined
    const log = { actor: input.actor, at: now, paymentId }
    const paymentFacts = { amountCents: input.amountCents, method: input.method, reference, orderRef: input.orderRef }
    if (!found) {
      await audit(tx, { ...log, action: 'payment.unknown_order', reason: 'unknown_order', data: paymentFacts })
      return { outcome: 'unknownOrder', reason: 'unknown_order', orderId: null, paymentId, expiresOn: null, replayed: false }
    }

    // Lock order: mailbox, then order (as placeOrder and the lifecycle run do).
    const mailbox = (await renewals.lockMailbox(tx, found.mailboxId))!
    const order = (await renewals.lockOrder(tx, found.id))!
    const convention = (await findConvention(tx, mailbox.conventionCode))!
    const settlement = settle(order, mailbox, input.amountCents, convention, today)
    const ids = { ...log, orderId: order.id, mailboxId: mailbox.id }

    switch (settlement.kind) {
      case 'duplicate': {
        // R4: an already paid order never extends again; the money is due back
        const reason = 'order_already_paid'
        await queries.recordPaymentOutcome(tx, paymentId, { orderId: order.id, outcome: 'duplicate', reason, refundStatus: 'due' })
        await audit(tx, { ...ids, action: 'payment.duplicate', reason, data: paymentFacts })
        return { outcome: 'duplicate', reason, orderId: order.id, paymentId, expiresOn: mailbox.expiresOn, replayed: false }
      }
      case 'held': {
        // R4: held for an operator, extends nothing; R6: after cessation, kept for refund
        const { reason, refundDue } = settlement
        const refundStatus = refundDue ? 'due' : 'none'
        await queries.recordPaymentOutcome(tx, paymentId, { orderId: order.id, outcome: 'held', reason, refundStatus })
        await audit(tx, { ...ids, action: 'payment.held', reason, data: { ...paymentFacts, totalCents: order.totalCents, refundStatus } })
        return { outcome: 'held', reason, orderId: order.id, paymentId, expiresOn: mailbox.expiresOn, replayed: false }
      }
      case 'paid': {
        const { extendsFrom, newExpiresOn, reactivates } = settlement
        await queries.recordPaymentOutcome(tx, paymentId, { orderId: order.id, outcome: 'paid', reason: null, refundStatus: 'none' })
        await renewals.markOrderPaid(tx, order.id, { paidAt: now, extendedFrom: extendsFrom, newExpiresOn })
        // R4: E becomes E + duration in the same transaction as the payment
        await renewals.renewMailbox(tx, mailbox.id, { expiresOn: newExpiresOn, reactivate: reactivates, now })
        await audit(tx, { ...ids, action: 'payment.paid', data: paymentFacts })
        await audit(tx, { ...ids, action: 'order.paid', data: { extendedFrom: extendsFrom, newExpiresOn } })
        await audit(tx, {
          ...ids,
          action: 'mailbox.renewed',
          data: { from: mailbox.expiresOn, to: newExpiresOn, extendedFrom: extendsFrom, years: order.years },
        })
        if (reactivates) {
          // R6: a payment within the window re-enables a deactivated mailbox on the mail platform
          await renewals.queueEnableCommand(tx, mailbox.id, now)
          await audit(tx, { ...ids, action: 'mailbox.reactivated', reason: 'late_renewal_paid' })
        }
        const account = (await renewals.findAccount(tx, mailbox.accountId))!
        const params: PaymentReceivedParams = {
          holderName: `${account.firstName} ${account.lastName}`,
          mailbox: mailbox.address,
          orderId: order.id,
          amountCents: input.amountCents,
          method: input.method,
          newExpiresOn,
          reactivated: reactivates,
        }
        await enqueueMail(
          tx,
          {
            template: 'payment_received',
            language: account.language,
            recipient: account.referenceEmail,
            params,
            mailboxId: mailbox.id,
            orderId: order.id,
          },
          now,
        )
        return { outcome: 'paid', orderId: order.id, paymentId, expiresOn: newExpiresOn, replayed: false }
      }
    }
  })
}

/** R8: the answer given the first time this (method, reference) was registered. */
async function replay(tx: Tx, method: PaymentMethod, reference: string): Promise<PaymentRegistration> {
  const stored = (await queries.findPaymentByReference(tx, method, reference))!
  const order = stored.orderId ? await renewals.findOrder(tx, stored.orderId) : undefined
  const mailbox = order ? await renewals.findMailbox(tx, order.mailboxId) : undefined
  return {
    outcome: stored.outcome,
    ...(stored.reason ? { reason: stored.reason } : {}),
    orderId: stored.orderId,
    paymentId: stored.id,
    expiresOn: mailbox?.expiresOn ?? null,
    replayed: true,
  }
}
