import { createHash } from 'node:crypto'
import fastifyRateLimit from '@fastify/rate-limit'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { authenticateApiToken, type ApiTokenListing } from '../../api-tokens/manage-tokens'
import type { ApiScope } from '../../api-tokens/schema'
import { looksLikeToken, scopesAllow } from '../../api-tokens/token-text'
import { claimIdempotencyKey, releaseIdempotencyKey, saveIdempotentAnswer, type IdempotencyClaim } from '../../api-tokens/idempotency'
import { requestLog } from '../../api-tokens/request-log'
import { DomainError, errorMessage, errorStatus, type ErrorCode } from '../../core/errors'
import type { Services } from '../../services'
import { logServerError } from '../request-log'

export const API_PATH = '/api/v1'

/** Requests a token may make in a minute, on each node (@fastify/rate-limit keeps the count in memory). */
export const API_RATE_LIMIT = { max: 600, timeWindow: 60_000 }

declare module 'fastify' {
  interface FastifyRequest {
    apiToken: ApiTokenListing | null
    idempotency: IdempotencyClaim | null
  }
  interface FastifyContextConfig {
    /** Issue 15: the scope an /api/v1 route asks for (none: admin). */
    apiScope?: ApiScope
    /** A partner's token (one convention, read-only) may call it: the handler limits what it sees. */
    partner?: boolean
  }
}

/** The one shape of every refusal of the API: `{error: {code, message, details}}`. */
export function apiError(code: ErrorCode | 'internal_error', message: string, details: unknown = null) {
  return { error: { code, message, details } }
}

/** The language of the API's messages: English when Accept-Language asks for it first, else Italian. */
export function apiLanguage(request: FastifyRequest): 'it' | 'en' {
  return /^\s*en\b/i.test(String(request.headers['accept-language'] ?? '')) ? 'en' : 'it'
}

/** Sends a refusal from the table: its status, its code, its words in the caller's language. */
export function refuse(request: FastifyRequest, reply: FastifyReply, code: ErrorCode, details: unknown = null): FastifyReply {
  return reply.code(errorStatus(code)).send(apiError(code, errorMessage(code, apiLanguage(request)), details))
}

/** Who the audit names for a call (R9): the token's name. */
export function apiActor(request: FastifyRequest): string {
  return `api:${request.apiToken!.name}`
}

/**
 * Issue 15: /api/v1 — bearer tokens (api-tokens/), a scope per route, a rate limit per token,
 * Idempotency-Key on every POST, one error shape, every call logged with its token. The routes
 * themselves call the same use cases as the back office and the CLI. `open` holds what needs no
 * token (the OpenAPI document and its page); everything registered by `routes` asks for one.
 */
