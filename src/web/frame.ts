import { fileURLToPath } from 'node:url'
import fastifyCookie from '@fastify/cookie'
import fastifyCsrf from '@fastify/csrf-protection'
import fastifyFormbody from '@fastify/formbody'
import fastifyRateLimit from '@fastify/rate-limit'
import fastifyView from '@fastify/view'
import { Eta } from 'eta'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DomainError, errorMessage, errorStatus, type ErrorCode } from '../core/errors'
import type { Services } from '../services'
import { isLang, translator, type Lang, type Translate } from './i18n'
import { logServerError } from './request-log'

const LANG_COOKIE = 'pec_lang'
const VIEWS = fileURLToPath(new URL('./views', import.meta.url))
const RATE_LIMITED = 'WEB_RATE_LIMITED'

declare module 'fastify' {
  interface FastifyRequest {
    lang: Lang
    t: Translate
  }
  interface FastifyReply {
    /** Renders a page of the area in the layout, with the texts, the CSRF token and who is signed in. */
    page(template: string, view?: Record<string, unknown>, status?: number): Promise<FastifyReply>
    /** Answers a refusal as a page: its status and it/en message from the table in core/error-codes.ts. */
    refuse(code: ErrorCode): Promise<FastifyReply>
  }
  interface FastifyContextConfig {
    /**
     * 'in-handler': a multipart form, whose fields are read by the handler itself; it checks the
     * token with verifyCsrfNow before it stores a byte of the file.
     */
    csrf?: 'in-handler'
  }
}

/** A field error shown beside the field and in the summary at the top of the form (WCAG 3.3.1). */
export interface FieldError {
  field: string
  message: string
}

/** What tells the holder portal and the back office apart; the frame around their pages is the same. */
export interface WebArea {
  /** The area's texts, Italian and English, with the frame's own (layout, errors, rate limit). */
  messages: Record<Lang, Record<string, string>>
  /** Path of the area's cookies (session, CSRF secret): the back office keeps its own under /ufficio. */
  cookiePath: string
  sameSite: 'lax' | 'strict'
  /** The cookie holding the area's CSRF secret. */
  csrfCookie: string
  /** What every page gets besides texts and token: who is signed in, `home` (the brand link), `nav` (a partial). */
  locals(request: FastifyRequest): Record<string, unknown>
}

export interface AreaCookies {
  options: { path: string; httpOnly: true; sameSite: 'lax' | 'strict'; secure: boolean }
}

/**
 * The frame every HTML area shares: cookies, forms, CSRF on every POST (verified in preHandler,
 * after the body is parsed), the per-IP rate limiter (off unless a route asks), the language,
 * the views and layout, `reply.page`, and one error handler that always answers with a page.
 */
export async function registerWebFrame(app: FastifyInstance, services: Services, area: WebArea): Promise<AreaCookies> {
  const { config } = services
  const secure = config.publicUrl.startsWith('https://')
  const options = { path: area.cookiePath, httpOnly: true as const, sameSite: area.sameSite, secure }

  await app.register(fastifyFormbody)
  // A list: the first secret signs, every one still verifies (rotation without breaking live cookies).
  await app.register(fastifyCookie, { secret: config.sessionSecrets })
  await app.register(fastifyCsrf, { sessionPlugin: '@fastify/cookie', cookieKey: area.csrfCookie, cookieOpts: { ...options, signed: true } })
  await app.register(fastifyRateLimit, { global: false })
  await app.register(fastifyView, {
    engine: { eta: new Eta({ views: VIEWS, cache: true, autoEscape: true }) },
    templates: VIEWS,
    layout: 'layout.eta',
    production: true,
  })

  app.decorateRequest('lang', 'it')
  app.decorateRequest('t', null as unknown as Translate)

  app.addHook('onRequest', async (request, reply) => {
    const asked = (request.query as Record<string, unknown> | undefined)?.lang
    if (isLang(asked)) {
      request.lang = asked
      reply.setCookie(LANG_COOKIE, asked, { ...options, path: '/', httpOnly: false, maxAge: 365 * 86_400 })
    } else {
      const saved = request.cookies[LANG_COOKIE]
      request.lang = isLang(saved) ? saved : 'it'
    }
    request.t = translator(area.messages, request.lang)
  })

  app.addHook('preHandler', (request, reply, done) => {
    if (request.method === 'POST' && request.routeOptions.config.csrf !== 'in-handler') app.csrfProtection(request, reply, done)
    else done()
  })

  app.decorateReply('page', async function (this: FastifyReply, template: string, view: Record<string, unknown> = {}, status = 200) {
    const request = this.request
    const html = await this.viewAsync(template, {
      t: request.t,
      lang: request.lang,
      csrfToken: this.generateCsrf(),
      path: request.url.split('?')[0],
      switchLanguageUrl: languageSwitchUrl(request),
      errors: [] as FieldError[],
      provider: config.provider,
      ...area.locals(request),
      ...view,
    })
    return this.code(status).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(html)
  })

  app.decorateReply('refuse', function (this: FastifyReply, code: ErrorCode) {
    return this.page('shared/error.eta', { message: errorMessage(code, this.request.lang) }, errorStatus(code))
  })

  app.setNotFoundHandler((_request, reply) => reply.refuse('page_not_found'))

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string; retryAfterMs?: number; validation?: unknown }, request, reply) => {
    if (error instanceof DomainError) {
      return reply.refuse(error.code)
    }
    // A route's schema refused the input (params, query or body): the table's words, never Ajv's English.
    if (error.validation) {
      request.log.info({ validation: error.validation }, 'input refused by the route schema')
      return reply.refuse('invalid_input')
    }
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      return reply.refuse('csrf_invalid')
    }
    if (error.code === RATE_LIMITED) {
      const minutes = Math.max(1, Math.ceil((error.retryAfterMs ?? 60_000) / 60_000))
      return reply.page('shared/too-many-requests.eta', { title: errorMessage('too_many_requests', request.lang), minutes }, errorStatus('too_many_requests'))
    }
    if (error.statusCode && error.statusCode < 500) {
      return reply.page('shared/error.eta', { message: error.message }, error.statusCode)
    }
    // A 500 shows no detail, only the request id a holder can quote to support; the log has the rest.
    logServerError(request, error)
    return reply.page('shared/error.eta', { message: request.t('error.generic'), reference: request.id }, 500)
  })

  return { options }
}

