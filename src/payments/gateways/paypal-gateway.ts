import type { IncomingHttpHeaders } from 'node:http'
import type { PaypalConfig } from '../../config'
import { centsToDecimal, parseEuroAmount } from '../../core/money'
import {
  GatewayError,
  WebhookSignatureError,
  type CardGateway,
  type CheckoutCompletion,
  type GatewayEvent,
} from './card-gateway'

const ACTOR = 'gateway:paypal'
const TIMEOUT_MS = 30_000
/** How far a transmission's time may be from our clock: beyond it, a replay or a forgery (as the sandbox's window). */
const TRANSMISSION_WINDOW_MS = 5 * 60_000

/** PayPal's JSON, read field by field where it is used (optional chaining throughout). */
type Json = any

interface PaypalResponse {
  status: number
  body: Json
}

interface PaypalEvent {
  id?: string
  event_type?: string
  resource?: Json
}

/**
 * PayPal through the Orders v2 REST API: create the order (our order ID as custom_id and
 * invoice_id), send the payer to PayPal's approval page, capture when they come back (or when
 * CHECKOUT.ORDER.APPROVED arrives), and register the money only on PAYMENT.CAPTURE.COMPLETED,
 * verified by PayPal's verify-webhook-signature call.
 *
 * It speaks REST with fetch rather than through @paypal/paypal-server-sdk: the SDK (2.5) hard-codes
 * its two base URLs (no way to reach a local fake in tests) and has no webhook verification call.
 */
