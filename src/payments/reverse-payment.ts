import { businessDate, compareDates, type CalendarDate } from '../core/calendar'
import type { OrderId } from '../core/order-id'
import { findConvention } from '../catalog/queries'
import { DomainError } from '../core/errors'
import type { Tx } from '../db/client'
import { audit, type Actor } from '../db/audit'
import type { Deps } from '../deps'
import { enqueueMail } from '../notifications/outbox'
import * as accounts from '../accounts/queries'
import * as renewals from '../renewals/queries'
import { openOrderFacts, renewableUntil } from '../renewals/rules'
import { PAYMENT_METHODS, type PaymentMethod } from '../renewals/schema'
import * as payments from './queries'
import * as queries from './reversal-queries'
import type { ReversalOutcome, ReversalReason } from './reversal-schema'
import { invoiceNumber } from '../invoicing/config'
import { issueCreditNote } from '../invoicing/issue'
import { emitInvoiceIssued } from '../events/invoice-events'

export interface PaymentReversalInput {
  method: PaymentMethod
  /** The reversed payment's reference, as it was registered. */
  reference: string
  actor: Actor
  /** The reversal's own reference (the bank's reversal entry); default "reversal:" + reference. */
  reversalReference?: string
  /** When given, must equal the payment's amount; otherwise an operator decides. */
  amountCents?: number
  raw?: unknown
}

export interface PaymentReversal {
  outcome: ReversalOutcome
  /** Why held (mailbox_expiry_changed, another_open_order, already_refunded, amount_mismatch …) or unmatched. */
  reason?: ReversalReason
  reversalId: number
  paymentId: number | null
  orderId: OrderId | null
  /** The mailbox's expiry after the reversal; null when no order is involved. */
  expiresOn: CalendarDate | null
  /** R8: this reversal was recorded before; nothing changed now. */
  replayed: boolean
}

/**
 * R4/R8/R9: undoes what a payment did, in one transaction. A payment that paid an order un-pays it:
 * the order is open again and the mailbox's expiry goes back to what it was before the payment, but
 * only while the expiry is still the one that payment gave (else an operator decides). A payment
 * due for refund is no longer due (the money went back); one that bought nothing is only noted.
 * When an order is un-paid, its holder is told in the same transaction (payment_reversed), and its
 * invoice is credited (R11: a TD04 credit note; a duplicate or held payment was never invoiced).
 * Locks mailbox, then order, then payment; a second reversal of the same payment changes nothing.
 */
export async function reversePayment(deps: Deps, input: PaymentReversalInput): Promise<PaymentReversal> {
  if (!PAYMENT_METHODS.includes(input.method)) throw new DomainError('payment_method_unknown', String(input.method))
  if (!input.reference.trim()) throw new DomainError('invalid_input', 'reference is empty')
  const now = deps.clock.now()
  return deps.db.transaction((tx) => reversePaymentInTransaction(tx, input, now))
}

