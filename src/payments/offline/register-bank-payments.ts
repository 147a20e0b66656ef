import type { CalendarDate } from '../../core/calendar'
import { DomainError } from '../../core/errors'
import { parseOrderId } from '../../core/order-id'
import type { Tx } from '../../db/client'
import type { AuditEntry } from '../../db/audit'
import type { PaymentReceivedParams } from '../../notifications/mail-types'
import type { outbox } from '../../notifications/schema'
import type { MailboxRow, OrderRow } from '../../renewals/queries'
import { settle } from '../../renewals/rules'
import { PAYMENT_METHODS } from '../../renewals/schema'
import type { IncomingPayment, PaymentRegistration } from '../register-payment'
import * as queries from './queries'

/**
 * R4/R8: registerPayment for a batch of payments inside the caller's transaction, with the same
 * decisions and the same rows (payment, order, mailbox, audit, provisioning command, outbox mail),
 * written set-based: a statement of 100,000 entries cannot afford a dozen round trips per entry.
 * Payments are settled in input order against the locked rows kept in memory, so a second payment
 * of an order in the same batch is a duplicate exactly as it would be one call later. A reference
 * already stored (an earlier import, or earlier in this batch) answers as it did the first time.
 */
export async function registerPaymentBatch(tx: Tx, inputs: IncomingPayment[], now: Date, today: CalendarDate): Promise<PaymentRegistration[]> {
  const references = inputs.map((input) => {
    if (!PAYMENT_METHODS.includes(input.method)) throw new DomainError('payment_method_unknown', String(input.method))
    if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0) throw new DomainError('invalid_input', `amountCents: ${input.amountCents}`)
    const reference = input.reference.trim()
    if (!reference) throw new DomainError('invalid_input', 'reference is empty')
    return `${input.method}\u0000${reference}`
  })
  const results: Array<PaymentRegistration | undefined> = new Array(inputs.length)

  // R8: store first, under (method, reference); only the first occurrence of a key may be new.
  const firstAt = new Map<string, number>()
  references.forEach((key, i) => firstAt.has(key) || firstAt.set(key, i))
  const byMethod = new Map<string, number[]>()
  for (const i of firstAt.values()) {
    const list = byMethod.get(inputs[i].method)
    if (list) list.push(i)
    else byMethod.set(inputs[i].method, [i])
  }
  const fresh = new Map<number, number>() // input index → new payment id
  for (const [, indexes] of byMethod) {
    const ids = await queries.insertPaymentsOnce(
      tx,
      indexes.map((i) => ({
        method: inputs[i].method,
        reference: inputs[i].reference.trim(),
        orderRef: inputs[i].orderRef,
        amountCents: inputs[i].amountCents,
        source: inputs[i].actor,
        raw: inputs[i].raw ?? null,
      })),
      now,
    )
    for (const i of indexes) {
      const id = ids.get(inputs[i].reference.trim())
      if (id !== undefined) fresh.set(i, id)
    }
  }

  // Lock order: mailboxes, then orders, each in id order.
  const freshIndexes = [...fresh.keys()].sort((a, b) => a - b)
  const orderIds = [...new Set(freshIndexes.map((i) => parseOrderId(inputs[i].orderRef)).filter((id): id is NonNullable<typeof id> => id !== null))]
  const owners = await queries.findOrderMailboxes(tx, orderIds)
  const mailboxes = new Map<number, MailboxRow>((await queries.lockMailboxes(tx, [...new Set(owners.map((o) => o.mailboxId))])).map((m) => [m.id, { ...m }]))
  const orders = new Map<string, OrderRow>((await queries.lockOrders(tx, owners.map((o) => o.id))).map((o) => [o.id, { ...o }]))
  const conventions = new Map((await queries.listConventions(tx)).map((c) => [c.code, c]))

  const decisions: queries.PaymentDecision[] = []
  const paidOrders: Array<{ id: string; extendedFrom: CalendarDate; newExpiresOn: CalendarDate }> = []
  const renewed = new Map<number, { id: number; expiresOn: CalendarDate; reactivate: boolean }>()
  const audits: AuditEntry[] = []
  const enables: number[] = []
  const mails: Array<{ accountId: string; mailbox: MailboxRow; order: OrderRow; params: Omit<PaymentReceivedParams, 'holderName'> }> = []

  for (const i of freshIndexes) {
    const input = inputs[i]
    const paymentId = fresh.get(i)!
    const reference = input.reference.trim()
    const orderId = parseOrderId(input.orderRef) // R3: a mistyped ID fails its check digits
    const order = orderId ? orders.get(orderId) : undefined
    const log = { actor: input.actor, at: now, paymentId }
    const paymentFacts = { amountCents: input.amountCents, method: input.method, reference, orderRef: input.orderRef }
    if (!order) {
      audits.push({ ...log, action: 'payment.unknown_order', reason: 'unknown_order', data: paymentFacts })
      results[i] = { outcome: 'unknownOrder', reason: 'unknown_order', orderId: null, paymentId, expiresOn: null, replayed: false }
      continue
    }
    const mailbox = mailboxes.get(order.mailboxId)!
    const convention = conventions.get(mailbox.conventionCode)!
    const settlement = settle(order, mailbox, input.amountCents, convention, today)
    const ids = { ...log, orderId: order.id, mailboxId: mailbox.id }
    switch (settlement.kind) {
      case 'duplicate': {
        // R4: an already paid order never extends again; the money is due back
        const reason = 'order_already_paid'
        decisions.push({ id: paymentId, orderId: order.id, outcome: 'duplicate', reason, refundStatus: 'due' })
        audits.push({ ...ids, action: 'payment.duplicate', reason, data: paymentFacts })
        results[i] = { outcome: 'duplicate', reason, orderId: order.id, paymentId, expiresOn: mailbox.expiresOn, replayed: false }
        break
      }
      case 'held': {
        // R4: held for an operator, extends nothing; R6: after cessation, kept for refund
        const { reason, refundDue } = settlement
        const refundStatus = refundDue ? 'due' : 'none'
        decisions.push({ id: paymentId, orderId: order.id, outcome: 'held', reason, refundStatus })
        audits.push({ ...ids, action: 'payment.held', reason, data: { ...paymentFacts, totalCents: order.totalCents, refundStatus } })
        results[i] = { outcome: 'held', reason, orderId: order.id, paymentId, expiresOn: mailbox.expiresOn, replayed: false }
        break
      }
      case 'paid': {
        const { extendsFrom, newExpiresOn, reactivates } = settlement
        decisions.push({ id: paymentId, orderId: order.id, outcome: 'paid', reason: null, refundStatus: 'none' })
        paidOrders.push({ id: order.id, extendedFrom: extendsFrom, newExpiresOn })
        const before = mailbox.expiresOn
        // the in-memory rows move as the database rows will, for the next payment in this batch
        Object.assign(order, { status: 'paid', paidAt: now, extendedFrom: extendsFrom, newExpiresOn })
        Object.assign(mailbox, { expiresOn: newExpiresOn, ...(reactivates ? { status: 'active', deactivatedOn: null } : {}) })
        const previous = renewed.get(mailbox.id)
        renewed.set(mailbox.id, { id: mailbox.id, expiresOn: newExpiresOn, reactivate: reactivates || (previous?.reactivate ?? false) })
        audits.push({ ...ids, action: 'payment.paid', data: paymentFacts })
        audits.push({ ...ids, action: 'order.paid', data: { extendedFrom: extendsFrom, newExpiresOn } })
        audits.push({ ...ids, action: 'mailbox.renewed', data: { from: before, to: newExpiresOn, extendedFrom: extendsFrom, years: order.years } })
        if (reactivates) {
          // R6: a payment within the window re-enables a deactivated mailbox on the mail platform
          enables.push(mailbox.id)
          audits.push({ ...ids, action: 'mailbox.reactivated', reason: 'late_renewal_paid' })
        }
        mails.push({
          accountId: mailbox.accountId,
          mailbox,
          order,
          params: { mailbox: mailbox.address, orderId: order.id, amountCents: input.amountCents, method: input.method, newExpiresOn, reactivated: reactivates },
        })
        results[i] = { outcome: 'paid', orderId: order.id, paymentId, expiresOn: newExpiresOn, replayed: false }
        break
      }
    }
  }

  await queries.recordPaymentOutcomes(tx, decisions)
  await queries.markOrdersPaid(tx, paidOrders, now)
  await queries.renewMailboxes(tx, [...renewed.values()], now)
  await queries.insertAuditRows(tx, audits)
  await queries.queueEnableCommands(tx, enables, now)
  const accounts = new Map((await queries.findAccounts(tx, [...new Set(mails.map((m) => m.accountId))])).map((a) => [a.id, a]))
  const outboxRows: Array<typeof outbox.$inferInsert> = mails.map((m) => {
    const account = accounts.get(m.accountId)!
    const params: PaymentReceivedParams = { holderName: `${account.firstName} ${account.lastName}`, ...m.params }
    return {
      template: 'payment_received',
      language: account.language,
      recipient: account.referenceEmail,
      params,
      mailboxId: m.mailbox.id,
      orderId: m.order.id,
      nextAttemptAt: now,
      createdAt: now,
    }
  })
  await queries.insertOutboxRows(tx, outboxRows, now)

  // R8 replays: the answer stored the first time (earlier in this batch, or in an earlier import).
  const replayIndexes = inputs.map((_, i) => i).filter((i) => results[i] === undefined)
  if (replayIndexes.length > 0) {
    for (const [method, indexes] of groupBy(replayIndexes, (i) => inputs[i].method)) {
      const stored = await queries.findStoredPayments(tx, method, indexes.map((i) => inputs[i].reference.trim()))
      for (const i of indexes) {
        const s = stored.get(inputs[i].reference.trim())!
        results[i] = {
          outcome: s.outcome,
          ...(s.reason ? { reason: s.reason } : {}),
          orderId: s.orderId,
          paymentId: s.id,
          expiresOn: s.expiresOn,
          replayed: true,
        }
      }
    }
  }
  return results as PaymentRegistration[]
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const list = groups.get(key(item))
    if (list) list.push(item)
    else groups.set(key(item), [item])
  }
  return groups
}
