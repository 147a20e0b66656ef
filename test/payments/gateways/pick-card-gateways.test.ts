import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../../src/config'
import { WebhookSignatureError } from '../../../src/payments/gateways/card-gateway'
import { pickCardGateways } from '../../../src/payments/gateways/pick-card-gateways'
import { sandboxGateway } from '../../../src/payments/gateways/sandbox-gateway'
import { DEMO_ENV, TEST_SESSION_SECRET } from '../../support/config'

const base = { DATABASE_URL: 'memory://', SESSION_SECRET: TEST_SESSION_SECRET }

describe('gateway settings', () => {
  it('R10: in demo mode, the sandbox (a simulation) takes card and PayPal', () => {
    const gateways = pickCardGateways(loadConfig({ ...base, ...DEMO_ENV }))
    expect(gateways.forMethod('card')).toMatchObject({ name: 'sandbox', simulated: true })
    expect(gateways.forMethod('paypal')).toMatchObject({ name: 'sandbox', simulated: true })
    expect(gateways.sandbox).toBeDefined()
  })

  it('R10: outside demo mode, no keys means no card and no PayPal, never the sandbox', () => {
    for (const env of [base, { ...base, PEC_MODE: 'production' }, { ...base, STRIPE_KEY: 'sk_live_x', STRIPE_SECRET: 'whsec_x' }]) {
      const gateways = pickCardGateways(loadConfig(env))
      expect(gateways.forMethod('card')).toBeUndefined()
      expect(gateways.forMethod('paypal')).toBeUndefined()
      expect(gateways.byName('sandbox')).toBeUndefined()
      expect(gateways.sandbox).toBeUndefined()
    }
  })

  it('with one real gateway the sandbox is off everywhere: no simulated payment on a live installation', () => {
    const gateways = pickCardGateways(loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_live_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' }))
    expect(gateways.forMethod('card')).toMatchObject({ name: 'stripe', simulated: false })
    expect(gateways.forMethod('paypal')).toBeUndefined()
    expect(gateways.byName('sandbox')).toBeUndefined()
    expect(gateways.sandbox).toBeUndefined()
  })

  it.each([
    [{ STRIPE_SECRET_KEY: 'sk_test_abc' }, /STRIPE_WEBHOOK_SECRET/],
    [{ STRIPE_WEBHOOK_SECRET: 'whsec_abc' }, /STRIPE_SECRET_KEY/],
    [{ STRIPE_SECRET_KEY: 'pk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' }, /STRIPE_SECRET_KEY: expected a Stripe secret key/],
    [{ STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc', STRIPE_API_BASE: 'ftp://x' }, /STRIPE_API_BASE/],
    [{ PAYPAL_CLIENT_ID: 'id' }, /PAYPAL_CLIENT_SECRET, PAYPAL_WEBHOOK_ID/],
    [{ PAYPAL_CLIENT_ID: 'id', PAYPAL_CLIENT_SECRET: 's', PAYPAL_WEBHOOK_ID: 'w', PAYPAL_API_BASE: 'nope' }, /PAYPAL_API_BASE/],
  ])('refuses incomplete or malformed gateway settings, naming the variable: %o', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError)
    expect(() => loadConfig({ ...base, ...env })).toThrow(message)
  })

  it('PayPal defaults to the live API; PAYPAL_API_BASE points elsewhere (sandbox, tests)', () => {
    const live = loadConfig({ ...base, PAYPAL_CLIENT_ID: 'id', PAYPAL_CLIENT_SECRET: 's', PAYPAL_WEBHOOK_ID: 'w' })
    expect(live.gateways.paypal?.apiBase).toBe('https://api-m.paypal.com')
    const sandbox = loadConfig({ ...base, PAYPAL_CLIENT_ID: 'id', PAYPAL_CLIENT_SECRET: 's', PAYPAL_WEBHOOK_ID: 'w', PAYPAL_API_BASE: 'https://api-m.sandbox.paypal.com/' })
    expect(sandbox.gateways.paypal?.apiBase).toBe('https://api-m.sandbox.paypal.com')
  })
})

describe('sandbox webhook signature', () => {
  const at = new Date('2026-05-01T10:00:00Z')
  const checkout = { gatewayRef: 'sbx_00', orderId: 'K7MR4DXP52', amountCents: 1220, method: 'card' as const }

  it('verifies its own signed event and translates it into an IncomingPayment', async () => {
    const sandbox = sandboxGateway('secret-a')
    const { body, headers } = sandbox.signedEvent(checkout, { outcome: 'succeeded' }, at)
    const event = await sandbox.verifyWebhook(Buffer.from(body), headers, at)
    expect(event).toMatchObject({
      kind: 'confirmed',
      payment: { orderRef: 'K7MR4DXP52', amountCents: 1220, method: 'card', reference: 'sbxpay_00', actor: 'gateway:sandbox' },
    })
  })

  it('refuses another secret, a changed body, a stale or future timestamp', async () => {
    const sandbox = sandboxGateway('secret-a')
    const { body, headers } = sandboxGateway('secret-b').signedEvent(checkout, { outcome: 'succeeded' }, at)
    await expect(sandbox.verifyWebhook(Buffer.from(body), headers, at)).rejects.toBeInstanceOf(WebhookSignatureError)
    const own = sandbox.signedEvent(checkout, { outcome: 'succeeded' }, at)
    await expect(sandbox.verifyWebhook(Buffer.from(own.body.replace('1220', '1')), own.headers, at)).rejects.toBeInstanceOf(WebhookSignatureError)
    await expect(sandbox.verifyWebhook(Buffer.from(own.body), own.headers, new Date(at.getTime() + 6 * 60_000))).rejects.toThrow(/outside the 5-minute window/)
    await expect(sandbox.verifyWebhook(Buffer.from(own.body), own.headers, new Date(at.getTime() - 6 * 60_000))).rejects.toThrow(/outside the 5-minute window/)
    await expect(sandbox.verifyWebhook(Buffer.from(own.body), {}, at)).rejects.toBeInstanceOf(WebhookSignatureError)
  })
})
