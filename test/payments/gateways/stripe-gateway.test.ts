import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WebhookSignatureError } from '../../../src/payments/gateways/card-gateway'
import { paymentState } from '../../../src/payments/gateways/payment-state'
import { receiveWebhook } from '../../../src/flows/receive-webhook'
import { startCheckout } from '../../../src/payments/gateways/start-checkout'
import { testDatabases, type TestDatabase } from '../../support/databases'
import { fakeStripe, signedStripeEvent, STRIPE_WEBHOOK_SECRET } from './fake-providers'
import { allPayments, auditActions, checkouts, expiryOf, openOrder, orderStatus, servicesFor, webhooks } from './harness'

describe.each(testDatabases())('%s: Stripe card gateway', (_name, open) => {
  let t: TestDatabase
  let stripe: Awaited<ReturnType<typeof fakeStripe>>
  beforeEach(async () => {
    stripe = await fakeStripe()
  })
  afterEach(async () => {
    await stripe.close()
    await t?.close()
  })

  async function setup() {
    t = await open()
    const { services, clock } = servicesFor(t, { STRIPE_SECRET_KEY: 'sk_test_fake', STRIPE_WEBHOOK_SECRET, STRIPE_API_BASE: stripe.base })
    const gateway = services.gateways.forMethod('card')!
    const { mailbox, order } = await openOrder(t, services)
    const started = await startCheckout(services.deps, services.gateways, { orderId: order.orderId, actor: 'holder:test', language: 'it' })
    if (started.kind !== 'redirect') throw new Error(`expected a redirect, got ${started.kind}`)
    const receive = (event: { payload: string; headers: Record<string, string> }) =>
      receiveWebhook(services.deps, gateway, Buffer.from(event.payload), event.headers)
    return { services, clock, gateway, mailbox, order, session: started.gatewayRef, started, receive }
  }

  const completed = (session: string, orderId: string, intent: string, amount = 1220) => ({
    type: 'checkout.session.completed',
    object: { id: session, object: 'checkout.session', client_reference_id: orderId, metadata: { order_id: orderId }, payment_intent: intent, payment_status: 'paid', amount_total: amount, currency: 'eur' },
  })
  const intentSucceeded = (intent: string, orderId: string, amount = 1220) => ({
    type: 'payment_intent.succeeded',
    object: { id: intent, object: 'payment_intent', metadata: { order_id: orderId }, amount_received: amount, currency: 'eur' },
  })

  it('opens a Checkout Session for the order total, card only, and a second click reuses it', async () => {
    const { services, order, started } = await setup()
    expect(started.redirectUrl).toBe('https://checkout.stripe.test/c/pay/cs_test_1')
    const [sent] = [...stripe.sessions.values()]
    expect(sent).toMatchObject({
      mode: 'payment',
      'allowed_payment_method_types[0]': 'card',
      'line_items[0][price_data][currency]': 'eur',
      'line_items[0][price_data][unit_amount]': '1220',
      client_reference_id: order.orderId,
      'metadata[order_id]': order.orderId,
      'payment_intent_data[metadata][order_id]': order.orderId,
      success_url: `https://rinnovi.example.it/ordini/${order.orderId}/esito`,
      locale: 'it',
    })
    expect(stripe.requests[0].headers.authorization).toBe('Bearer sk_test_fake')
    const again = await startCheckout(services.deps, services.gateways, { orderId: order.orderId, actor: 'holder:test', language: 'it' })
    expect(again).toMatchObject({ kind: 'redirect', reused: true, gatewayRef: 'cs_test_1' })
    expect(stripe.sessions.size).toBe(1)
    expect(await auditActions(t, order.orderId)).toContain('order.checkout_started')
  })

  it('refuses a forged, unsigned or stale webhook and stores nothing', async () => {
    const { clock, order, session, receive, mailbox } = await setup()
    const forged = signedStripeEvent({ id: 'evt_forged', ...completed(session, order.orderId, 'pi_1') }, clock.now(), 'whsec_attacker')
    await expect(receive(forged)).rejects.toBeInstanceOf(WebhookSignatureError)
    const unsigned = { payload: forged.payload, headers: { 'content-type': 'application/json' } }
    await expect(receive(unsigned)).rejects.toBeInstanceOf(WebhookSignatureError)
    const tampered = signedStripeEvent({ id: 'evt_ok', ...completed(session, order.orderId, 'pi_1') }, clock.now())
    await expect(receive({ ...tampered, payload: tampered.payload.replace('1220', '1') })).rejects.toBeInstanceOf(WebhookSignatureError)
    const stale = signedStripeEvent({ id: 'evt_old', ...completed(session, order.orderId, 'pi_1') }, new Date(clock.now().getTime() - 10 * 60_000))
    await expect(receive(stale)).rejects.toBeInstanceOf(WebhookSignatureError)
    expect(await webhooks(t)).toEqual([])
    expect(await allPayments(t)).toEqual([])
    expect(await orderStatus(t, order.orderId)).toBe('open')
    expect(await expiryOf(t, mailbox.id)).toBe('2026-06-30')
  })

  it('R4/R8: a verified checkout.session.completed pays once; its replay and payment_intent.succeeded change nothing', async () => {
    const { clock, order, session, receive, mailbox } = await setup()
    const event = signedStripeEvent({ id: 'evt_1', ...completed(session, order.orderId, 'pi_1') }, clock.now())
    expect(await receive(event)).toMatchObject({ outcome: 'paid', orderId: order.orderId, paymentReplayed: false })
    expect(await expiryOf(t, mailbox.id)).toBe('2027-06-30') // R4: from E, not from the payment date
    expect(await receive(event)).toMatchObject({ outcome: 'replayed' })
    const other = signedStripeEvent({ id: 'evt_2', ...intentSucceeded('pi_1', order.orderId) }, clock.now())
    expect(await receive(other)).toMatchObject({ outcome: 'paid', paymentReplayed: true })
    const rows = await allPayments(t)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ method: 'card', reference: 'pi_1', amountCents: 1220, outcome: 'paid', source: 'gateway:stripe' })
    expect(await expiryOf(t, mailbox.id)).toBe('2027-06-30')
    expect((await webhooks(t)).map((w) => w.eventId).sort()).toEqual(['evt_1', 'evt_2'])
    expect((await auditActions(t, order.orderId)).filter((a) => a === 'payment.paid')).toHaveLength(1)
    expect((await checkouts(t, order.orderId))[0].status).toBe('confirmed')
    expect(await paymentState(t.database.db, order.orderId)).toEqual({ kind: 'paid', newExpiresOn: '2027-06-30' })
  })

  it('out of order: payment_intent.succeeded before the session completes registers the payment once', async () => {
    const { clock, order, session, receive, mailbox } = await setup()
    expect(await receive(signedStripeEvent({ id: 'evt_a', ...intentSucceeded('pi_9', order.orderId) }, clock.now()))).toMatchObject({ outcome: 'paid' })
    expect(await receive(signedStripeEvent({ id: 'evt_b', ...completed(session, order.orderId, 'pi_9') }, clock.now()))).toMatchObject({ paymentReplayed: true })
    expect(await allPayments(t)).toHaveLength(1)
    expect(await expiryOf(t, mailbox.id)).toBe('2027-06-30')
  })

  it('a declined card leaves the order open; the return page says declined; a later success still pays', async () => {
    const { clock, order, session, receive, mailbox } = await setup()
    const failed = signedStripeEvent(
      {
        id: 'evt_fail',
        type: 'payment_intent.payment_failed',
        object: { id: 'pi_5', object: 'payment_intent', metadata: { order_id: order.orderId }, amount_received: 0, currency: 'eur', last_payment_error: { code: 'card_declined', decline_code: 'card_declined' } },
      },
      clock.now(),
    )
    expect(await receive(failed)).toMatchObject({ outcome: 'declined', orderId: order.orderId })
    expect(await orderStatus(t, order.orderId)).toBe('open')
    expect(await allPayments(t)).toEqual([])
    expect(await paymentState(t.database.db, order.orderId)).toMatchObject({ kind: 'declined', reason: 'card_declined' })
    expect(await auditActions(t, order.orderId)).toContain('order.checkout_declined')
    await receive(signedStripeEvent({ id: 'evt_ok', ...completed(session, order.orderId, 'pi_6') }, clock.now()))
    expect(await expiryOf(t, mailbox.id)).toBe('2027-06-30')
  })

  it('R4: an amount that does not match the order is held, and the return page says so', async () => {
    const { clock, order, session, receive, mailbox } = await setup()
    expect(await receive(signedStripeEvent({ id: 'evt_m', ...completed(session, order.orderId, 'pi_7', 999) }, clock.now()))).toMatchObject({ outcome: 'held' })
    expect(await expiryOf(t, mailbox.id)).toBe('2026-06-30')
    expect(await paymentState(t.database.db, order.orderId)).toEqual({ kind: 'held' })
  })
})
