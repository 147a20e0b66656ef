import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { headerValue, WebhookSignatureError, type CardGateway, type GatewayEvent, type GatewayMethod } from './card-gateway'

export const SANDBOX_SIGNATURE_HEADER = 'x-sandbox-signature'
/** The 3-D Secure code the simulated challenge accepts; any other code fails authentication. */
export const SANDBOX_3DS_CODE = '123456'
const TOLERANCE_SECONDS = 300

/** What the holder chose on the simulated page. */
export type SandboxResult = { outcome: 'succeeded' } | { outcome: 'declined'; reason: 'card_declined' | 'authentication_failed' }

export interface SandboxCheckout {
  gatewayRef: string
  orderId: string
  amountCents: number
  method: GatewayMethod
}

interface SandboxEvent {
  id: string
  type: 'payment.succeeded' | 'payment.declined'
  checkout: string
  order_id: string
  amount_cents: number
  method: GatewayMethod
  payment_id: string
  reason?: string
}

/** The sandbox adds what its simulated page needs: a webhook it signs and sends to itself. */
export interface SandboxGateway extends CardGateway {
  /** The webhook a real gateway would send for this outcome, signed as one (body and headers). */
  signedEvent(checkout: SandboxCheckout, result: SandboxResult, at: Date): { body: string; headers: Record<string, string> }
}

/**
 * The embedded default (DESIGN §5): a local card page, clearly a simulation, that moves no money.
 * Its outcomes still travel as signed webhooks through POST /webhooks/sandbox, so a sandbox payment
 * registers by the same path as a real one (R4, R8).
 */
export function sandboxGateway(secret: string): SandboxGateway {
  // A key of its own, derived from the session secret: a cookie signature is never a webhook signature.
  const key = createHmac('sha256', secret).update('pec-renewal sandbox webhook v1').digest()
  const sign = (timestamp: number, body: string) => createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')

  return {
    name: 'sandbox',
    simulated: true,

    async startCheckout() {
      const gatewayRef = `sbx_${randomBytes(16).toString('hex')}`
      return { gatewayRef, redirectUrl: `/sandbox/pagamento/${gatewayRef}` }
    },

    signedEvent(checkout, result, at) {
      const event: SandboxEvent = {
        id: `evt_sbx_${randomBytes(12).toString('hex')}`,
        type: result.outcome === 'succeeded' ? 'payment.succeeded' : 'payment.declined',
        checkout: checkout.gatewayRef,
        order_id: checkout.orderId,
        amount_cents: checkout.amountCents,
        method: checkout.method,
        payment_id: `sbxpay_${checkout.gatewayRef.slice('sbx_'.length)}`, // one payment per simulated page
        ...(result.outcome === 'declined' ? { reason: result.reason } : {}),
      }
      const body = JSON.stringify(event)
      const timestamp = Math.floor(at.getTime() / 1000)
      return { body, headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: `t=${timestamp},v1=${sign(timestamp, body)}` } }
    },

    async verifyWebhook(rawBody, headers, receivedAt) {
      const header = headerValue(headers, SANDBOX_SIGNATURE_HEADER)
      const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=', 2) as [string, string]))
      const timestamp = Number(parts.t)
      if (!header || !Number.isInteger(timestamp) || !/^[0-9a-f]{64}$/.test(parts.v1 ?? '')) {
        throw new WebhookSignatureError('sandbox', 'no valid signature header')
      }
      const expected = Buffer.from(sign(timestamp, rawBody.toString('utf8')), 'hex')
      if (!timingSafeEqual(expected, Buffer.from(parts.v1, 'hex'))) throw new WebhookSignatureError('sandbox', 'signature does not match')
      if (Math.abs(receivedAt.getTime() / 1000 - timestamp) > TOLERANCE_SECONDS) throw new WebhookSignatureError('sandbox', 'signature outside the 5-minute window')
      return fromSandboxEvent(JSON.parse(rawBody.toString('utf8')) as SandboxEvent)
    },

    async completeCheckout() {
      return { status: 'pending' } // the simulated page settles by itself, through its webhook
    },

    async refund(_paymentReference, _amountCents, idempotencyKey) {
      // Simulated: no money moves. The same key gives the same refund, as at a real gateway.
      return { refundRef: `sbxre_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}` }
    },
  }
}

function fromSandboxEvent(event: SandboxEvent): GatewayEvent | null {
  const base = { eventId: event.id, eventType: event.type, gatewayRef: event.checkout, orderRef: event.order_id, raw: event }
  if (event.type === 'payment.succeeded') {
    return {
      ...base,
      kind: 'confirmed',
      payment: {
        orderRef: event.order_id,
        amountCents: event.amount_cents,
        method: event.method,
        reference: event.payment_id,
        actor: 'gateway:sandbox',
        raw: { event: event.id, simulated: true },
      },
    }
  }
  if (event.type === 'payment.declined') return { ...base, kind: 'declined', reason: event.reason ?? 'card_declined' }
  return null
}
