import type { FastifyInstance } from 'fastify'
import { GatewayError, WebhookSignatureError } from '../payments/gateways/card-gateway'
import { receiveWebhook } from '../flows/receive-webhook'
import type { Services } from '../services'

const BODY_LIMIT = 256 * 1024

/**
 * Issue 4: POST /webhooks/stripe | paypal | sandbox. Outside the portal (no cookies, no CSRF: the
 * gateway's signature is the proof), in a context of its own where JSON stays raw bytes, because
 * a signature covers the exact bytes sent. A forged signature answers 400 and stores nothing; an
 * error while processing answers 500 so that the gateway delivers the event again.
 */
export function webhookRoutes(services: Services) {
  return async function webhooks(app: FastifyInstance): Promise<void> {
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body))

    app.post<{ Params: { gateway: string } }>('/webhooks/:gateway', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      const gateway = services.gateways.byName(request.params.gateway)
      if (!gateway) return reply.code(404).send({ error: 'unknown_gateway' })
      if (!Buffer.isBuffer(request.body)) return reply.code(415).send({ error: 'expected_json' })
      try {
        const receipt = await receiveWebhook(services.deps, gateway, request.body, request.headers)
        return reply.send({ received: true, ...receipt })
      } catch (error) {
        if (error instanceof WebhookSignatureError) {
          request.log.warn({ gateway: gateway.name }, error.message)
          return reply.code(400).send({ error: 'invalid_signature' })
        }
        if (error instanceof GatewayError) {
          request.log.error(error)
          return reply.code(502).send({ error: 'gateway_error' })
        }
        throw error
      }
    })
  }
}