/**
 * For a multipart form: checks the CSRF token read from its fields, as the preHandler checks a
 * url-encoded one. Throws the plugin's own 403 error, which the frame's handler shows as a page.
 */
export function verifyCsrfNow(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, token: string | undefined): void {
  request.body = { _csrf: token ?? '' }
  let refusal: unknown
  let passed = false
  // csrfProtection answers a refusal with reply.send(error); catch that error here and throw it instead.
  const capture = Object.assign(Object.create(reply) as FastifyReply, {
    send(error: unknown) {
      refusal = error
      return capture
    },
  })
  app.csrfProtection(request, capture, () => {
    passed = true
  })
  if (!passed) throw refusal
}

/** Route options for a per-IP rate limit whose 429 is a readable page, not JSON. */
export function rateLimited(limit: { max: number; timeWindow: number }) {
  const errorResponseBuilder = (_request: FastifyRequest, context: { ttl: number }) =>
    Object.assign(new Error('too many requests'), { statusCode: 429, code: RATE_LIMITED, retryAfterMs: context.ttl })
  return { config: { rateLimit: { ...limit, errorResponseBuilder } } }
}

/** Only same-site paths under `under`: `next` must never send anyone to another site (open redirect). */
export function safeNext(next: unknown, fallback: string, under = '/'): string {
  return typeof next === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) && next.startsWith(under) ? next : fallback
}

/**
 * Answers an attempt that came before its time (the sign-in guard's wait): the Retry-After header
 * in whole seconds, and the wait in words ("4 secondi", "16 minuti") for the page.
 */
export function waitUntil(reply: FastifyReply, retryAt: Date, now: Date): string {
  const seconds = Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000))
  reply.header('Retry-After', String(seconds))
  const t = reply.request.t
  if (seconds < 60) return seconds === 1 ? t('wait.second') : t('wait.seconds', { n: seconds })
  const minutes = Math.ceil(seconds / 60)
  return minutes === 1 ? t('wait.minute') : t('wait.minutes', { n: minutes })
}

export function text(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

export interface SessionPort<S> {
  cookie: string
  find(token: string): Promise<S | null>
  open(session: S): Promise<string>
  close(token: string): Promise<void>
}

/**
 * A session cookie over an area's session table: read it, start one on a fresh token (the old one
 * is closed first: no fixation), end it.
 */
export function sessionCookie<S>(port: SessionPort<S>, cookies: AreaCookies) {
  return {
    async read(request: FastifyRequest): Promise<S | null> {
      const token = request.cookies[port.cookie]
      return token ? port.find(token) : null
    },
    async start(reply: FastifyReply, session: S): Promise<void> {
      const old = reply.request.cookies[port.cookie]
      if (old) await port.close(old)
      reply.setCookie(port.cookie, await port.open(session), cookies.options)
    },
    async end(reply: FastifyReply): Promise<void> {
      const token = reply.request.cookies[port.cookie]
      if (token) await port.close(token)
      reply.clearCookie(port.cookie, { path: cookies.options.path })
    },
  }
}

function languageSwitchUrl(request: FastifyRequest): string {
  const url = new URL(request.url, 'http://x')
  url.searchParams.set('lang', request.lang === 'it' ? 'en' : 'it')
  return `${url.pathname}${url.search}`
}
