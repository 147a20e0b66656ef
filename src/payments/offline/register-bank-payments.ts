import type { CalendarDate } from '../../core/calendar'
import { DomainError } from '../../core/errors'
import { parseOrderId } from '../../core/order-id'
import type { Tx } from '../../db/client'
import type { PaymentReceivedParams } from '../../notifications/mail-types'
import { settle } from '../../renewals/rules'
import { PAYMENT_METHODS } from '../../renewals/schema'
import type { IncomingPayment, PaymentRegistration } from '../register-payment'
import type { PaymentOutcome } from '../schema'
import * as queries from './queries'

/** What an import needs to know of each registration (registerPayment answers with more). */
export type BankPaymentRegistration = Pick<PaymentRegistration, 'outcome' | 'reason' | 'orderId' | 'replayed'>

/** Another transaction stored one of the batch's payments while it was being decided: start the import again. */
export class ConcurrentRegistrationError extends Error {
  readonly code = 'concurrent_registration'
  constructor() {
    super('a payment of this statement was registered by another transaction meanwhile')
    this.name = 'ConcurrentRegistrationError'
  }
}

/** A batch's payments with their R8 keys, and where each key first occurs. */
interface PreparedBatch {
  inputs: IncomingPayment[]
  keys: queries.BatchKey[]
  firstAt: Map<string, number>
}

const keyOf = (k: { method: string; reference: string }) => `${k.method}\u0000${k.reference}`

/**
 * R4/R8: registerPayment for a batch of payments inside the caller's transaction, with the same
 * decisions and the same rows (payment, order, mailbox, audit, provisioning command, outbox mail),
 * in two statements: a statement of 100,000 entries cannot afford a dozen round trips per entry.
 * prepareBatch checks the input; claimBatch reads the keys already stored and locks the named orders
 * with their mailboxes; decideBatch settles the payments in input order against those rows kept in
 * memory (a second payment of an order in the batch is a duplicate exactly as it would be one call
 * later); writeDecidedBatch writes everything at once. The unique key (method, reference) still
 * decides: if another transaction stored one of these payments after the read, the write says so and
 * ConcurrentRegistrationError makes the caller roll back and start over. A key already stored (an
 * earlier import, or earlier in this batch) answers as it did the first time.
 */
export async function registerPaymentBatch(tx: Tx, inputs: IncomingPayment[], now: Date, today: CalendarDate): Promise<BankPaymentRegistration[]> {
  return settleBankPayments(tx, claimBankPayments(tx, inputs), now, today)
}

/** A batch and the rows its claim (the read and the locks) answered; the claim is sent when this is made. */
export type BankPaymentClaim = Promise<{ batch: PreparedBatch; claimed: queries.ClaimedBatch }>

/**
 * The first half of registerPaymentBatch: sends the batch's claim at once. A caller that registers
 * several batches in a row sends the next claim right after the previous batch's write (see
 * settleBankPayments' `sent`): the database runs them back to back, in the order sent, so the claim
 * reads what that write wrote, and no time is lost between them.
 */
export function claimBankPayments(tx: Tx, inputs: IncomingPayment[]): BankPaymentClaim {
  let batch: PreparedBatch
  try {
    batch = prepareBatch(inputs)
  } catch (error) {
    return Promise.reject(error)
  }
  return claimBatch(tx, batch).then((claimed) => ({ batch, claimed }))
}

/** The second half: decides from the claimed rows and writes; `sent` is called as soon as the write is sent. */
export async function settleBankPayments(tx: Tx, claim: BankPaymentClaim, now: Date, today: CalendarDate, sent: () => void = () => {}): Promise<BankPaymentRegistration[]> {
  const { batch, claimed } = await claim
  const decided = decideBatch(batch, claimed, today)
  const written = queries.writeBatch(tx, decided.writes, now)
  sent()
  if ((await written) !== decided.writes.payments.length) throw new ConcurrentRegistrationError()
  return decided.results
}

function prepareBatch(inputs: IncomingPayment[]): PreparedBatch {
  const keys = inputs.map((input) => {
    if (!PAYMENT_METHODS.includes(input.method)) throw new DomainError('payment_method_unknown', String(input.method))
    if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0) throw new DomainError('invalid_input', `amountCents: ${input.amountCents}`)
    const reference = input.reference.trim()
    if (!reference) throw new DomainError('invalid_input', 'reference is empty')
    return { method: input.method, reference, orderId: parseOrderId(input.orderRef) } // R3: a mistyped ID fails its check digits
  })
  const firstAt = new Map<string, number>()
  keys.forEach((k, i) => firstAt.has(keyOf(k)) || firstAt.set(keyOf(k), i))
  return { inputs, keys, firstAt }
}

/** R8 and the locks: one statement (see queries.claimBatch). */
function claimBatch(tx: Tx, batch: PreparedBatch): Promise<queries.ClaimedBatch> {
  return queries.claimBatch(tx, [...batch.firstAt.values()].map((i) => batch.keys[i]))
}

interface DecidedBatch {
  results: BankPaymentRegistration[]
  writes: queries.BatchWrites
}

