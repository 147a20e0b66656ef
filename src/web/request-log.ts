import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyRequest } from 'fastify'

export const REQUEST_ID_HEADER = 'x-request-id'

/** A load balancer's id (a UUID, a trace id) is kept when it is a short token of safe characters. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** Crockford's base 32: no I, L, O or U, so a holder can read the id to support over the phone. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/**
 * The id of one request, in every log line about it, in the X-Request-Id response header and on
 * the 500 page: the incoming X-Request-Id when it is safe to echo and log, else a fresh one of
 * 10 characters (50 random bits).
 */
export function requestIdOf(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER]
  if (typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming)) return incoming
  return [...randomBytes(10)].map((byte) => ALPHABET[byte & 31]).join('')
}

/**
 * A server error: logged at error level with the request id (bound by Fastify), method, URL
 * without query secrets, and the error with its stack; never headers or body (cookies,
 * passwords). The same shape as Fastify's own 5xx log line.
 */
export function logServerError(request: FastifyRequest, error: unknown): void {
  request.log.error({ req: request, err: error }, 'server error')
}
