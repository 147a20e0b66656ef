import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hashPassword } from '../../src/accounts/passwords'
import { accounts } from '../../src/accounts/schema'
import { placeOrder } from '../../src/renewals/place-order'
import type { PaymentMethod } from '../../src/renewals/schema'
import { buildServer } from '../../src/web/server'
import { testDatabases, type TestDatabase } from '../support/databases'
import { seedConvention, seedMailbox } from '../support/seed'
import { WebClient } from '../support/web-client'
import { fakePaypal, fakeStripe, PAYPAL_WEBHOOK_ID, signedStripeEvent, STRIPE_WEBHOOK_SECRET } from '../payments/gateways/fake-providers'
import { allPayments, expiryOf, servicesFor, webhooks } from '../payments/gateways/harness'
import { TEST_HASH_COST } from '../support/config'

describe.each(testDatabases())('%s: card and PayPal through the real gateways (local fakes)', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  let stripe: Awaited<ReturnType<typeof fakeStripe>>
  let paypal: Awaited<ReturnType<typeof fakePaypal>>
  beforeEach(async () => {
    stripe = await fakeStripe()
    paypal = await fakePaypal()
  })
  afterEach(async () => {
    await app?.close()
    await stripe.close()
    await paypal.close()
    await t?.close()
  })

  async function setup(method: PaymentMethod, env: Record<string, string>) {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30', accountId: 'FNOM000030' })
    await db.update(accounts).set({ passwordHash: await hashPassword('secret-30', TEST_HASH_COST) }).where(eq(accounts.id, 'FNOM000030'))
    const { services, clock } = servicesFor(t, env)
    app = await buildServer(services)
    const order = await placeOrder(services.deps, { mailboxId: mailbox.id, years: 1, method, actor: 'holder:FNOM000030', accountId: 'FNOM000030' })
    const client = new WebClient(app)
    const page = await client.get('/rinnova')
    await client.post('/accedi', { identifier: 'FNOM000030', password: 'secret-30' }, page.body)
    const done = await client.get(`/ordini/${order.orderId}`)
    return { services, clock, mailbox, order, client, done }
  }

  const stripeEnv = () => ({ STRIPE_SECRET_KEY: 'sk_test_fake', STRIPE_WEBHOOK_SECRET, STRIPE_API_BASE: stripe.base })
  const paypalEnv = () => ({ PAYPAL_CLIENT_ID: 'id', PAYPAL_CLIENT_SECRET: 'secret', PAYPAL_WEBHOOK_ID, PAYPAL_API_BASE: paypal.base })

  it('Stripe: the pay button leads to Checkout; the signed webhook over HTTP pays; the return page shows it', async () => {
    const { clock, mailbox, order, client, done } = await setup('card', { ...stripeEnv(), ...paypalEnv() })
    const pay = await client.post(`/ordini/${order.orderId}/paga`, {}, done.body)
    expect(pay.statusCode).toBe(303)
    expect(pay.headers.location).toBe('https://checkout.stripe.test/c/pay/cs_test_1')
    expect((await client.get(`/ordini/${order.orderId}/esito`)).body).toContain('Stiamo aspettando che il circuito della carta confermi il pagamento')

    const event = signedStripeEvent(
      {
        id: 'evt_http',
        type: 'checkout.session.completed',
        object: { id: 'cs_test_1', client_reference_id: order.orderId, payment_intent: 'pi_http', payment_status: 'paid', amount_total: 1220, currency: 'eur' },
      },
      clock.now(),
    )
    const headers = { ...event.headers, 'content-type': 'application/json; charset=utf-8' }
    const response = await app.inject({ method: 'POST', url: '/webhooks/stripe', payload: event.payload, headers })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({ received: true, outcome: 'paid' })
    const forged = await app.inject({ method: 'POST', url: '/webhooks/stripe', payload: event.payload.replace('pi_http', 'pi_evil'), headers })
    expect(forged.statusCode).toBe(400)
    expect((await client.get(`/ordini/${order.orderId}/esito`)).body).toContain('Pagamento ricevuto')
    expect(await expiryOf(t, mailbox.id)).toBe('2027-06-30')
    expect(await allPayments(t)).toHaveLength(1)
  })

  it('PayPal: approve at PayPal, come back (capture, no money yet), then the verified webhook pays', async () => {
    const { mailbox, order, client, done } = await setup('paypal', { ...stripeEnv(), ...paypalEnv() })
    const pay = await client.post(`/ordini/${order.orderId}/paga`, {}, done.body)
    const paypalOrder = new URL(pay.headers.location as string).searchParams.get('token')!
    expect(pay.headers.location).toBe(`https://www.sandbox.paypal.test/checkoutnow?token=${paypalOrder}`)
    paypal.approve(paypalOrder)

    const back = await client.get(`/ordini/${order.orderId}/esito?token=${paypalOrder}&PayerID=PAYER1`)
    expect(back.statusCode).toBe(303)
    expect(back.headers.location).toBe(`/ordini/${order.orderId}/esito`)
    const captureId = paypal.orders.get(paypalOrder)!.captureId!
    expect(captureId).toBeDefined()
    expect(await allPayments(t)).toEqual([]) // the return page never registers money
    expect((await client.get(`/ordini/${order.orderId}/esito`)).body).toContain('Stiamo aspettando che PayPal confermi il pagamento')

    const event = paypal.signedEvent({
      id: 'WH-HTTP-1',
      event_type: 'PAYMENT.CAPTURE.COMPLETED',
      resource: { id: captureId, status: 'COMPLETED', amount: { currency_code: 'EUR', value: '12.20' }, custom_id: order.orderId, supplementary_data: { related_ids: { order_id: paypalOrder } } },
    })
    const response = await app.inject({ method: 'POST', url: '/webhooks/paypal', payload: event.payload, headers: event.headers })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({ outcome: 'paid' })
    expect((await client.get(`/ordini/${order.orderId}/esito`)).body).toContain('Pagamento ricevuto')
    expect(await expiryOf(t, mailbox.id)).toBe('2027-06-30')
  })

  const checkoutCompleted = (id: string, session: string, orderId: string, intent: string) => ({
    id,
    type: 'checkout.session.completed',
    object: { id: session, client_reference_id: orderId, payment_intent: intent, payment_status: 'paid', amount_total: 1220, currency: 'eur' },
  })
  const postWebhook = (gateway: string, event: { payload: string; headers: Record<string, string> }, remoteAddress = '127.0.0.1') =>
    app.inject({ method: 'POST', url: `/webhooks/${gateway}`, payload: event.payload, headers: event.headers, remoteAddress })

  it('Stripe: an event signed an hour ahead of our clock is refused and registers nothing; 30 s ahead (clock skew) pays', async () => {
    const { clock, mailbox, order, client, done } = await setup('card', stripeEnv())
    await client.post(`/ordini/${order.orderId}/paga`, {}, done.body)
    const inAnHour = signedStripeEvent(checkoutCompleted('evt_future', 'cs_test_1', order.orderId, 'pi_future'), new Date(clock.now().getTime() + 3_600_000))
    const refused = await postWebhook('stripe', inAnHour)
    expect(refused.statusCode).toBe(400)
    expect(refused.json()).toEqual({ error: 'invalid_signature' })
    expect(await webhooks(t)).toEqual([])
    expect(await allPayments(t)).toEqual([])
    expect(await expiryOf(t, mailbox.id)).toBe('2026-06-30')

    const skewed = signedStripeEvent(checkoutCompleted('evt_skewed', 'cs_test_1', order.orderId, 'pi_skewed'), new Date(clock.now().getTime() + 30_000))
    const accepted = await postWebhook('stripe', skewed)
    expect(accepted.statusCode).toBe(200)
    expect(accepted.json()).toMatchObject({ outcome: 'paid' })
    expect(await expiryOf(t, mailbox.id)).toBe('2027-06-30')
  })

  const captureEvent = (orderId: string) => ({
    id: 'WH-FORGED-1',
    event_type: 'PAYMENT.CAPTURE.COMPLETED',
    resource: { id: 'CAP-1', status: 'COMPLETED', amount: { currency_code: 'EUR', value: '12.20' }, custom_id: orderId },
  })
  const minutes = (n: number) => n * 60_000

  it.each([
    ['without paypal-transmission-id', { 'paypal-transmission-id': undefined }],
    ['without paypal-transmission-time', { 'paypal-transmission-time': undefined }],
    ['without paypal-transmission-sig', { 'paypal-transmission-sig': undefined }],
    ['without paypal-cert-url', { 'paypal-cert-url': undefined }],
    ['without paypal-auth-algo', { 'paypal-auth-algo': undefined }],
    ['with a transmission id too long', { 'paypal-transmission-id': 'a'.repeat(65) }],
    ['with JSON smuggled in the transmission id', { 'paypal-transmission-id': 'x","webhook_id":"WH-ATTACKER' }],
    ['with a signature that is not base 64', { 'paypal-transmission-sig': 'not base64 at all!' }],
    ['with a signature too long', { 'paypal-transmission-sig': 'A'.repeat(5000) }],
    ['with an odd auth algorithm', { 'paypal-auth-algo': 'SHA256withRSA; x' }],
    ['with a certificate over http', { 'paypal-cert-url': 'http://api.sandbox.paypal.com/v1/notifications/certs/CERT-fake' }],
    ['with a certificate on another host', { 'paypal-cert-url': 'https://paypal.com.attacker.example/cert.pem' }],
    ['with a certificate behind user info', { 'paypal-cert-url': 'https://api.paypal.com@attacker.example/cert.pem' }],
    ['with a certificate on another port', { 'paypal-cert-url': 'https://api.paypal.com:8443/cert.pem' }],
    ['with a certificate URL too long', { 'paypal-cert-url': `https://api.paypal.com/${'c'.repeat(600)}` }],
    ['with a transmission time that is not a time', { 'paypal-transmission-time': 'yesterday' }],
    ['sent 10 minutes ago', { 'paypal-transmission-time': minutes(-10) }],
    ['sent 10 minutes in the future', { 'paypal-transmission-time': minutes(10) }],
  ])('PayPal: a webhook %s is refused (400) without a call to PayPal’s verify API, and stores nothing', async (_case, change) => {
    const { clock, order } = await setup('paypal', paypalEnv())
    const event = paypal.signedEvent(captureEvent(order.orderId), clock.now())
    const headers: Record<string, string> = { ...event.headers }
    for (const [name, value] of Object.entries(change)) {
      if (value === undefined) delete headers[name]
      else headers[name] = typeof value === 'number' ? new Date(clock.now().getTime() + value).toISOString() : value
    }
    const response = await postWebhook('paypal', { payload: event.payload, headers })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ error: 'invalid_signature' })
    expect(paypal.verifyCalls()).toBe(0)
    expect(await webhooks(t)).toEqual([])
    expect(await allPayments(t)).toEqual([])
  })

  it('PayPal: a genuine webhook sent 4 minutes ago (within the window) is verified with PayPal and pays', async () => {
    const { clock, order, mailbox } = await setup('paypal', paypalEnv())
    const event = paypal.signedEvent(captureEvent(order.orderId), new Date(clock.now().getTime() - minutes(4)))
    const response = await postWebhook('paypal', event)
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({ outcome: 'paid' })
    expect(paypal.verifyCalls()).toBe(1)
    expect(await expiryOf(t, mailbox.id)).toBe('2027-06-30')
  })

  it('rate limit: the 121st webhook from one IP within a minute answers 429 without a call to PayPal; other IPs and gateways go on', async () => {
    const { clock, order } = await setup('paypal', { ...stripeEnv(), ...paypalEnv() })
    const genuine = paypal.signedEvent(captureEvent(order.orderId), clock.now())
    // Well-formed headers, forged body: each one costs a verify call until the limit stops them.
    const forged = { ...genuine, payload: genuine.payload.replace('12.20', '0.01') }
    for (let n = 0; n < 120; n++) expect((await postWebhook('paypal', forged, '203.0.113.7')).statusCode).toBe(400)
    expect(paypal.verifyCalls()).toBe(120)
    const limited = await postWebhook('paypal', forged, '203.0.113.7')
    expect(limited.statusCode).toBe(429)
    expect(paypal.verifyCalls()).toBe(120)
    expect((await postWebhook('paypal', forged, '203.0.113.8')).statusCode).toBe(400) // another source
    expect(paypal.verifyCalls()).toBe(121)
    const stripeEvent = signedStripeEvent(checkoutCompleted('evt_1', 'cs_test_1', order.orderId, 'pi_1'), clock.now(), 'whsec_attacker')
    expect((await postWebhook('stripe', stripeEvent, '203.0.113.7')).statusCode).toBe(400) // another gateway
    expect(await webhooks(t)).toEqual([])
    expect(await allPayments(t)).toEqual([])
  })

  it('a gateway name the route schema refuses answers 400 invalid_input in the table’s words (it, or en when asked); an unknown well-formed one stays 404', async () => {
    const { clock, order } = await setup('paypal', paypalEnv())
    const event = paypal.signedEvent(captureEvent(order.orderId), clock.now())
    const italian = await postWebhook('PayPal%20x', event)
    expect(italian.statusCode).toBe(400)
    expect(italian.json()).toEqual({ error: 'invalid_input', message: 'Dati non validi' })
    const english = await app.inject({ method: 'POST', url: `/webhooks/${'p'.repeat(40)}`, payload: event.payload, headers: { ...event.headers, 'accept-language': 'en-GB,en;q=0.9' } })
    expect(english.statusCode).toBe(400)
    expect(english.json()).toEqual({ error: 'invalid_input', message: 'Invalid input' })
    const unknown = await postWebhook('bitcoin', event)
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toEqual({ error: 'unknown_gateway' })
    expect(paypal.verifyCalls()).toBe(0)
    expect(await webhooks(t)).toEqual([])
  })

  it('with a real gateway configured the sandbox is off, and a method without its gateway is unavailable', async () => {
    const { order, client, done } = await setup('paypal', stripeEnv())
    const pay = await client.post(`/ordini/${order.orderId}/paga`, {}, done.body)
    expect(pay.statusCode).toBe(503)
    expect(pay.body).toContain('non è disponibile')
    expect((await client.get('/sandbox/pagamento/sbx_0123')).statusCode).toBe(404)
    const sandboxHook = await app.inject({ method: 'POST', url: '/webhooks/sandbox', payload: '{}', headers: { 'content-type': 'application/json' } })
    expect(sandboxHook.statusCode).toBe(404)
  })
})
