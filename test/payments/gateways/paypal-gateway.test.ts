import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WebhookSignatureError } from '../../../src/payments/gateways/card-gateway'
import { completeCheckout } from '../../../src/payments/gateways/complete-checkout'
import { paymentState } from '../../../src/payments/gateways/payment-state'
import { receiveWebhook } from '../../../src/flows/receive-webhook'
import { startCheckout } from '../../../src/payments/gateways/start-checkout'
import { testDatabases, type TestDatabase } from '../../support/databases'
import { fakePaypal, PAYPAL_WEBHOOK_ID } from './fake-providers'
import { allPayments, expiryOf, openOrder, orderStatus, servicesFor, webhooks } from './harness'

describe.each(testDatabases())('%s: PayPal gateway', (_name, open) => {
  let t: TestDatabase
  let paypal: Awaited<ReturnType<typeof fakePaypal>>
  beforeEach(async () => {
    paypal = await fakePaypal()
  })
  afterEach(async () => {
    await paypal.close()
    await t?.close()
  })

  async function setup() {
    t = await open()
    const { services } = servicesFor(t, {
      PAYPAL_CLIENT_ID: 'client-id',
      PAYPAL_CLIENT_SECRET: 'client-secret',
      PAYPAL_WEBHOOK_ID,
      PAYPAL_API_BASE: paypal.base,
    })
    const gateway = services.gateways.forMethod('paypal')!
    const { mailbox, order } = await openOrder(t, services, { method: 'paypal' })
    const started = await startCheckout(services.deps, services.gateways, { orderId: order.orderId, actor: 'holder:test', language: 'en' })
    if (started.kind !== 'redirect') throw new Error(`expected a redirect, got ${started.kind}`)
    const receive = (event: { payload: string; headers: Record<string, string> }) =>
      receiveWebhook(services.deps, gateway, Buffer.from(event.payload), event.headers)
    const returnFromPaypal = () => completeCheckout(services.deps, services.gateways, { orderId: order.orderId, gatewayRef: started.gatewayRef })
    return { services, gateway, mailbox, order, paypalOrder: started.gatewayRef, started, receive, returnFromPaypal }
  }

  function captureCompleted(eventId: string, paypalOrder: string, orderId: string, value = '12.20') {
    const captureId = paypal.orders.get(paypalOrder)?.captureId ?? 'CAP-NOT-CAPTURED'
    return paypal.signedEvent({
      id: eventId,
      event_type: 'PAYMENT.CAPTURE.COMPLETED',
      resource: {
        id: captureId,
        status: 'COMPLETED',
        amount: { currency_code: 'EUR', value },
        custom_id: orderId,
        invoice_id: orderId,
        supplementary_data: { related_ids: { order_id: paypalOrder } },
      },
    })
  }

  const orderApproved = (eventId: string, paypalOrder: string, orderId: string) =>
    paypal.signedEvent({ id: eventId, event_type: 'CHECKOUT.ORDER.APPROVED', resource: { id: paypalOrder, status: 'APPROVED', purchase_units: [{ custom_id: orderId }] } })

  it('creates an Orders v2 order for 12.20 EUR naming our order, and sends the payer to PayPal', async () => {
    const { order, started, paypalOrder } = await setup()
    expect(started.redirectUrl).toBe(`https://www.sandbox.paypal.test/checkoutnow?token=${paypalOrder}`)
    const create = paypal.requests.find((r) => r.path === '/v2/checkout/orders')!
    const body = JSON.parse(create.body)
    expect(body.intent).toBe('CAPTURE')
    expect(body.purchase_units[0]).toMatchObject({ custom_id: order.orderId, invoice_id: order.orderId, amount: { currency_code: 'EUR', value: '12.20' } })
    expect(body.payment_source.paypal.experience_context.return_url).toBe(`https://rinnovi.example.it/ordini/${order.orderId}/esito`)
    expect(create.headers.authorization).toBe('Bearer A21-fake-token')
  })

  it('refuses a webhook PayPal does not verify, or one without its transmission headers, and stores nothing', async () => {
    const { order, paypalOrder, receive, returnFromPaypal, mailbox } = await setup()
    paypal.approve(paypalOrder)
    await returnFromPaypal()
    const genuine = captureCompleted('WH-1', paypalOrder, order.orderId)
    await expect(receive({ ...genuine, payload: genuine.payload.replace('12.20', '0.01') })).rejects.toBeInstanceOf(WebhookSignatureError)
    await expect(receive({ payload: genuine.payload, headers: { 'content-type': 'application/json' } })).rejects.toBeInstanceOf(WebhookSignatureError)
    expect(await webhooks(t)).toEqual([])
    expect(await allPayments(t)).toEqual([])
    expect(await expiryOf(t, mailbox.id)).toBe('2026-06-30')
  })

  it('R4/R8: capturing on return registers nothing; PAYMENT.CAPTURE.COMPLETED pays once, however often it comes', async () => {
    const { services, order, paypalOrder, receive, returnFromPaypal, mailbox } = await setup()
    paypal.approve(paypalOrder)
    await returnFromPaypal()
    expect(paypal.orders.get(paypalOrder)!.captureId).toBeDefined()
    expect(await allPayments(t)).toEqual([])
    expect(await paymentState(services.deps.db, order.orderId)).toMatchObject({ kind: 'waiting', gateway: 'paypal' })
    const event = captureCompleted('WH-1', paypalOrder, order.orderId)
    expect(await receive(event)).toMatchObject({ outcome: 'paid', orderId: order.orderId })
    expect(await receive(event)).toMatchObject({ outcome: 'replayed' })
    const rows = await allPayments(t)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ method: 'paypal', reference: paypal.orders.get(paypalOrder)!.captureId, amountCents: 1220, source: 'gateway:paypal' })
    expect(await expiryOf(t, mailbox.id)).toBe('2027-06-30')
  })

  it('out of order: the capture completes before CHECKOUT.ORDER.APPROVED arrives, and the payment registers once', async () => {
    const { order, paypalOrder, receive, returnFromPaypal, mailbox } = await setup()
    paypal.approve(paypalOrder)
    await returnFromPaypal()
    expect(await receive(captureCompleted('WH-CAP', paypalOrder, order.orderId))).toMatchObject({ outcome: 'paid' })
    expect(await receive(orderApproved('WH-APPR', paypalOrder, order.orderId))).toMatchObject({ outcome: 'captured' }) // already captured
    expect(await allPayments(t)).toHaveLength(1)
    expect(await expiryOf(t, mailbox.id)).toBe('2027-06-30')
  })

  it('a payer who approves and never comes back is captured by CHECKOUT.ORDER.APPROVED; the capture webhook then pays', async () => {
    const { order, paypalOrder, receive, mailbox } = await setup()
    paypal.approve(paypalOrder)
    expect(await receive(orderApproved('WH-APPR', paypalOrder, order.orderId))).toMatchObject({ outcome: 'captured' })
    expect(await orderStatus(t, order.orderId)).toBe('open') // captured, not yet confirmed
    expect(await receive(captureCompleted('WH-CAP', paypalOrder, order.orderId))).toMatchObject({ outcome: 'paid' })
    expect(await expiryOf(t, mailbox.id)).toBe('2027-06-30')
  })

  it('a declined capture leaves the order open and the return page says declined', async () => {
    const { services, order, paypalOrder, returnFromPaypal } = await setup()
    paypal.approve(paypalOrder)
    paypal.declineCaptureOf(paypalOrder)
    await returnFromPaypal()
    expect(await orderStatus(t, order.orderId)).toBe('open')
    expect(await allPayments(t)).toEqual([])
    expect(await paymentState(services.deps.db, order.orderId)).toMatchObject({ kind: 'declined', reason: 'instrument_declined' })
  })
})
