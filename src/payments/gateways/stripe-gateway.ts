import Stripe from 'stripe'
import type { StripeConfig } from '../../config'
import {
  GatewayError,
  headerValue,
  WebhookSignatureError,
  type CardGateway,
  type GatewayEvent,
} from './card-gateway'

const ACTOR = 'gateway:stripe'
/**
 * How far ahead of our clock a signature's timestamp may be. constructEvent refuses only the past
 * (its 5-minute tolerance): a timestamp from the future would keep a captured request valid for
 * as long as it is ahead.
 */
const FUTURE_SKEW_SECONDS = 5 * 60

/**
 * Card payments through Stripe Checkout Sessions: Stripe's page asks for the card and runs 3-D
 * Secure; the money registers when the signed webhook (checkout.session.completed or
 * payment_intent.succeeded, both naming the PaymentIntent) arrives.
 */
export function stripeGateway(config: StripeConfig): CardGateway {
  const stripe = new Stripe(config.secretKey, { ...hostOptions(config.apiBase), maxNetworkRetries: 2, telemetry: false })

  return {
    name: 'stripe',
    simulated: false,

    async startCheckout(order, urls) {
      const session = await stripe.checkout.sessions
        .create({
            mode: 'payment',
            allowed_payment_method_types: ['card'],
            line_items: [
              {
                quantity: 1,
                price_data: { currency: 'eur', unit_amount: order.totalCents, product_data: { name: order.description } },
              },
            ],
            client_reference_id: order.orderId,
            metadata: { order_id: order.orderId },
            // The PaymentIntent carries the order too: payment_intent.succeeded alone is enough.
            payment_intent_data: { metadata: { order_id: order.orderId }, description: order.description },
            ...(order.payerEmail ? { customer_email: order.payerEmail } : {}),
            locale: order.language,
            success_url: urls.returnUrl,
            cancel_url: urls.cancelUrl,
          })
        .catch((error: Error) => {
          throw new GatewayError('stripe', error.message)
        })
      if (!session.url) throw new GatewayError('stripe', `checkout session ${session.id} has no URL`)
      return { redirectUrl: session.url, gatewayRef: session.id }
    },

    async verifyWebhook(rawBody, headers, receivedAt) {
      const signature = headerValue(headers, 'stripe-signature')
      if (!signature) throw new WebhookSignatureError('stripe', 'no Stripe-Signature header')
      const signedAt = signatureTimestamp(signature)
      if (signedAt === null) throw new WebhookSignatureError('stripe', 'Stripe-Signature needs exactly one timestamp')
      if (signedAt - receivedAt.getTime() / 1000 > FUTURE_SKEW_SECONDS) throw new WebhookSignatureError('stripe', 'Stripe-Signature timestamp is in the future')
      let event: Stripe.Event
      try {
        event = stripe.webhooks.constructEvent(rawBody, signature, config.webhookSecret, undefined, undefined, receivedAt.getTime())
      } catch (error) {
        throw new WebhookSignatureError('stripe', (error as Error).message.split('\n')[0])
      }
      return fromStripeEvent(event)
    },

    async completeCheckout() {
      return { status: 'pending' } // Stripe captures on its own page; the webhook says when
    },

    async refund(paymentReference, amountCents, idempotencyKey) {
      const refund = await stripe.refunds
        .create({ payment_intent: paymentReference, amount: amountCents, reason: 'duplicate' }, { idempotencyKey })
        .catch((error: Error) => {
          throw new GatewayError('stripe', error.message)
        })
      return { refundRef: refund.id }
    },
  }
}

/**
 * The `t=` of a Stripe-Signature header (seconds), the one constructEvent checks the signature
 * over; null unless there is exactly one, in digits.
 */
function signatureTimestamp(header: string): number | null {
  const stamps = header.split(',').filter((item) => item.split('=')[0] === 't')
  if (stamps.length !== 1 || !/^t=\d{1,12}$/.test(stamps[0])) return null
  return Number(stamps[0].slice(2))
}

/** Stripe's SDK takes host, port and protocol rather than a URL (tests point them at a local fake). */
function hostOptions(apiBase: string | undefined): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  if (!apiBase) return {}
  const url = new URL(apiBase)
  const protocol = url.protocol === 'http:' ? 'http' : 'https'
  return { host: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol }
}

/** Translates the few Stripe events that concern a payment; the rest are genuine but not ours. */
export function fromStripeEvent(event: Stripe.Event): GatewayEvent | null {
  const base = { eventId: event.id, eventType: event.type, raw: event }
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const session = event.data.object
      // A completed session with payment_status "unpaid" is an asynchronous method still running.
      if (session.payment_status !== 'paid' || session.currency !== 'eur' || session.amount_total === null) return null
      const orderRef = session.client_reference_id ?? session.metadata?.order_id
      const intent = typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id
      if (!orderRef || !intent) return null
      return {
        ...base,
        kind: 'confirmed',
        gatewayRef: session.id,
        orderRef,
        payment: { orderRef, amountCents: session.amount_total, method: 'card', reference: intent, actor: ACTOR, raw: { event: event.id, session: session.id } },
      }
    }
    case 'payment_intent.succeeded': {
      const intent = event.data.object
      const orderRef = intent.metadata?.order_id
      if (!orderRef || intent.currency !== 'eur') return null
      return {
        ...base,
        kind: 'confirmed',
        orderRef,
        payment: { orderRef, amountCents: intent.amount_received, method: 'card', reference: intent.id, actor: ACTOR, raw: { event: event.id } },
      }
    }
    case 'checkout.session.async_payment_failed':
    case 'checkout.session.expired': {
      const session = event.data.object
      const orderRef = session.client_reference_id ?? session.metadata?.order_id ?? undefined
      return { ...base, kind: 'declined', gatewayRef: session.id, orderRef, reason: event.type === 'checkout.session.expired' ? 'expired' : 'payment_failed' }
    }
    case 'payment_intent.payment_failed': {
      const intent = event.data.object
      const reason = intent.last_payment_error?.decline_code ?? intent.last_payment_error?.code ?? 'payment_failed'
      return { ...base, kind: 'declined', orderRef: intent.metadata?.order_id, reason }
    }
    default:
      return null
  }
}
