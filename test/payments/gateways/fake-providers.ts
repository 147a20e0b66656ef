import { createHmac, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Stripe from 'stripe'

/**
 * Local fakes of the few Stripe and PayPal endpoints the adapters call, on 127.0.0.1:0: the
 * tests never reach the network. They answer as the providers document, keep what they were
 * asked, and honour idempotency keys as the real ones do.
 */

interface Recorded {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: string
}

async function listen(handle: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

export const STRIPE_WEBHOOK_SECRET = 'whsec_test_secret'

/** Stripe: POST /v1/checkout/sessions and POST /v1/refunds. */
export async function fakeStripe() {
  const requests: Recorded[] = []
  const sessions = new Map<string, Record<string, string>>()
  const refunds = new Map<string, unknown>() // by Idempotency-Key
  let n = 0
  const { server, base } = await listen((req, body, res) => {
    requests.push({ method: req.method!, path: req.url!, headers: req.headers, body })
    const form = Object.fromEntries(new URLSearchParams(body))
    if (req.method === 'POST' && req.url === '/v1/checkout/sessions') {
      const id = `cs_test_${++n}`
      sessions.set(id, form)
      return json(res, 200, {
        id,
        object: 'checkout.session',
        mode: 'payment',
        url: `https://checkout.stripe.test/c/pay/${id}`,
        client_reference_id: form.client_reference_id,
        amount_total: Number(form['line_items[0][price_data][unit_amount]']),
        currency: 'eur',
        payment_status: 'unpaid',
        status: 'open',
      })
    }
    if (req.method === 'POST' && req.url === '/v1/refunds') {
      const key = String(req.headers['idempotency-key'] ?? randomUUID())
      if (!refunds.has(key)) {
        refunds.set(key, { id: `re_test_${++n}`, object: 'refund', status: 'succeeded', amount: Number(form.amount), payment_intent: form.payment_intent, currency: 'eur' })
      }
      return json(res, 200, refunds.get(key))
    }
    json(res, 404, { error: { type: 'invalid_request_error', message: `no fake for ${req.method} ${req.url}` } })
  })
  return {
    base,
    requests,
    sessions,
    refunds,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** A Stripe event as Stripe sends it, and its Stripe-Signature header made by the SDK's own helper. */
export function signedStripeEvent(event: { id: string; type: string; object: Record<string, unknown> }, at: Date, secret = STRIPE_WEBHOOK_SECRET) {
  const payload = JSON.stringify({
    id: event.id,
    object: 'event',
    api_version: '2025-01-01',
    created: Math.floor(at.getTime() / 1000),
    type: event.type,
    livemode: false,
    data: { object: event.object },
  })
  const stripe = new Stripe('sk_test_unused')
  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Math.floor(at.getTime() / 1000) })
  return { payload, headers: { 'content-type': 'application/json', 'stripe-signature': signature } }
}

export const PAYPAL_WEBHOOK_ID = 'WH-TEST-1'

interface FakePaypalOrder {
  id: string
  customId: string
  value: string
  approved: boolean
  captureId?: string
  declineCapture?: boolean
}

/**
 * PayPal: OAuth token, Orders v2 (create, capture), verify-webhook-signature and capture refunds.
 * Signatures: `sign(event)` gives the transmission headers; verification succeeds only for that
 * exact event body, under this webhook ID.
 */
export async function fakePaypal() {
  const requests: Recorded[] = []
  const orders = new Map<string, FakePaypalOrder>()
  const transmissions = new Map<string, string>() // transmission id → body it signed
  const byRequestId = new Map<string, { status: number; body: unknown }>()
  let n = 0
  const { server, base } = await listen((req, body, res) => {
    requests.push({ method: req.method!, path: req.url!, headers: req.headers, body })
    const url = req.url!
    if (url === '/v1/oauth2/token') {
      if (!String(req.headers.authorization).startsWith('Basic ')) return json(res, 401, { error: 'invalid_client' })
      return json(res, 200, { access_token: 'A21-fake-token', token_type: 'Bearer', expires_in: 32400 })
    }
    if (req.headers.authorization !== 'Bearer A21-fake-token') return json(res, 401, { name: 'AUTHENTICATION_FAILURE' })
    const requestId = req.headers['paypal-request-id'] as string | undefined
    const answer = (status: number, payload: unknown) => {
      if (requestId && status < 300) byRequestId.set(`${url}|${requestId}`, { status, body: payload })
      json(res, status, payload)
    }
    const replayed = requestId && byRequestId.get(`${url}|${requestId}`)
    if (replayed) return json(res, replayed.status, replayed.body)

    if (req.method === 'POST' && url === '/v2/checkout/orders') {
      const parsed = JSON.parse(body)
      const unit = parsed.purchase_units[0]
      const id = `PP${String(++n).padStart(15, '0')}`
      orders.set(id, { id, customId: unit.custom_id, value: unit.amount.value, approved: false })
      return answer(200, { id, status: 'PAYER_ACTION_REQUIRED', links: [{ rel: 'self', href: `${base}/v2/checkout/orders/${id}` }, { rel: 'payer-action', href: `https://www.sandbox.paypal.test/checkoutnow?token=${id}` }] })
    }
    const capture = /^\/v2\/checkout\/orders\/([^/]+)\/capture$/.exec(url)
    if (req.method === 'POST' && capture) {
      const order = orders.get(capture[1])
      if (!order) return json(res, 404, { name: 'RESOURCE_NOT_FOUND', details: [{ issue: 'INVALID_RESOURCE_ID' }] })
      if (order.captureId) return json(res, 422, { name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'ORDER_ALREADY_CAPTURED' }] })
      if (!order.approved) return json(res, 422, { name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'ORDER_NOT_APPROVED' }] })
      if (order.declineCapture) return json(res, 422, { name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'INSTRUMENT_DECLINED' }] })
      order.captureId = `CAP${String(++n).padStart(14, '0')}`
      return answer(201, {
        id: order.id,
        status: 'COMPLETED',
        purchase_units: [{ reference_id: order.customId, payments: { captures: [{ id: order.captureId, status: 'COMPLETED', amount: { currency_code: 'EUR', value: order.value }, custom_id: order.customId }] } }],
      })
    }
    if (req.method === 'POST' && url === '/v1/notifications/verify-webhook-signature') {
      const parsed = JSON.parse(body)
      const signed = transmissions.get(parsed.transmission_id)
      const ok =
        parsed.webhook_id === PAYPAL_WEBHOOK_ID &&
        signed !== undefined &&
        parsed.transmission_sig === signatureOf(parsed.transmission_id, signed) &&
        JSON.stringify(parsed.webhook_event) === JSON.stringify(JSON.parse(signed))
      return json(res, 200, { verification_status: ok ? 'SUCCESS' : 'FAILURE' })
    }
    const refund = /^\/v2\/payments\/captures\/([^/]+)\/refund$/.exec(url)
    if (req.method === 'POST' && refund) {
      return answer(201, { id: `REF${String(++n).padStart(14, '0')}`, status: 'COMPLETED', amount: JSON.parse(body).amount })
    }
    json(res, 404, { name: 'RESOURCE_NOT_FOUND', details: [{ issue: `no fake for ${req.method} ${url}` }] })
  })

  function signatureOf(transmissionId: string, body: string) {
    return createHmac('sha256', 'paypal-fake-key').update(`${transmissionId}|${body}`).digest('base64')
  }

  return {
    base,
    requests,
    orders,
    approve(orderId: string) {
      orders.get(orderId)!.approved = true
    },
    declineCaptureOf(orderId: string) {
      orders.get(orderId)!.declineCapture = true
    },
    /** How many times PayPal's verify-webhook-signature API was called: a malformed request must cause none. */
    verifyCalls: () => requests.filter((r) => r.path === '/v1/notifications/verify-webhook-signature').length,
    /** A webhook event as PayPal posts it, with its transmission headers; sent at `at` (noon in Rome on 1 May 2026 unless given). */
    signedEvent(event: { id: string; event_type: string; resource: Record<string, unknown> }, at = new Date('2026-05-01T10:00:00Z')) {
      const payload = JSON.stringify({ event_version: '1.0', create_time: '2026-05-01T10:00:00Z', resource_type: 'capture', ...event })
      const transmissionId = randomUUID()
      transmissions.set(transmissionId, payload)
      return {
        payload,
        headers: {
          'content-type': 'application/json',
          'paypal-auth-algo': 'SHA256withRSA',
          'paypal-cert-url': 'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-fake',
          'paypal-transmission-id': transmissionId,
          'paypal-transmission-sig': signatureOf(transmissionId, payload),
          'paypal-transmission-time': at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