/** R4/R6: what each payment of the batch does, from the claimed rows; no I/O. */
function decideBatch(batch: PreparedBatch, claimed: queries.ClaimedBatch, today: CalendarDate): DecidedBatch {
  const { inputs, keys, firstAt } = batch
  const stored = new Map(claimed.stored.map((s) => [keyOf(s), s]))
  // copies: the rows move in memory as the database rows will, for the next payment in this batch
  const orders = new Map(claimed.locked.map((o) => [o.id, { ...o }]))
  // one object per mailbox, shared by its orders: a renewal moves E for the next payment in the batch
  const mailboxes = new Map(claimed.locked.map((o) => [o.mailboxId, { id: o.mailboxId, status: o.mailboxStatus, expiresOn: o.expiresOn }]))
  const conventions = new Map(claimed.conventions.map((c) => [c.code, c]))

  const results: BankPaymentRegistration[] = new Array(inputs.length)
  const writes: queries.BatchWrites = { payments: [], paidOrders: [], renewedMailboxes: [], audits: [], enableMailboxIds: [], mails: [] }
  const renewed = new Map<number, { id: number; expiresOn: CalendarDate; reactivate: boolean }>()

  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]
    const { method, reference, orderId } = keys[i]
    const first = firstAt.get(keyOf(keys[i]))!
    if (first !== i) {
      results[i] = { outcome: results[first].outcome, reason: results[first].reason, orderId: results[first].orderId, replayed: true } // the same movement twice in one batch
      continue
    }
    const earlier = stored.get(keyOf(keys[i]))
    if (earlier) {
      results[i] = { outcome: earlier.outcome, reason: earlier.reason ?? undefined, orderId: earlier.orderId, replayed: true }
      continue
    }
    // Rows and results are written out key by key (no spreads): a batch builds thousands of them.
    const store = (order: string | null, outcome: PaymentOutcome, reason: string | null, refundStatus: 'none' | 'due') =>
      writes.payments.push({ method, reference, orderRef: input.orderRef, orderId: order, amountCents: input.amountCents, outcome, reason, refundStatus, source: input.actor, raw: input.raw ?? null })
    const auditRow = (action: string, order: { id: string; mailboxId: number } | null, reason: string | null, data: unknown) =>
      writes.audits.push({ payment: writes.payments.length, action, mailboxId: order?.mailboxId ?? null, orderId: order?.id ?? null, reason, data })
    const paymentFacts = { amountCents: input.amountCents, method, reference, orderRef: input.orderRef }
    const order = orderId ? orders.get(orderId) : undefined
    if (!order) {
      store(null, 'unknownOrder', null, 'none')
      auditRow('payment.unknown_order', null, 'unknown_order', paymentFacts)
      results[i] = { outcome: 'unknownOrder', reason: 'unknown_order', orderId: null, replayed: false }
      continue
    }
    const mailbox = mailboxes.get(order.mailboxId)!
    const convention = conventions.get(order.conventionCode)!
    const settlement = settle(order, mailbox, input.amountCents, convention, today)
    switch (settlement.kind) {
      case 'duplicate': {
        // R4: an already paid order never extends again; the money is due back
        const reason = 'order_already_paid'
        store(order.id, 'duplicate', reason, 'due')
        auditRow('payment.duplicate', order, reason, paymentFacts)
        results[i] = { outcome: 'duplicate', reason, orderId: order.id, replayed: false }
        break
      }
      case 'held': {
        // R4: held for an operator, extends nothing; R6: after cessation, kept for refund
        const { reason, refundDue } = settlement
        const refundStatus = refundDue ? 'due' : 'none'
        store(order.id, 'held', reason, refundStatus)
        auditRow('payment.held', order, reason, { amountCents: input.amountCents, method, reference, orderRef: input.orderRef, totalCents: order.totalCents, refundStatus })
        results[i] = { outcome: 'held', reason, orderId: order.id, replayed: false }
        break
      }
      case 'paid': {
        const { extendsFrom, newExpiresOn, reactivates } = settlement
        store(order.id, 'paid', null, 'none')
        writes.paidOrders.push({ id: order.id, extendedFrom: extendsFrom, newExpiresOn })
        const before = mailbox.expiresOn
        order.status = 'paid'
        mailbox.expiresOn = newExpiresOn
        if (reactivates) mailbox.status = 'active'
        const previous = renewed.get(mailbox.id)
        renewed.set(mailbox.id, { id: mailbox.id, expiresOn: newExpiresOn, reactivate: reactivates || (previous?.reactivate ?? false) })
        auditRow('payment.paid', order, null, paymentFacts)
        auditRow('order.paid', order, null, { extendedFrom: extendsFrom, newExpiresOn })
        auditRow('mailbox.renewed', order, null, { from: before, to: newExpiresOn, extendedFrom: extendsFrom, years: order.years })
        if (reactivates) {
          // R6: a payment within the window re-enables a deactivated mailbox on the mail platform
          writes.enableMailboxIds.push(mailbox.id)
          auditRow('mailbox.reactivated', order, 'late_renewal_paid', null)
        }
        const params: PaymentReceivedParams = {
          holderName: order.holderName,
          mailbox: order.address,
          orderId: order.id,
          amountCents: input.amountCents,
          method,
          newExpiresOn,
          reactivated: reactivates,
        }
        writes.mails.push({ language: order.language, recipient: order.referenceEmail, params, mailboxId: mailbox.id, orderId: order.id })
        results[i] = { outcome: 'paid', reason: undefined, orderId: order.id, replayed: false }
        break
      }
    }
  }
  writes.renewedMailboxes = [...renewed.values()]
  return { results, writes }
}
