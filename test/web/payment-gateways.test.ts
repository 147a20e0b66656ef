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
import { allPayments, expiryOf, servicesFor } from '../payments/gateways/harness'

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
    await db.update(accounts).set({ passwordHash: await hashPassword('secret-30') }).where(eq(accounts.id, 'FNOM000030'))
    const { services, clock } = servicesFor(t, env)
    app = await buildServer(services)
    const order = await placeOrder(services.deps, { mailboxAddress: mailbox.address, years: 1, method, actor: 'holder:FNOM000030', accountId: 'FNOM000030' })
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