/** reversePayment inside a transaction the caller holds (a statement import is one transaction). */
export async function reversePaymentInTransaction(
  tx: Tx,
  input: PaymentReversalInput,
  now: Date,
): Promise<PaymentReversal> {
  const reference = input.reference.trim()
  const reversalReference = (input.reversalReference ?? `reversal:${reference}`).trim()
  const earlier = await queries.findReversal(tx, input.method, reversalReference)
  if (earlier) return replay(tx, earlier)

  const found = await reversedPayment(tx, await payments.findPaymentByReference(tx, input.method, reference))
  const base = {
    method: input.method,
    reference: reversalReference,
    amountCents: input.amountCents ?? found?.amountCents ?? 0,
    source: input.actor,
    receivedAt: now,
    raw: input.raw ?? null,
  }
  if (!found) {
    const reason = 'payment_not_found' as const
    const reversalId = await queries.insertReversalOnce(tx, { ...base, paymentId: null, orderId: null, outcome: 'unmatched', reason })
    if (reversalId === undefined) return replay(tx, (await queries.findReversal(tx, input.method, reversalReference))!)
    await audit(tx, { actor: input.actor, at: now, action: 'payment.reversal_unmatched', reason, data: { reference, reversalReference, amountCents: base.amountCents } })
    return { outcome: 'unmatched', reason, reversalId, paymentId: null, orderId: null, expiresOn: null, replayed: false }
  }

  // A held payment an operator assigned paid its order through the payment its resolution
  // registered (issue 11): the reversal undoes that one, as it would the payment itself.
  const assigned = found.resolution === 'assigned' && found.resolvedPaymentId !== null ? await payments.findPayment(tx, found.resolvedPaymentId) : undefined
  const orderId = assigned ? assigned.orderId : found.orderId
  // Lock order: mailbox, then order (as registerPayment), then the payment itself (and the one its resolution registered).
  const order = orderId ? await renewals.findOrder(tx, orderId) : undefined
  const mailbox = order ? (await renewals.lockMailbox(tx, order.mailboxId))! : undefined
  const lockedOrder = order ? (await renewals.lockOrder(tx, order.id))! : undefined
  const payment = (await queries.lockPayment(tx, found.id))!
  const registered = assigned ? (await queries.lockPayment(tx, assigned.id))! : undefined
  const prior = await queries.findReversalOfPayment(tx, payment.id)
  if (prior) return replay(tx, prior) // R8: a payment is reversed once

  const decision = await decide(tx, payment, registered ?? payment, lockedOrder, mailbox, input.amountCents)
  const reversalId = await queries.insertReversalOnce(tx, {
    ...base,
    paymentId: payment.id,
    orderId,
    outcome: decision.outcome,
    reason: decision.reason ?? null,
  })
  if (reversalId === undefined) return replay(tx, (await queries.findReversal(tx, input.method, reversalReference))!)

  const log = {
    actor: input.actor,
    at: now,
    paymentId: payment.id,
    ...(orderId ? { orderId } : {}),
    ...(mailbox ? { mailboxId: mailbox.id } : {}),
  }
  const facts = {
    reference,
    reversalReference,
    amountCents: payment.amountCents,
    outcomeBefore: payment.outcome,
    ...(registered ? { assignedPaymentId: registered.id } : {}),
  }
  let expiresOn = mailbox?.expiresOn ?? null
  switch (decision.outcome) {
    case 'unpaid': {
      // R4 undone: the order is payable again and E is what it was before this payment
      // R11: the invoice of the money given back is cancelled by a credit note (TD04), numbered now
      const paying = registered ?? payment
      const creditNote = await issueCreditNote(tx, paying.id, { issuedOn: businessDate(now), now })
      if (creditNote) {
        await audit(tx, { ...log, action: 'invoice.credit_note_issued', data: { invoiceId: creditNote.id, number: invoiceNumber(creditNote.year, creditNote.number, creditNote.series) } })
        await emitInvoiceIssued(tx, creditNote.id, now) // issue 15: a credit note is an invoice.issued of kind credit_note
      }
      await queries.markPaymentReversed(tx, paying.id, { outcome: 'held' })
      // the assigned payment: its refund due (an overpayment's difference) went back with the rest
      if (registered) await queries.markPaymentReversed(tx, payment.id, { outcome: payment.outcome })
      await queries.reopenOrder(tx, lockedOrder!.id)
      await accounts.renewMailbox(tx, mailbox!.id, { expiresOn: decision.restoreExpiry!, reactivate: false, now })
      await audit(tx, { ...log, action: 'payment.reversed', reason: 'unpaid', data: facts })
      await audit(tx, { ...log, action: 'order.reopened', reason: 'payment_reversed', data: { newExpiresOn: lockedOrder!.newExpiresOn } })
      await audit(tx, { ...log, action: 'mailbox.renewal_reversed', data: { from: mailbox!.expiresOn, to: decision.restoreExpiry } })
      await enqueueReversalMail(tx, payment, lockedOrder!, mailbox!, decision.restoreExpiry!, now)
      expiresOn = decision.restoreExpiry!
      break
    }
    case 'refund_cancelled':
    case 'recorded':
      await queries.markPaymentReversed(tx, payment.id, { outcome: payment.outcome })
      await audit(tx, { ...log, action: 'payment.reversed', reason: decision.outcome, data: facts })
      break
    case 'held':
      await audit(tx, { ...log, action: 'payment.reversal_held', reason: decision.reason, data: facts })
      break
  }
  return {
    outcome: decision.outcome,
    ...(decision.reason ? { reason: decision.reason } : {}),
    reversalId,
    paymentId: payment.id,
    orderId,
    expiresOn,
    replayed: false,
  }
}

/**
 * Says exactly what the reversal did: the order is open and unpaid again, E is back to what it was
 * (the mailbox's status is unchanged), and what follows from E: still ahead, or past, in which case
 * the daily run deactivates the mailbox (R5) and a payment renews it until the window ends (R6).
 */
