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
import { payments } from './schema'

export interface RefundInput {
  paymentId: number
  actor: Actor // operator:NAME
}

export interface PaymentRefund {
  paymentId: number
  orderId: OrderId | null
  amountCents: number
  method: string
  /** The gateway that sent the money back; null when the operator refunds offline (bank transfer). */
  gateway: string | null
  /** The gateway's refund ID; null for an offline refund. */
  refundRef: string | null
  /** R8: the refund was recorded before; nothing changed now. */
  replayed: boolean
}

/**
 * R4/R6/R8/R9: refunds a payment that is due back (a duplicate, or money after cessation). When the
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
  let refundRef: string | null = null
  if (gatewayName) {
    const gateway = gateways.byName(gatewayName)
    if (!gateway) throw new DomainError('gateway_unavailable', gatewayName)
    // Outside the transaction: no row stays locked while the gateway answers.
    refundRef = (await gateway.refund(payment.reference, payment.amountCents, `refund-payment-${payment.id}`)).refundRef
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
      reason: payment.reason ?? payment.outcome,
      data: { amountCents: payment.amountCents, method: payment.method, reference: payment.reference, gateway: gatewayName, refundRef },
    })
    await enqueueRefundMail(tx, locked, gatewayName ? gatewayChannel(locked.method) : 'bonifico', now)
    return { paymentId: payment.id, orderId: payment.orderId, amountCents: payment.amountCents, method: payment.method, gateway: gatewayName, refundRef, replayed: false }
  })
}

/** The method a gateway refunds through: the one the payment came by (Stripe: card; PayPal; the sandbox: either). */
function gatewayChannel(method: typeof payments.$inferSelect.method): RefundChannel {
  return method === 'paypal' ? 'paypal' : 'card'
}

/** Tells the holder of the payment's order; a payment that matched no order has no holder to tell. */
async function enqueueRefundMail(tx: Executor, payment: typeof payments.$inferSelect, refundedBy: RefundChannel, now: Date): Promise<void> {
  if (!payment.orderId) return
  const order = (await renewals.findOrder(tx, payment.orderId))!
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
        amountCents: payment.amountCents,
        method: payment.method,
        refundedBy,
        reason: payment.reason ?? payment.outcome,
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
    amountCents: payment.amountCents,
    method: payment.method,
    gateway: data.gateway ?? null,
    refundRef: data.refundRef ?? null,
    replayed: true,
  }
}
