import { eq } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DomainError } from '../../../src/core/errors'
import { auditLog } from '../../../src/db/audit-schema'
import { receiveWebhook } from '../../../src/flows/receive-webhook'
import { refundPayment } from '../../../src/payments/refund-payment'
import { registerPayment } from '../../../src/flows/register-payment'
import { payments } from '../../../src/payments/schema'
import { testDatabases, type TestDatabase } from '../../support/databases'
import { fakePaypal, fakeStripe, PAYPAL_WEBHOOK_ID, signedStripeEvent, STRIPE_WEBHOOK_SECRET } from './fake-providers'
import { openOrder, servicesFor } from './harness'

describe.each(testDatabases())('%s: refundPayment', (_name, open) => {
  let t: TestDatabase
  let stripe: Awaited<ReturnType<typeof fakeStripe>>
  let paypal: Awaited<ReturnType<typeof fakePaypal>>
  beforeEach(async () => {
    stripe = await fakeStripe()
    paypal = await fakePaypal()
  })
  afterEach(async () => {
    await stripe.close()
    await paypal.close()
    await t?.close()
  })

  async function setup(env: Record<string, string> = {}, method: 'card' | 'paypal' | 'bonifico' = 'card') {
    t = await open()
    const { services, clock } = servicesFor(t, env)
    const { order, mailbox } = await openOrder(t, services, { method })
    return { services, clock, order, mailbox }
  }

  const paymentRow = async (id: number) => (await t.database.db.select().from(payments).where(eq(payments.id, id)))[0]

  it('R4/R8: a duplicate card payment goes back through Stripe once, however often the operator asks', async () => {
    const { services, clock, order } = await setup({ STRIPE_SECRET_KEY: 'sk_test_fake', STRIPE_WEBHOOK_SECRET, STRIPE_API_BASE: stripe.base })
    const gateway = services.gateways.forMethod('card')!
    const completed = (id: string, intent: string) =>
      signedStripeEvent(
        {
          id,
          type: 'checkout.session.completed',
          object: { id: `cs_${intent}`, client_reference_id: order.orderId, payment_intent: intent, payment_status: 'paid', amount_total: 1220, currency: 'eur' },
        },
        clock.now(),
      )
    const pay = (e: ReturnType<typeof completed>) => receiveWebhook(services.deps, gateway, Buffer.from(e.payload), e.headers)
    expect(await pay(completed('evt_1', 'pi_1'))).toMatchObject({ outcome: 'paid' })
    const duplicate = await pay(completed('evt_2', 'pi_2')) // the holder paid twice, in two tabs
    expect(duplicate).toMatchObject({ outcome: 'duplicate' })
    expect((await paymentRow(duplicate.paymentId!)).refundStatus).toBe('due')

    const refund = await refundPayment(services.deps, services.gateways, { paymentId: duplicate.paymentId!, actor: 'operator:anna' })
    expect(refund).toMatchObject({ gateway: 'stripe', amountCents: 1220, orderId: order.orderId, replayed: false })
    expect(refund.refundRef).toMatch(/^re_test_/)
    const sent = stripe.requests.filter((r) => r.path === '/v1/refunds')
    expect(sent).toHaveLength(1)
    expect(Object.fromEntries(new URLSearchParams(sent[0].body))).toMatchObject({ payment_intent: 'pi_2', amount: '1220', reason: 'duplicate' })
    expect(sent[0].headers['idempotency-key']).toBe(`refund-payment-${duplicate.paymentId}`)
    expect((await paymentRow(duplicate.paymentId!)).refundStatus).toBe('refunded')
    const [entry] = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'payment.refunded'))
    expect(entry).toMatchObject({ actor: 'operator:anna', paymentId: duplicate.paymentId, orderId: order.orderId, reason: 'order_already_paid' })

    const again = await refundPayment(services.deps, services.gateways, { paymentId: duplicate.paymentId!, actor: 'operator:anna' })
    expect(again).toMatchObject({ replayed: true, refundRef: refund.refundRef, gateway: 'stripe' })
    expect(stripe.requests.filter((r) => r.path === '/v1/refunds')).toHaveLength(1)
  })

  it('a duplicate PayPal capture is refunded through PayPal, amount and request ID included', async () => {
    const { services, order } = await setup(
      { PAYPAL_CLIENT_ID: 'id', PAYPAL_CLIENT_SECRET: 'secret', PAYPAL_WEBHOOK_ID, PAYPAL_API_BASE: paypal.base },
      'paypal',
    )
    await registerPayment(services.deps, { orderRef: order.orderId, amountCents: 1220, method: 'paypal', reference: 'CAP-1', actor: 'gateway:paypal' })
    const duplicate = await registerPayment(services.deps, { orderRef: order.orderId, amountCents: 1220, method: 'paypal', reference: 'CAP-2', actor: 'gateway:paypal' })
    const refund = await refundPayment(services.deps, services.gateways, { paymentId: duplicate.paymentId, actor: 'operator:anna' })
    expect(refund).toMatchObject({ gateway: 'paypal', replayed: false })
    expect(refund.refundRef).toMatch(/^REF/)
    const sent = paypal.requests.find((r) => r.path === '/v2/payments/captures/CAP-2/refund')!
    expect(JSON.parse(sent.body)).toEqual({ amount: { currency_code: 'EUR', value: '12.20' } })
    expect(sent.headers['paypal-request-id']).toBe(`refund-payment-${duplicate.paymentId}`)
  })

  it('an offline duplicate (bonifico) is recorded as refunded with no gateway call', async () => {
    const { services, order } = await setup({}, 'bonifico')
    await registerPayment(services.deps, { orderRef: order.orderId, amountCents: 1220, method: 'bonifico', reference: 'BANK-1', actor: 'operator:anna' })
    const duplicate = await registerPayment(services.deps, { orderRef: order.orderId, amountCents: 1220, method: 'bonifico', reference: 'BANK-2', actor: 'operator:anna' })
    const refund = await refundPayment(services.deps, services.gateways, { paymentId: duplicate.paymentId, actor: 'operator:anna' })
    expect(refund).toMatchObject({ gateway: null, refundRef: null, replayed: false })
    expect((await paymentRow(duplicate.paymentId)).refundStatus).toBe('refunded')
  })

  it('refuses a payment with nothing due back, and an unknown payment', async () => {
    const { services, order } = await setup({}, 'bonifico')
    const paid = await registerPayment(services.deps, { orderRef: order.orderId, amountCents: 1220, method: 'bonifico', reference: 'BANK-1', actor: 'operator:anna' })
    await expect(refundPayment(services.deps, services.gateways, { paymentId: paid.paymentId, actor: 'operator:anna' })).rejects.toMatchObject({ code: 'refund_not_due' })
    await expect(refundPayment(services.deps, services.gateways, { paymentId: 999_999, actor: 'operator:anna' })).rejects.toBeInstanceOf(DomainError)
    expect((await paymentRow(paid.paymentId)).refundStatus).toBe('none')
  })
})