async function enqueueReversalMail(
  tx: Tx,
  payment: { amountCents: number; method: PaymentMethod },
  order: renewals.OrderRow,
  mailbox: renewals.MailboxRow,
  restored: CalendarDate,
  now: Date,
): Promise<void> {
  const account = (await renewals.findAccount(tx, mailbox.accountId))!
  const convention = (await findConvention(tx, mailbox.conventionCode))!
  const expired = compareDates(restored, businessDate(now)) < 0
  const status = mailbox.status === 'deactivated' ? 'deactivated' : 'active'
  // Once E has passed the payment must arrive within the renewable window, as after deactivation.
  const facts = openOrderFacts(order, { status: expired ? 'deactivated' : status, expiresOn: restored }, convention)
  await enqueueMail(
    tx,
    {
      template: 'payment_reversed',
      language: account.language,
      recipient: account.referenceEmail,
      params: {
        holderName: `${account.firstName} ${account.lastName}`,
        mailbox: mailbox.address,
        amountCents: payment.amountCents,
        method: payment.method,
        expiresOn: restored,
        withdrawnExpiresOn: mailbox.expiresOn,
        mailboxStatus: status,
        renewableUntil: expired ? renewableUntil(restored, convention.renewableWindowDays) : null,
        openOrder: facts,
      },
      mailboxId: mailbox.id,
      orderId: order.id,
    },
    now,
  )
}

interface Decision {
  outcome: Exclude<ReversalOutcome, 'unmatched'>
  reason?: Exclude<ReversalReason, 'payment_not_found'>
  restoreExpiry?: CalendarDate
}

/**
 * `payment` is the one the bank or gateway took back; `paying` the one that paid its order: itself,
 * or for a held payment an operator assigned, the payment the assignment registered.
 */
async function decide(
  tx: Tx,
  payment: Awaited<ReturnType<typeof queries.lockPayment>> & object,
  paying: Awaited<ReturnType<typeof queries.lockPayment>> & object,
  order: renewals.OrderRow | undefined,
  mailbox: renewals.MailboxRow | undefined,
  amountCents: number | undefined,
): Promise<Decision> {
  if (amountCents !== undefined && amountCents !== payment.amountCents) return { outcome: 'held', reason: 'amount_mismatch' }
  if (payment.refundStatus === 'refunded') return { outcome: 'held', reason: 'already_refunded' } // the money went back twice
  if (paying.outcome !== 'paid') {
    return payment.refundStatus === 'due' ? { outcome: 'refund_cancelled' } : { outcome: 'recorded' }
  }
  if (!order || !mailbox || order.status !== 'paid') return { outcome: 'held', reason: 'order_not_paid' }
  // Only while E is still the one this payment gave: a later renewal or an operator's change wins.
  if (mailbox.expiresOn !== order.newExpiresOn) return { outcome: 'held', reason: 'mailbox_expiry_changed' }
  const open = await renewals.findOpenOrder(tx, mailbox.id)
  if (open) return { outcome: 'held', reason: 'another_open_order' } // R3: one open order per mailbox
  const restoreExpiry = (await queries.expiryBeforeRenewal(tx, order.id)) ?? order.extendedFrom ?? undefined
  return { outcome: 'unpaid', restoreExpiry }
}

/**
 * The payment the reversal is about: the one found, or when that is the payment an operator's
 * assignment registered (`resolution:ID`, which no bank ever quotes), the held payment it resolved.
 */
async function reversedPayment(tx: Tx, found: payments.PaymentRow | undefined): Promise<payments.PaymentRow | undefined> {
  const resolves = found?.reference.match(/^resolution:(\d+)$/)
  return resolves ? ((await payments.findPayment(tx, Number(resolves[1]))) ?? found) : found
}

async function replay(tx: Tx, stored: queries.ReversalRow): Promise<PaymentReversal> {
  const order = stored.orderId ? await renewals.findOrder(tx, stored.orderId) : undefined
  const mailbox = order ? await renewals.findMailbox(tx, order.mailboxId) : undefined
  return {
    outcome: stored.outcome,
    ...(stored.reason ? { reason: stored.reason } : {}),
    reversalId: stored.id,
    paymentId: stored.paymentId,
    orderId: stored.orderId,
    expiresOn: mailbox?.expiresOn ?? null,
    replayed: true,
  }
}
