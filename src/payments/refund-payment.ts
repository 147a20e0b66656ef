import { and, desc, eq } from 'drizzle-orm'
import { DomainError } from '../core/errors'
import type { OrderId } from '../core/order-id'
import type { Executor } from '../db/client'
import { audit, type Actor } from '../db/audit'
import { auditLog } from '../db/audit-schema'
import type { Deps } from '../deps'
import type { RefundChannel } from '../notifications/mail-types'
import { enqueueMail } from '../notifications/outbox'
import * as renewals from '../renewals/queries'
import type { CardGateways } from './gateways/pick-card-gateways'
import { lockPayment } from './reversal-queries'
import { findPayment } from './queries'
import { payments } from './schema'
import { isCalendarDate, type CalendarDate } from '../core/calendar'
import { checkedIban } from '../core/iban'

export interface RefundInput {
  paymentId: number
  actor: Actor // operator:NAME
  /** Issue 11: a refund the operator sent by bank transfer (a transfer or slip payment): when, to which IBAN, its CRO/TRN. */
  bankTransfer?: BankRefund
}

export interface BankRefund {
  refundedOn: CalendarDate
  /** The bank's reference of the refund transfer (CRO or TRN). */
  transferRef: string
  iban?: string
}

export interface PaymentRefund {
  paymentId: number
  orderId: OrderId | null
  amountCents: number
  method: string
  /** The gateway that sent the money back; null when the operator refunds offline (bank transfer). */
  gateway: string | null
  /** The gateway's refund ID, or the CRO/TRN of the operator's bank transfer; null when not given. */
  refundRef: string | null
  /** R8: the refund was recorded before; nothing changed now. */
  replayed: boolean
}

/**
 * R4/R6/R8/R9: refunds a payment that is due back (a duplicate, money after cessation, not ours, an
 * overpayment's difference: issue 11). When the
 * payment came from a gateway, the gateway sends the money back first, under a key derived from
 * the payment so a retried refund is the same refund there; then, in one transaction with its audit
 * row, the payment is marked refunded, and the holder is told by e-mail (same transaction: the mail
 * leaves only if the refund is recorded). Running it twice refunds once, and mails once.
 */
export async function refundPayment(deps: Deps, gateways: Pick<CardGateways, 'byName'>, input: RefundInput): Promise<PaymentRefund> {
  const [payment] = await deps.db.select().from(payments).where(eq(payments.id, input.paymentId))
  if (!payment) throw new DomainError('payment_not_found', String(input.paymentId))
  if (payment.refundStatus === 'refunded') return replay(deps.db, payment)
  if (payment.refundStatus !== 'due') throw new DomainError('refund_not_due', `payment ${payment.id} is ${payment.outcome}`)

  const gatewayName = payment.source.startsWith('gateway:') ? payment.source.slice('gateway:'.length) : null
  const bank = gatewayName ? null : checkBankRefund(input.bankTransfer)
  // issue 11: an overpayment assigned to its order gives back only the difference
  const amountCents = payment.refundCents ?? payment.amountCents
  let refundRef: string | null = bank?.transferRef ?? null
  if (gatewayName) {
    const gateway = gateways.byName(gatewayName)
    if (!gateway) throw new DomainError('gateway_unavailable', gatewayName)
    // Outside the transaction: no row stays locked while the gateway answers.
    refundRef = (await gateway.refund(payment.reference, amountCents, `refund-payment-${payment.id}`)).refundRef
  }

  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    const locked = (await lockPayment(tx, payment.id))!
    if (locked.refundStatus === 'refunded') return replay(tx, locked) // another operator was quicker
    if (locked.refundStatus !== 'due') throw new DomainError('refund_not_due', `payment ${payment.id} is ${locked.outcome}`)
    await tx.update(payments).set({ refundStatus: 'refunded' }).where(eq(payments.id, payment.id))
    await audit(tx, {
      actor: input.actor,
      action: 'payment.refunded',
      at: now,
      paymentId: payment.id,
      ...(payment.orderId ? { orderId: payment.orderId } : {}),
      reason: refundReason(locked),
      data: {
        amountCents,
        paidCents: payment.amountCents,
        method: payment.method,
        reference: payment.reference,
        gateway: gatewayName,
        refundRef,
        ...(bank ? { refundedOn: bank.refundedOn, iban: bank.iban ?? null } : {}),
      },
    })
    await enqueueRefundMail(tx, locked, amountCents, gatewayName ? gatewayChannel(locked.method) : 'bonifico', now)
    return { paymentId: payment.id, orderId: payment.orderId, amountCents, method: payment.method, gateway: gatewayName, refundRef, replayed: false }
  })
}

