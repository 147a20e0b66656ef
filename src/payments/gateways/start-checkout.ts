import { DomainError } from '../../core/errors'
import { audit, type Actor } from '../../db/audit'
import type { Deps } from '../../deps'
import * as renewals from '../../renewals/queries'
import { isGatewayMethod } from './card-gateway'
import type { CardGateways } from './pick-card-gateways'
import * as queries from './queries'
import { isOrderId } from '../../core/order-id'

/** A second click within this time reuses the attempt already started instead of opening another. */
const REUSE_MS = 30 * 60 * 1000

export interface StartCheckoutInput {
  orderId: string
  actor: Actor
  language: 'it' | 'en'
}

export type CheckoutStart =
  | { kind: 'redirect'; redirectUrl: string; gatewayRef: string; reused: boolean }
  /** Nothing to pay: the order is paid already. */
  | { kind: 'already_paid' }
  /** Bollettino or bonifico: paid offline, following the instructions. */
  | { kind: 'offline' }
  /** No gateway is configured for the order's method. */
  | { kind: 'unavailable' }

/**
 * Issue 4: opens a payment attempt at the gateway of the order's method (card or PayPal) for its
 * total, and says where to send the holder. It registers no money (R4: only the verified webhook
 * does). A repeated click within 30 minutes, for the same amount and method, reuses the open
 * attempt, so a double submit does not invite two payments.
 */
export async function startCheckout(deps: Deps, gateways: CardGateways, input: StartCheckoutInput): Promise<CheckoutStart> {
  const order = isOrderId(input.orderId) ? await renewals.findOrder(deps.db, input.orderId) : undefined
  if (!order) throw new DomainError('order_not_found', input.orderId)
  if (order.status === 'paid') return { kind: 'already_paid' }
  if (order.status !== 'open') throw new DomainError('order_not_open', order.id)
  const method = order.method
  if (!isGatewayMethod(method)) return { kind: 'offline' }
  const gateway = gateways.forMethod(method)
  if (!gateway) return { kind: 'unavailable' }

  const now = deps.clock.now()
  const wanted = { orderId: order.id, gateway: gateway.name, method, amountCents: order.totalCents }
  const reusable = await queries.findReusableCheckout(deps.db, wanted, new Date(now.getTime() - REUSE_MS))
  if (reusable) return { kind: 'redirect', redirectUrl: reusable.redirectUrl, gatewayRef: reusable.gatewayRef, reused: true }

  const mailbox = (await renewals.findMailbox(deps.db, order.mailboxId))!
  const account = await renewals.findAccount(deps.db, order.accountId)
  const years = input.language === 'it' ? (order.years === 1 ? '1 anno' : `${order.years} anni`) : order.years === 1 ? '1 year' : `${order.years} years`
  const description = `${input.language === 'it' ? 'Rinnovo casella PEC' : 'PEC mailbox renewal'} ${mailbox.address} — ${years}`
  const base = `${deps.config.publicUrl}/ordini/${order.id}`
  // The gateway call stays outside any transaction: no row is locked while the network answers.
  const checkout = await gateway.startCheckout(
    { orderId: order.id, totalCents: order.totalCents, method, description, payerEmail: account?.referenceEmail, language: input.language },
    { returnUrl: `${base}/esito`, cancelUrl: `${base}/esito?annullato=1` },
  )
  await deps.db.transaction(async (tx) => {
    await queries.insertCheckout(tx, { ...wanted, gatewayRef: checkout.gatewayRef, redirectUrl: checkout.redirectUrl, startedAt: now, updatedAt: now })
    await audit(tx, {
      actor: input.actor,
      action: 'order.checkout_started',
      at: now,
      orderId: order.id,
      mailboxId: order.mailboxId,
      data: { gateway: gateway.name, gatewayRef: checkout.gatewayRef, amountCents: order.totalCents, simulated: gateway.simulated },
    })
  })
  return { kind: 'redirect', redirectUrl: checkout.redirectUrl, gatewayRef: checkout.gatewayRef, reused: false }
}