export function registerApi(services: Services, open: (api: FastifyInstance) => Promise<void>, routes: (api: FastifyInstance) => Promise<void>) {
  const { deps } = services
  return async function api(app: FastifyInstance): Promise<void> {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof DomainError) return refuse(request, reply, error.code, error.detail ?? null)
      if (error.validation) return refuse(request, reply, 'invalid_input', error.validation.map((v) => ({ path: v.instancePath || String(v.params?.missingProperty ?? ''), message: v.message })))
      if (error.statusCode === 429) return refuse(request, reply, 'too_many_requests')
      if (error.statusCode === 415) return refuse(request, reply, 'expected_json')
      if (error.statusCode && error.statusCode < 500) return reply.code(400).send(apiError('invalid_input', errorMessage('invalid_input', apiLanguage(request)), error.message))
      logServerError(request, error)
      return reply.code(500).send(apiError('internal_error', apiLanguage(request) === 'en' ? 'Internal error' : 'Errore interno', { requestId: request.id }))
    })
    app.setNotFoundHandler((request, reply) => refuse(request, reply, 'page_not_found'))
    // the shared downloads (invoice files) refuse through reply.refuse: here in the API's shape
    app.decorateReply('refuse', async function (this: FastifyReply, code: ErrorCode) {
      return refuse(this.request, this, code)
    })
    await open(app)
    await app.register(async (guarded) => {
      await guard(guarded, services)
      await routes(guarded)
    })
  }

  async function guard(app: FastifyInstance, services: Services): Promise<void> {
    const log = requestLog(deps)
    app.addHook('onClose', () => log.flush())
    app.decorateRequest('apiToken', null)
    app.decorateRequest('idempotency', null)

    // Who calls: a bearer token not revoked.
    app.addHook('onRequest', async (request, reply) => {
      const match = /^Bearer\s+(\S+)$/i.exec(String(request.headers.authorization ?? ''))
      const token = match && looksLikeToken(match[1]) ? await authenticateApiToken(services.deps, match[1]) : null
      if (!token) {
        reply.header('WWW-Authenticate', 'Bearer realm="pec-renewal"')
        return refuse(request, reply, 'api_token_invalid')
      }
      request.apiToken = token
    })

    await app.register(fastifyRateLimit, {
      hook: 'preHandler',
      ...API_RATE_LIMIT,
      keyGenerator: (request) => (request.apiToken ? `token:${request.apiToken.id}` : `ip:${request.ip}`),
      errorResponseBuilder: (_request, context) => Object.assign(new Error('rate limited'), { statusCode: context.statusCode }),
    })

    // What it may do: the route's scope (fails closed: a route that names none is admin's); a
    // partner's token only the routes made for it. Then a POST's Idempotency-Key.
    app.addHook('preHandler', async (request, reply) => {
      const token = request.apiToken!
      const { apiScope = 'admin', partner = false } = request.routeOptions.config
      if (token.conventionCode ? !partner : !scopesAllow(token.scopes, apiScope)) return refuse(request, reply, 'api_scope_missing', { needed: apiScope })
      if (request.method !== 'POST') return
      const key = request.headers['idempotency-key']
      if (typeof key !== 'string' || key.length < 1 || key.length > 255) return refuse(request, reply, 'idempotency_key_missing')
      const claim = await claimIdempotencyKey(deps, { tokenId: token.id, key, requestHash: requestHash(request) })
      if (claim.kind === 'reused') return refuse(request, reply, 'idempotency_key_reused')
      if (claim.kind === 'in_use') return refuse(request, reply, 'idempotency_key_in_use')
      if (claim.kind === 'replay') return reply.code(claim.status).header('Idempotent-Replayed', 'true').type(claim.contentType).send(claim.body)
      request.idempotency = claim
    })

    // The first answer to a POST is kept for its retries; a 5xx or a 429 is not an answer: the key is freed.
    app.addHook('onSend', async (request, reply, payload) => {
      const claim = request.idempotency
      if (!claim) return payload
      request.idempotency = null
      if (reply.statusCode >= 500 || reply.statusCode === 429) await releaseIdempotencyKey(deps, claim)
      else await saveIdempotentAnswer(deps, claim, { status: reply.statusCode, contentType: String(reply.getHeader('content-type') ?? 'application/json'), body: String(payload ?? '') })
      return payload
    })
    app.addHook('onResponse', async (request, reply) => {
      if (request.idempotency) await releaseIdempotencyKey(deps, request.idempotency) // the answer never left
      if (!request.apiToken) return
      log.add({
        at: deps.clock.now(),
        tokenId: request.apiToken.id,
        method: request.method,
        route: request.routeOptions.url ?? request.url,
        status: reply.statusCode,
        target: targetOf(request.params),
        requestId: request.id,
      })
    })
  }
}

/** SHA-256 of what makes a request the same request: method, path, body (its keys sorted). */
function requestHash(request: FastifyRequest): string {
  const body = request.isMultipart() ? `multipart:${request.headers['content-length'] ?? ''}` : canonical(request.body ?? null)
  return createHash('sha256').update(`${request.method} ${request.url}\n${body}`).digest('hex')
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

function targetOf(params: unknown): string | null {
  if (!params || typeof params !== 'object') return null
  const values = Object.values(params as Record<string, unknown>).filter((v) => typeof v === 'string' || typeof v === 'number')
  return values.length ? values.join('/') : null
}