/** The method a gateway refunds through: the one the payment came by (Stripe: card; PayPal; the sandbox: either). */
function gatewayChannel(method: typeof payments.$inferSelect.method): RefundChannel {
  return method === 'paypal' ? 'paypal' : 'card'
}

/** Why a payment is due back: a duplicate, after cessation, a lapsed order, not ours, or an overpayment's difference (issue 11). */
function refundReason(payment: typeof payments.$inferSelect): string {
  if (payment.resolution === 'not_ours') return 'not_ours'
  if (payment.resolution === 'assigned') return 'overpaid'
  return payment.reason ?? payment.outcome
}

/** Issue 11: a bank refund's details as the operator gave them, checked; undefined when none were given. */
function checkBankRefund(bank: BankRefund | undefined): BankRefund | undefined {
  if (!bank) return undefined
  const transferRef = bank.transferRef.trim()
  if (!transferRef || transferRef.length > 64 || !isCalendarDate(bank.refundedOn)) throw new DomainError('refund_details_required')
  if (bank.iban === undefined || bank.iban.trim() === '') return { refundedOn: bank.refundedOn, transferRef }
  const iban = checkedIban(bank.iban)
  if (!iban) throw new DomainError('iban_invalid', bank.iban)
  return { refundedOn: bank.refundedOn, transferRef, iban }
}

/**
 * Tells the holder of the payment's order, or of the order it was assigned to (an overpayment); a
 * payment that matched no order has no holder to tell.
 */
async function enqueueRefundMail(tx: Executor, payment: typeof payments.$inferSelect, amountCents: number, refundedBy: RefundChannel, now: Date): Promise<void> {
  const orderId = payment.orderId ?? (payment.resolvedPaymentId ? (await findPayment(tx, payment.resolvedPaymentId))?.orderId : null)
  if (!orderId) return
  const order = (await renewals.findOrder(tx, orderId))!
  const mailbox = (await renewals.findMailbox(tx, order.mailboxId))!
  const account = (await renewals.findAccount(tx, mailbox.accountId))!
  await enqueueMail(
    tx,
    {
      template: 'payment_refunded',
      language: account.language,
      recipient: account.referenceEmail,
      params: {
        holderName: `${account.firstName} ${account.lastName}`,
        mailbox: mailbox.address,
        orderId: order.id,
        amountCents,
        method: payment.method,
        refundedBy,
        reason: refundReason(payment),
      },
      mailboxId: mailbox.id,
      orderId: order.id,
    },
    now,
  )
}

async function replay(db: Executor, payment: typeof payments.$inferSelect): Promise<PaymentRefund> {
  const [entry] = await db
    .select({ data: auditLog.data })
    .from(auditLog)
    .where(and(eq(auditLog.paymentId, payment.id), eq(auditLog.action, 'payment.refunded')))
    .orderBy(desc(auditLog.id))
    .limit(1)
  const data = (entry?.data ?? {}) as { gateway?: string | null; refundRef?: string | null }
  return {
    paymentId: payment.id,
    orderId: payment.orderId,
    amountCents: payment.refundCents ?? payment.amountCents,
    method: payment.method,
    gateway: data.gateway ?? null,
    refundRef: data.refundRef ?? null,
    replayed: true,
  }
}
