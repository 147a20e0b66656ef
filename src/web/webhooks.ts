import fastifyRateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errorMessage, errorStatus, type ErrorCode } from '../core/error-codes'
import { GatewayError, WebhookSignatureError } from '../payments/gateways/card-gateway'
import { receiveWebhook } from '../flows/receive-webhook'
import type { Services } from '../services'
import { logServerError } from './request-log'
import { JSON_REFUSAL } from './route-schemas'

const BODY_LIMIT = 256 * 1024
/** The gateway's name in the URL; which names exist is the registry's answer (unknown_gateway). The body stays raw bytes, unvalidated until its signature is checked. */
const GatewayParams = { type: 'object', properties: { gateway: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' } }, required: ['gateway'] } as const
/** What a gateway is told (WebhookReceipt): the event was received and what it did; any status else is a refusal. */
const WebhookReply = {
  type: 'object',
  properties: {
    received: { type: 'boolean' },
    outcome: { type: 'string' },
    eventId: { type: 'string' },
    orderId: { type: ['string', 'null'] },
    paymentId: { type: 'integer' },
    paymentReplayed: { type: 'boolean' },
  },
  required: ['received', 'outcome'],
  additionalProperties: false,
} as const
const WEBHOOK_SCHEMA = {
  params: GatewayParams,
  // JSON, kept as raw bytes: the signature covers them, so nothing reads them before it is checked
  consumes: ['application/json'],
  response: { 200: WebhookReply, '4xx': JSON_REFUSAL, '5xx': JSON_REFUSAL },
}
/**
 * Per client IP and gateway: far above what a gateway sends one endpoint, low enough that forged
 * requests cannot turn us into a pump of calls to PayPal's verification API.
 */
const RATE_LIMIT = { max: 120, timeWindow: 60_000 }

/**
 * Issue 4: POST /webhooks/stripe | paypal | sandbox. Outside the portal (no cookies, no CSRF: the
 * gateway's signature is the proof), in a context of its own where JSON stays raw bytes, because
 * a signature covers the exact bytes sent. A forged signature answers 400 and stores nothing; an
 * error while processing answers 500 so that the gateway delivers the event again. Each source
 * (IP) is rate-limited per gateway before the body is read: 429 beyond RATE_LIMIT.
 */
export function webhookRoutes(services: Services) {
  return async function webhooks(app: FastifyInstance): Promise<void> {
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body))
    await app.register(fastifyRateLimit, { global: false })

    // A URL the route's schema refuses: the table's code and words (in the caller's language), as JSON.
    app.setErrorHandler((error: Error & { validation?: unknown }, request, reply) => {
      if (!error.validation) throw error // to the server's handler: Fastify's 4xx, or a logged 500
      const lang = /^\s*en\b/i.test(request.headers['accept-language'] ?? '') ? 'en' : 'it'
      return reply.code(errorStatus('invalid_input')).send({ error: 'invalid_input', message: errorMessage('invalid_input', lang) })
    })

    const rateLimit = { ...RATE_LIMIT, keyGenerator: (request: FastifyRequest) => `${request.ip} ${(request.params as { gateway?: string }).gateway}` }
    app.post<{ Params: { gateway: string } }>('/webhooks/:gateway', { bodyLimit: BODY_LIMIT, config: { rateLimit }, schema: WEBHOOK_SCHEMA }, async (request, reply) => {
      const gateway = services.gateways.byName(request.params.gateway)
      if (!gateway) return refuse(reply, 'unknown_gateway')
      if (!Buffer.isBuffer(request.body)) return refuse(reply, 'expected_json')
      try {
        const receipt = await receiveWebhook(services.deps, gateway, request.body, request.headers)
        return reply.send({ received: true, ...receipt })
      } catch (error) {
        if (error instanceof WebhookSignatureError) {
          request.log.warn({ gateway: gateway.name }, error.message)
          return refuse(reply, 'invalid_signature')
        }
        if (error instanceof GatewayError) {
          logServerError(request, error)
          return reply.code(502).send({ error: 'gateway_error' })
        }
        throw error
      }
    })
  }
}

/** A gateway reads the status and the code; the status comes from the one table of refusals. */
function refuse(reply: FastifyReply, code: ErrorCode) {
  return reply.code(errorStatus(code)).send({ error: code })
}
