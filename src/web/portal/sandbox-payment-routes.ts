import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { formatEuro } from '../../core/money'
import { formatOrderId } from '../../core/order-id'
import { findCheckout, type CheckoutRow } from '../../payments/gateways/queries'
import { SANDBOX_3DS_CODE, type SandboxGateway, type SandboxResult } from '../../payments/gateways/sandbox-gateway'
import type { Services } from '../../services'
import { formBody, objectOf, textOf } from '../route-schemas'

type RefParams = { Params: { ref: string } }
/** The checkout's reference in the URL; whether a checkout has it is the handler's 404. */
const refRoute = { schema: { params: objectOf({ ref: textOf(128) }, ['ref']) } }

/**
 * The sandbox gateway's simulated card page (embedded default, DESIGN §5), clearly marked as a
 * simulation: pay, pay after a 3-D Secure challenge (code 123456), or be declined. Each outcome
 * goes out as a signed webhook to POST /webhooks/sandbox, the route real gateways use, so the money
 * registers by the same path (R4, R8); then the holder lands on the return page.
 */
export async function sandboxPaymentRoutes(app: FastifyInstance, services: Services, sandbox: SandboxGateway): Promise<void> {
  const { deps } = services

  async function sandboxCheckout(request: FastifyRequest<RefParams>, reply: FastifyReply): Promise<CheckoutRow | null> {
    const checkout = await findCheckout(deps.db, 'sandbox', request.params.ref)
    if (!checkout) {
      await reply.refuse('page_not_found')
      return null
    }
    return checkout
  }

  function view(request: FastifyRequest, checkout: CheckoutRow) {
    return {
      ref: checkout.gatewayRef,
      orderId: checkout.orderId,
      number: formatOrderId(checkout.orderId),
      amount: formatEuro(checkout.amountCents, request.lang),
      method: checkout.method,
      open: checkout.status === 'started',
    }
  }

  /** Sends the outcome as the gateway would: a signed webhook through our own webhook route. */
  async function settle(reply: FastifyReply, checkout: CheckoutRow, result: SandboxResult) {
    const { body, headers } = sandbox.signedEvent(
      { gatewayRef: checkout.gatewayRef, orderId: checkout.orderId, amountCents: checkout.amountCents, method: checkout.method },
      result,
      deps.clock.now(),
    )
    const response = await app.inject({ method: 'POST', url: '/webhooks/sandbox', payload: body, headers })
    if (response.statusCode !== 200) throw new Error(`sandbox webhook answered ${response.statusCode}: ${response.body}`)
    return reply.redirect(`/ordini/${checkout.orderId}/esito`, 303)
  }

  app.get<RefParams>('/sandbox/pagamento/:ref', refRoute, async (request, reply) => {
    const checkout = await sandboxCheckout(request, reply)
    if (!checkout) return reply
    return reply.page('portal/payment/sandbox.eta', { title: request.t('sandbox.banner'), checkout: view(request, checkout) })
  })

  app.post<RefParams & { Body: { esito?: string } }>('/sandbox/pagamento/:ref', { schema: { ...refRoute.schema, body: formBody({ esito: textOf(16) }) } }, async (request, reply) => {
    const checkout = await sandboxCheckout(request, reply)
    if (!checkout) return reply
    if (checkout.status !== 'started') return reply.redirect(`/sandbox/pagamento/${checkout.gatewayRef}`, 303)
    switch (request.body?.esito) {
      case 'ok':
        return settle(reply, checkout, { outcome: 'succeeded' })
      case 'rifiuta':
        return settle(reply, checkout, { outcome: 'declined', reason: 'card_declined' })
      case '3ds':
        return reply.redirect(`/sandbox/pagamento/${checkout.gatewayRef}/3ds`, 303)
      default:
        return reply.redirect(`/sandbox/pagamento/${checkout.gatewayRef}`, 303)
    }
  })

  app.get<RefParams>('/sandbox/pagamento/:ref/3ds', refRoute, async (request, reply) => {
    const checkout = await sandboxCheckout(request, reply)
    if (!checkout) return reply
    if (checkout.status !== 'started') return reply.redirect(`/sandbox/pagamento/${checkout.gatewayRef}`, 303)
    return reply.page('portal/payment/sandbox-3ds.eta', { title: request.t('sandbox.3ds.title'), checkout: view(request, checkout) })
  })

  app.post<RefParams & { Body: { codice?: string } }>('/sandbox/pagamento/:ref/3ds', { schema: { ...refRoute.schema, body: formBody({ codice: textOf(64) }) } }, async (request, reply) => {
    const checkout = await sandboxCheckout(request, reply)
    if (!checkout) return reply
    if (checkout.status !== 'started') return reply.redirect(`/sandbox/pagamento/${checkout.gatewayRef}`, 303)
    const code = String(request.body?.codice ?? '').trim()
    if (!code) {
      return reply.page(
        'portal/payment/sandbox-3ds.eta',
        { title: request.t('sandbox.3ds.title'), checkout: view(request, checkout), errors: [{ field: 'codice', message: request.t('sandbox.3ds.missing') }] },
        422,
      )
    }
    // The simulated issuer accepts one code; a wrong one fails authentication and declines the payment.
    return settle(reply, checkout, code === SANDBOX_3DS_CODE ? { outcome: 'succeeded' } : { outcome: 'declined', reason: 'authentication_failed' })
  })
}
