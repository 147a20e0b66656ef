import type { CalendarDate } from '../../core/calendar'
import type { MailboxStatus } from '../../accounts/schema'
import { DomainError } from '../../core/errors'
import { parseOrderId } from '../../core/order-id'
import { inTurn, type Tx } from '../../db/client'
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
  const pipeline = new BankPaymentPipeline(tx, now, today)
  return pipeline.settle(pipeline.claim(inputs))
}

/** A batch and the rows its claim (the read and the locks) answered; the claim is sent when this is made. */
type BankPaymentClaim = Promise<{ batch: PreparedBatch; claimed: queries.ClaimedBatch }>

/** A claim sent by a pipeline: its place, and how many batches had sent their write before it. */
export interface PipelinedClaim {
  seq: number
  writtenBefore: number
  claim: BankPaymentClaim
}

/**
 * registerPaymentBatch for batches that follow each other in one transaction, pipelined: a batch's
 * claim may be sent before the batches ahead of it are decided and written, so the database reads
 * while this process decides. What such a claim could not see, the batches ahead whose write was
 * sent after it, is applied in memory from their decisions: their payments answer as stored, their
 * orders and mailboxes are as they left them. No other transaction can have changed those rows
 * meanwhile: the claims that read them hold their locks. Batches settle in the order claimed.
 */
export class BankPaymentPipeline {
  private claimsSent = 0
  private writesSent = 0
  /** Decisions of batches written after some claim still to settle was sent, in batch order. */
  private unwritten: Array<{ seq: number; effects: BatchEffects }> = []
  /** `writtenBefore` of the claims sent and not settled yet, in order (never decreasing). */
  private outstanding: number[] = []

  constructor(
    private readonly tx: Tx,
    private readonly now: Date,
    private readonly today: CalendarDate,
  ) {}

  /** Sends the batch's claim now, in turn behind the statements sent before it (the database runs them in that order). */
  claim(inputs: IncomingPayment[]): PipelinedClaim {
    const claimed: PipelinedClaim = { seq: this.claimsSent++, writtenBefore: this.writesSent, claim: sendClaim(this.tx, inputs) }
    this.outstanding.push(claimed.writtenBefore)
    claimed.claim.catch(() => {}) // a claim never settled (the import failed before its turn) fails with the transaction
    return claimed
  }

  /** Decides the batch from its claim and what the claim could not see, and writes it. */
  async settle(claimed: PipelinedClaim): Promise<BankPaymentRegistration[]> {
    if (claimed.seq !== this.writesSent) throw new Error(`batch ${claimed.seq} settled out of order (next is ${this.writesSent})`)
    const { batch, claimed: rows } = await claimed.claim
    const ahead = this.unwritten.filter((u) => u.seq >= claimed.writtenBefore).map((u) => u.effects)
    const decided = decideBatch(batch, rows, this.today, ahead)
    const written = inTurn(this.tx, () => queries.writeBatch(this.tx, decided.writes, this.now)) // after the claims sent before it
    this.writesSent++
    this.unwritten.push({ seq: claimed.seq, effects: decided.effects })
    this.outstanding.shift()
    // claims sent from now on see every write sent so far: keep only what the earlier ones need
    const needed = this.outstanding[0] ?? this.writesSent
    this.unwritten = this.unwritten.filter((u) => u.seq >= needed)
    if ((await written) !== decided.writes.payments.length) throw new ConcurrentRegistrationError()
    return decided.results
  }
}

function sendClaim(tx: Tx, inputs: IncomingPayment[]): BankPaymentClaim {
  let batch: PreparedBatch
  try {
    batch = prepareBatch(inputs)
  } catch (error) {
    return Promise.reject(error)
  }
  return claimBatch(tx, batch).then((claimed) => ({ batch, claimed }))
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

/** R8 and the locks: one statement (see queries.claimBatch), sent in turn with the pipeline's writes. */
function claimBatch(tx: Tx, batch: PreparedBatch): Promise<queries.ClaimedBatch> {
  return inTurn(tx, () => queries.claimBatch(tx, [...batch.firstAt.values()].map((i) => batch.keys[i])))
}

/** What a batch changed, as a later claim sent before its write would have read it. */
interface BatchEffects {
  payments: queries.StoredPayment[]
  paidOrderIds: string[]
  mailboxes: Array<{ id: number; status: MailboxStatus; expiresOn: CalendarDate }>
}

interface DecidedBatch {
  results: BankPaymentRegistration[]
  writes: queries.BatchWrites
  effects: BatchEffects
}

/**
 * R4/R6: what each payment of the batch does, from the claimed rows as changed by `ahead` (batches
 * decided before this one whose writes the claim did not see, in order); no I/O.
 */
function decideBatch(batch: PreparedBatch, claimed: queries.ClaimedBatch, today: CalendarDate, ahead: BatchEffects[] = []): DecidedBatch {
  const { inputs, keys, firstAt } = batch
  const stored = new Map(claimed.stored.map((s) => [keyOf(s), s]))
  // copies: the rows move in memory as the database rows will, for the next payment in this batch
  const orders = new Map(claimed.locked.map((o) => [o.id, { ...o }]))
  // one object per mailbox, shared by its orders: a renewal moves E for the next payment in the batch
  const mailboxes = new Map(claimed.locked.map((o) => [o.mailboxId, { id: o.mailboxId, status: o.mailboxStatus, expiresOn: o.expiresOn }]))
  const conventions = new Map(claimed.conventions.map((c) => [c.code, c]))
  for (const effects of ahead) {
    for (const payment of effects.payments) stored.set(keyOf(payment), payment)
    for (const id of effects.paidOrderIds) {
      const order = orders.get(id)
      if (order) order.status = 'paid'
    }
    for (const m of effects.mailboxes) {
      const mailbox = mailboxes.get(m.id)
      if (mailbox) Object.assign(mailbox, m)
    }
  }

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
  const effects: BatchEffects = {
    payments: writes.payments.map((p) => ({ method: p.method, reference: p.reference, orderId: p.orderId, outcome: p.outcome, reason: p.reason })),
    paidOrderIds: writes.paidOrders.map((o) => o.id),
    mailboxes: writes.renewedMailboxes.map((m) => mailboxes.get(m.id)!),
  }
  return { results, writes, effects }
}
