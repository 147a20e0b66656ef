import pino, { type DestinationStream, type Logger } from 'pino'
import { maskCredentials, type LogLevel } from './config'
import type { Log } from './services'

export type { Logger } from 'pino'

export const REDACTED = '[Redacted]'

/**
 * Keys whose values never reach a log line, at any depth of any logged object: cookies,
 * authorization headers, passwords, tokens (`t` is the reset and renewal links' token), CSRF
 * fields, signatures, keys, the URLs that carry credentials (SMTP_URL, DATABASE_URL) and the
 * values bound to a failed SQL statement (drizzle's `params`: password hashes, personal data).
 */
const SECRET_KEY = /pass(word|wd|phrase)?$|secret|token|cookie|authori[sz]ation|signature|^sig$|api.?key|private.?key|credential|csrf|(smtp|database|imap).?url|^t$|^params$/i

/** Query parameters whose values say nothing about anyone; every other value is redacted from a logged URL. */
const PLAIN_QUERY = new Set(['lang', 'uscito', 'annullato', 'metodo', 'inviata'])

const MAX_DEPTH = 8

/**
 * The process's logger: JSON lines (pino) on stdout, or on `destination` (tests capture it), with
 * secrets redacted from every logged object and message (DESIGN §5). The web server logs each
 * request through it with its request id; the background jobs log through `jobLog`.
 */
export function createLogger(level: LogLevel, destination: DestinationStream = pino.destination(1)): Logger {
  return pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { req: requestSummary, err: errorSummary },
      formatters: { log: (object) => scrubFields(object) },
      // Messages too: a job may write a URL with its password into one.
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg)) as Parameters<typeof method>)
        },
      },
    },
    destination,
  )
}

/** The `log(message, detail)` the background jobs take, over the process's logger: failures at error level with their stack. */
export function jobLog(logger: Logger): Log {
  const jobs = logger.child({ component: 'jobs' })
  return (message, detail) => {
    if (detail instanceof Error) jobs.error({ err: detail }, message)
    else if (detail === undefined) jobs.info(message)
    else jobs.info({ detail }, message)
  }
}

/**
 * A request URL fit for a log: the path, and of the query only the parameter names, with values
 * kept for the harmless few (a reset link's ?t=, a mailbox address, a PayPal token never appear).
 */
export function safeUrl(url: string): string {
  const question = url.indexOf('?')
  if (question < 0) return url
  const query = new URLSearchParams(url.slice(question + 1))
  const shown = [...query].map(([name, value]) => `${encodeURIComponent(name)}=${PLAIN_QUERY.has(name) ? encodeURIComponent(value) : REDACTED}`)
  return `${url.slice(0, question)}?${shown.join('&')}`
}

/** What a log says of a request: no headers (cookies, authorization), no body (passwords), the URL without query secrets. */
function requestSummary(request: { method?: string; url?: string; ip?: string; socket?: { remoteAddress?: string } }) {
  return { method: request.method, url: safeUrl(request.url ?? ''), remoteAddress: request.ip ?? request.socket?.remoteAddress }
}

/** An error with its type, message, stack and cause, its own fields scrubbed like any logged object. */
function errorSummary(error: unknown): unknown {
  return error instanceof Error ? scrub(pino.stdSerializers.err(error), 0, new WeakSet()) : scrub(error, 0, new WeakSet())
}

/** The top-level fields of a log call: `req`, `res` and `err` go to their serializers, the rest is scrubbed here. */
function scrubFields(object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(object)) {
    if (SECRET_KEY.test(key)) out[key] = REDACTED
    else if (key === 'req' || key === 'res' || key === 'err') out[key] = value
    else out[key] = scrub(value, 0, new WeakSet())
  }
  return out
}

function scrub(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubText(value)
  if (value === null || typeof value !== 'object') return value
  if (seen.has(value) || depth > MAX_DEPTH) return '[…]'
  seen.add(value)
  if (value instanceof Error) return scrub(pino.stdSerializers.err(value), depth + 1, seen)
  if (value instanceof Date) return value
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1, seen))
  const out: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) out[key] = SECRET_KEY.test(key) ? REDACTED : scrub(inner, depth + 1, seen)
  return out
}

/**
 * In a text: the password of a URL (smtp://user:***@host, as in every error the operator reads),
 * and the `params:` line drizzle writes into a failed query's message and stack.
 */
function scrubText(text: string): string {
  return maskCredentials(text).replace(/^params: .*$/gm, `params: ${REDACTED}`)
}
