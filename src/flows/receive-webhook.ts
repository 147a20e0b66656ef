import type { IncomingHttpHeaders } from 'node:http'
import type { Deps } from '../deps'
import type { CardGateway, GatewayEvent } from '../payments/gateways/card-gateway'
import { declineCheckout, settleCheckout } from '../payments/gateways/checkout-status'
import * as queries from '../payments/gateways/queries'
import type { PaymentOutcome } from '../payments/schema'
import { registerPayment } from './register-payment'

/**
 * ignored: genuine but about no payment; replayed: this event was processed before (R8);
 * paid | duplicate | held | unknownOrder: what registerPayment decided (R4);
 * declined: the attempt failed; captured | pending: an approved PayPal order was captured (or not yet).
 */
export type WebhookOutcome = 'ignored' | 'replayed' | PaymentOutcome | 'declined' | 'captured' | 'pending'

export interface WebhookReceipt {
  outcome: WebhookOutcome
  eventId?: string
  orderId?: string | null
  paymentId?: number
  /** R8: the payment itself was registered before (another event about the same payment). */
  paymentReplayed?: boolean
}

/**
 * Issue 4, R4/R8: a gateway's webhook. The signature is verified first (a forged one throws
 * WebhookSignatureError and nothing is stored); the event is then stored under its gateway event
 * ID and processed once. Money registers only here, through registerPayment, whose unique
 * (method, reference) makes two different events about the same payment register it once.
 */
export async function receiveWebhook(
  deps: Deps,
  gateway: CardGateway,
  rawBody: Buffer,
  headers: IncomingHttpHeaders,
): Promise<WebhookReceipt> {
  const receivedAt = deps.clock.now()
  const event = await gateway.verifyWebhook(rawBody, headers, receivedAt)
  if (!event) return { outcome: 'ignored' }

  const stored = await queries.insertWebhookOnce(deps.db, {
    gateway: gateway.name,
    eventId: event.eventId,
    eventType: event.eventType,
    orderRef: event.orderRef ?? null,
    receivedAt,
    payload: JSON.parse(rawBody.toString('utf8')),
  })
  let webhookId = stored
  if (webhookId === undefined) {
    const earlier = (await queries.findWebhook(deps.db, gateway.name, event.eventId))!
    // Processed: nothing more to do. Stored but not processed (a crash midway): finish it now.
    if (earlier.processedAt) return { outcome: 'replayed', eventId: event.eventId }
    webhookId = earlier.id
  }

  const receipt = await applyEvent(deps, gateway, event)
  await queries.markWebhookProcessed(deps.db, webhookId, receipt.outcome, deps.clock.now())
  return { ...receipt, eventId: event.eventId }
}

async function applyEvent(deps: Deps, gateway: CardGateway, event: GatewayEvent): Promise<WebhookReceipt> {
  switch (event.kind) {
    case 'confirmed': {
      // R4/R8: replay-safe by (method, reference); a replayed payment answers as the first time
      const registered = await registerPayment(deps, event.payment)
      if (event.gatewayRef) await settleCheckout(deps, gateway, event.gatewayRef, { status: 'confirmed', reason: null })
      return { outcome: registered.outcome, orderId: registered.orderId, paymentId: registered.paymentId, paymentReplayed: registered.replayed }
    }
    case 'declined': {
      const orderId = await declineCheckout(deps, gateway, event.gatewayRef, event.orderRef, event.reason)
      return { outcome: 'declined', orderId }
    }
    case 'approved': {
      // PayPal: the payer approved but never came back to capture; capture here. The money still
      // registers only when PAYMENT.CAPTURE.COMPLETED arrives (it may already have: out of order).
      const completion = await gateway.completeCheckout(event.gatewayRef)
      if (completion.status === 'declined') {
        const orderId = await declineCheckout(deps, gateway, event.gatewayRef, event.orderRef, completion.reason)
        return { outcome: 'declined', orderId }
      }
      return { outcome: completion.status }
    }
  }
}