export function paypalGateway(config: PaypalConfig, fetchImpl: typeof fetch = fetch): CardGateway {
  let token: { value: string; until: number } | undefined

  async function accessToken(): Promise<string> {
    // Token lifetime is an HTTP cache, not business time: a monotonic clock is the right one.
    if (token && performance.now() < token.until) return token.value
    const response = await fetchImpl(`${config.apiBase}/v1/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${config.clientId}:${config.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    })
    const body = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error_description?: string }
    if (!response.ok || !body.access_token) {
      throw new GatewayError('paypal', `authentication failed (${response.status}): ${body.error_description ?? 'no token'}`)
    }
    token = { value: body.access_token, until: performance.now() + Math.max(0, (body.expires_in ?? 0) - 60) * 1000 }
    return token.value
  }

  async function call(method: 'GET' | 'POST', path: string, body?: string, requestId?: string): Promise<PaypalResponse> {
    const response = await fetchImpl(`${config.apiBase}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await accessToken()}`,
        'content-type': 'application/json',
        prefer: 'return=representation',
        ...(requestId ? { 'paypal-request-id': requestId } : {}),
      },
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    })
    const text = await response.text()
    let parsed: unknown = {}
    try {
      parsed = text ? JSON.parse(text) : {}
    } catch {
      throw new GatewayError('paypal', `${method} ${path}: not JSON (${response.status})`)
    }
    return { status: response.status, body: parsed }
  }

  function failure(what: string, response: PaypalResponse): GatewayError {
    const issue = response.body?.details?.[0]?.issue ?? response.body?.name ?? 'error'
    return new GatewayError('paypal', `${what}: ${response.status} ${issue}`)
  }

  return {
    name: 'paypal',
    simulated: false,

    async startCheckout(order, urls) {
      const response = await call(
        'POST',
        '/v2/checkout/orders',
        JSON.stringify({
          intent: 'CAPTURE',
          purchase_units: [
            {
              reference_id: order.orderId,
              custom_id: order.orderId,
              invoice_id: order.orderId,
              description: order.description.slice(0, 127),
              amount: { currency_code: 'EUR', value: centsToDecimal(order.totalCents) },
            },
          ],
          payment_source: {
            paypal: {
              experience_context: {
                return_url: urls.returnUrl,
                cancel_url: urls.cancelUrl,
                user_action: 'PAY_NOW',
                shipping_preference: 'NO_SHIPPING',
                locale: order.language === 'it' ? 'it-IT' : 'en-GB',
              },
              ...(order.payerEmail ? { email_address: order.payerEmail } : {}),
            },
          },
        }),
      )
      if (response.status !== 200 && response.status !== 201) throw failure('create order', response)
      const links = (response.body.links ?? []) as Array<{ rel: string; href: string }>
      const approve = links.find((l) => l.rel === 'payer-action') ?? links.find((l) => l.rel === 'approve')
      if (!approve) throw new GatewayError('paypal', `order ${response.body.id} has no approval link`)
      return { redirectUrl: approve.href, gatewayRef: String(response.body.id) }
    },

    async verifyWebhook(rawBody, headers, receivedAt) {
      // Checked here, before PayPal is asked: a forged request must cost no call to its API.
      const { authAlgo, certUrl, transmissionId, transmissionSig, transmissionTime } = transmissionHeaders(headers, receivedAt)
      let event: PaypalEvent
      try {
        event = JSON.parse(rawBody.toString('utf8'))
      } catch {
        throw new WebhookSignatureError('paypal', 'body is not JSON')
      }
      // The event goes back byte for byte as received: PayPal signed those bytes, not our re-serialisation.
      const request = `{"auth_algo":${JSON.stringify(authAlgo)},"cert_url":${JSON.stringify(certUrl)},"transmission_id":${JSON.stringify(transmissionId)},"transmission_sig":${JSON.stringify(transmissionSig)},"transmission_time":${JSON.stringify(transmissionTime)},"webhook_id":${JSON.stringify(config.webhookId)},"webhook_event":${rawBody.toString('utf8')}}`
      const response = await call('POST', '/v1/notifications/verify-webhook-signature', request)
      if (response.status !== 200) throw failure('verify webhook', response)
      if (response.body.verification_status !== 'SUCCESS') {
        throw new WebhookSignatureError('paypal', `verification status ${response.body.verification_status}`)
      }
      return fromPaypalEvent(event)
    },

    async completeCheckout(gatewayRef): Promise<CheckoutCompletion> {
      const response = await call('POST', `/v2/checkout/orders/${encodeURIComponent(gatewayRef)}/capture`, '{}', `capture-${gatewayRef}`)
      if (response.status === 200 || response.status === 201) {
        const capture = response.body.purchase_units?.[0]?.payments?.captures?.[0]
        if (capture?.status === 'DECLINED' || capture?.status === 'FAILED') return { status: 'declined', reason: String(capture.status).toLowerCase() }
        return capture?.status === 'COMPLETED' ? { status: 'captured' } : { status: 'pending' }
      }
      const issue = response.body?.details?.[0]?.issue
      if (response.status === 422 && issue === 'ORDER_ALREADY_CAPTURED') return { status: 'captured' }
      if (response.status === 422 && issue === 'ORDER_NOT_APPROVED') return { status: 'pending' } // not approved yet
      if (response.status === 422 && (issue === 'INSTRUMENT_DECLINED' || issue === 'PAYER_ACTION_REQUIRED')) {
        return { status: 'declined', reason: issue.toLowerCase() }
      }
      throw failure('capture', response)
    },

    async refund(paymentReference, amountCents, idempotencyKey) {
      const response = await call(
        'POST',
        `/v2/payments/captures/${encodeURIComponent(paymentReference)}/refund`,
        JSON.stringify({ amount: { currency_code: 'EUR', value: centsToDecimal(amountCents) } }),
        idempotencyKey,
      )
      if (response.status !== 200 && response.status !== 201) throw failure('refund', response)
      return { refundRef: String(response.body.id) }
    },
  }
}

/**
 * The transmission headers PayPal signs with, refused (WebhookSignatureError) when one is
 * missing, repeated, longer or of another shape than PayPal sends, when the certificate is not
 * on an https host of paypal.com, or when the transmission time is more than 5 minutes from ours.
 */
export function transmissionHeaders(headers: IncomingHttpHeaders, receivedAt: Date) {
  const read = (name: string, shape: RegExp): string => {
    const value = headers[name]
    if (typeof value !== 'string' || !value) throw new WebhookSignatureError('paypal', `${name} header missing`)
    if (!shape.test(value)) throw new WebhookSignatureError('paypal', `${name} header malformed`)
    return value
  }
  const transmissionId = read('paypal-transmission-id', /^[A-Za-z0-9-]{1,64}$/)
  const transmissionTime = read('paypal-transmission-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/)
  const transmissionSig = read('paypal-transmission-sig', /^[A-Za-z0-9+/]{16,1024}={0,2}$/)
  const authAlgo = read('paypal-auth-algo', /^[A-Za-z0-9]{1,32}$/)
  const certUrl = read('paypal-cert-url', /^https:\/\/[\x21-\x7e]{1,500}$/)
  if (!isPaypalCertUrl(certUrl)) throw new WebhookSignatureError('paypal', 'paypal-cert-url not on a PayPal host')
  const sentAt = Date.parse(transmissionTime)
  if (!Number.isFinite(sentAt) || Math.abs(receivedAt.getTime() - sentAt) > TRANSMISSION_WINDOW_MS) {
    throw new WebhookSignatureError('paypal', 'paypal-transmission-time outside the 5-minute window')
  }
  return { transmissionId, transmissionTime, transmissionSig, authAlgo, certUrl }
}

/** PayPal's certificates are served over https from its own hosts (api.paypal.com, api.sandbox.paypal.com). */
function isPaypalCertUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' && !url.username && !url.password && !url.port && (url.hostname === 'paypal.com' || url.hostname.endsWith('.paypal.com'))
  } catch {
    return false
  }
}

/** Translates the PayPal events that concern a payment; others are genuine but not ours. */
export function fromPaypalEvent(event: PaypalEvent): GatewayEvent | null {
  const resource = event.resource ?? {}
  if (!event.id || !event.event_type) return null
  const base = { eventId: event.id, eventType: event.event_type, raw: event }
  switch (event.event_type) {
    case 'PAYMENT.CAPTURE.COMPLETED': {
      const orderRef: string | undefined = resource.custom_id ?? resource.invoice_id
      if (!orderRef || resource.status !== 'COMPLETED' || resource.amount?.currency_code !== 'EUR' || !resource.id) return null
      const amountCents = parseEuroAmount(String(resource.amount.value))
      return {
        ...base,
        kind: 'confirmed',
        gatewayRef: resource.supplementary_data?.related_ids?.order_id,
        orderRef,
        payment: { orderRef, amountCents, method: 'paypal', reference: String(resource.id), actor: ACTOR, raw: { event: event.id } },
      }
    }
    case 'PAYMENT.CAPTURE.DENIED':
    case 'PAYMENT.CAPTURE.DECLINED':
      return {
        ...base,
        kind: 'declined',
        gatewayRef: resource.supplementary_data?.related_ids?.order_id,
        orderRef: resource.custom_id ?? resource.invoice_id,
        reason: event.event_type === 'PAYMENT.CAPTURE.DENIED' ? 'denied' : 'declined',
      }
    case 'CHECKOUT.ORDER.APPROVED':
      if (!resource.id) return null
      return { ...base, kind: 'approved', gatewayRef: String(resource.id), orderRef: resource.purchase_units?.[0]?.custom_id }
    default:
      return null
  }
}
