import type { IncomingHttpHeaders } from 'node:http'
import type { IncomingPayment } from '../incoming-payment'
import type { GatewayName } from './schema'

export type { GatewayName } from './schema'

/** The payment methods a gateway takes: card (Stripe, sandbox) and PayPal (PayPal, sandbox). */
export type GatewayMethod = 'card' | 'paypal'

export function isGatewayMethod(method: string): method is GatewayMethod {
  return method === 'card' || method === 'paypal'
}

/** What a gateway needs to ask for the money of one order. */
export interface PayableOrder {
  orderId: string
  totalCents: number
  method: GatewayMethod
  /** "Rinnovo casella PEC nome@pec.it — 1 anno": shown on the gateway's page and statement. */
  description: string
  payerEmail?: string
  language: 'it' | 'en'
}

export interface CheckoutUrls {
  /** Where the gateway sends the holder back after paying (our return page). */
  returnUrl: string
  /** Where the gateway sends the holder who gives up. */
  cancelUrl: string
}

export interface Checkout {
  /** The gateway's page; the portal redirects the holder there. */
  redirectUrl: string
  /** The gateway's own ID for this attempt: a Checkout Session, a PayPal order, a sandbox page. */
  gatewayRef: string
}

interface EventBase {
  /** The gateway's event ID: stored once, so a replayed event changes nothing (R8). */
  eventId: string
  eventType: string
  /** The attempt the event is about, when the event names it. */
  gatewayRef?: string
  orderRef?: string
  raw: unknown
}

/** A verified gateway event, translated at the border into our words. */
export type GatewayEvent =
  /** The money arrived: register it (R4); its reference is unique per method (R8). */
  | (EventBase & { kind: 'confirmed'; payment: IncomingPayment })
  /** The attempt failed (card declined, 3-D Secure failed, expired): nothing to register. */
  | (EventBase & { kind: 'declined'; reason: string })
  /** The payer approved (PayPal): the money still has to be captured. */
  | (EventBase & { kind: 'approved'; gatewayRef: string })

/** What capturing an approved attempt gave; the money itself registers only through the webhook. */
export type CheckoutCompletion = { status: 'captured' } | { status: 'pending' } | { status: 'declined'; reason: string }

/**
 * The port the payments capability owns for card and PayPal (issue 4). Adapters: Stripe, PayPal and
 * the local sandbox. None of them registers money: each translates its verified webhook into a
 * GatewayEvent, and receiveWebhook registers the payment (R4, R8).
 */
export interface CardGateway {
  readonly name: GatewayName
  /** A simulation: no real money moves (the sandbox). */
  readonly simulated: boolean
  /** Creates a payment attempt for the order's total and says where to send the holder. */
  startCheckout(order: PayableOrder, urls: CheckoutUrls): Promise<Checkout>
  /**
   * Checks the webhook's signature (throws WebhookSignatureError when forged, stale or unsigned)
   * and translates it; null for a genuine event that concerns no payment.
   */
  verifyWebhook(rawBody: Buffer, headers: IncomingHttpHeaders, receivedAt: Date): Promise<GatewayEvent | null>
  /** Finishes an approved attempt (PayPal's capture); nothing to do where the gateway captures itself. */
  completeCheckout(gatewayRef: string): Promise<CheckoutCompletion>
  /** Sends money back. The key makes a retried refund the same refund at the gateway (R8). */
  refund(paymentReference: string, amountCents: number, idempotencyKey: string): Promise<{ refundRef: string }>
}

/** A webhook whose signature does not verify: refused, nothing stored. */
export class WebhookSignatureError extends Error {
  constructor(
    readonly gateway: GatewayName,
    detail: string,
  ) {
    super(`${gateway} webhook refused: ${detail}`)
    this.name = 'WebhookSignatureError'
  }
}

/** A gateway answered with an error: the operation did not happen (retry later). */
export class GatewayError extends Error {
  constructor(
    readonly gateway: GatewayName,
    detail: string,
  ) {
    super(`${gateway}: ${detail}`)
    this.name = 'GatewayError'
  }
}

/** The first value of a header that may repeat. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}
