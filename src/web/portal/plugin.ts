import { fileURLToPath } from 'node:url'
import fastifyCookie from '@fastify/cookie'
import fastifyCsrf from '@fastify/csrf-protection'
import fastifyFormbody from '@fastify/formbody'
import fastifyRateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import fastifyView from '@fastify/view'
import { Eta } from 'eta'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { closeSession, findSession, openSession, type HolderSession } from '../../accounts/sessions'
import { DomainError, errorMessage } from '../../core/errors'
import type { Services } from '../../services'
import { isLang, translator, type Lang, type Translate } from '../i18n'
import { portalMessages } from './messages'

export const SESSION_COOKIE = 'pec_sid'
const LANG_COOKIE = 'pec_lang'
const VIEWS = fileURLToPath(new URL('../views', import.meta.url))
const STATIC = fileURLToPath(new URL('../static', import.meta.url))

declare module 'fastify' {
  interface FastifyRequest {
    lang: Lang
    t: Translate
    holder: HolderSession | null
  }
  interface FastifyReply {
    /** Renders a portal page in the layout, with the texts, the CSRF token and the holder. */
    page(template: string, view?: Record<string, unknown>, status?: number): Promise<FastifyReply>
    /** Signs the holder in on a fresh session (the old cookie is dropped: no fixation). */
    signIn(session: HolderSession): Promise<void>
    signOut(): Promise<void>
  }
}

/** A field error shown beside the field and in the summary at the top of the form (WCAG 3.3.1). */
export interface FieldError {
  field: string
  message: string
}

/**
 * The holder portal's frame: cookies, forms, CSRF on every POST (verified in preHandler, after the
 * body is parsed), the session, the language, the views. Page areas register inside `routes`.
 */
export async function registerPortal(
  app: FastifyInstance,
  services: Services,
  routes: (app: FastifyInstance) => Promise<void>,
): Promise<void> {
  const { deps, config } = services
  const secure = config.publicUrl.startsWith('https://')
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure }

  // sessions closed by other processes leave this one's cache as soon as they are closed
  const stopListening = await services.listenForClosedSessions()
  app.addHook('onClose', stopListening)

  await app.register(fastifyFormbody)
  await app.register(fastifyCookie, { secret: config.sessionSecret })
  await app.register(fastifyCsrf, { sessionPlugin: '@fastify/cookie', cookieOpts: { ...cookieOptions, signed: true } })
  await app.register(fastifyRateLimit, { global: false })
  await app.register(fastifyStatic, { root: STATIC, prefix: '/static/', maxAge: '1d' })
  await app.register(fastifyView, {
    engine: { eta: new Eta({ views: VIEWS, cache: true, autoEscape: true }) },
    templates: VIEWS,
    layout: 'layout.eta',
    production: true,
  })

  app.decorateRequest('lang', 'it')
  app.decorateRequest('t', null as unknown as Translate)
  app.decorateRequest('holder', null)

  app.addHook('onRequest', async (request, reply) => {
    const asked = (request.query as Record<string, unknown> | undefined)?.lang
    if (isLang(asked)) {
      request.lang = asked
      reply.setCookie(LANG_COOKIE, asked, { ...cookieOptions, httpOnly: false, maxAge: 365 * 86_400 })
    } else {
      const saved = request.cookies[LANG_COOKIE]
      request.lang = isLang(saved) ? saved : 'it'
    }
    request.t = translator(portalMessages, request.lang)
    const token = request.cookies[SESSION_COOKIE]
    request.holder = token ? await findSession(deps, token, services.sessions) : null
  })

  app.addHook('preHandler', (request, reply, done) => {
    if (request.method === 'POST') app.csrfProtection(request, reply, done)
    else done()
  })

  app.decorateReply('page', async function (this: FastifyReply, template: string, view: Record<string, unknown> = {}, status = 200) {
    const request = this.request
    const html = await this.viewAsync(template, {
        t: request.t,
        lang: request.lang,
        holder: request.holder,
        csrfToken: this.generateCsrf(),
        path: request.url.split('?')[0],
        switchLanguageUrl: languageSwitchUrl(request),
      errors: [] as FieldError[],
      ...view,
    })
    return this.code(status).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(html)
  })

  app.decorateReply('signIn', async function (this: FastifyReply, session: HolderSession) {
    const old = this.request.cookies[SESSION_COOKIE]
    if (old) await closeSession(deps, old, services.sessions)
    const token = await openSession(deps, session)
    this.setCookie(SESSION_COOKIE, token, cookieOptions)
    this.request.holder = session
  })

  app.decorateReply('signOut', async function (this: FastifyReply) {
    const token = this.request.cookies[SESSION_COOKIE]
    if (token) await closeSession(deps, token, services.sessions)
    this.clearCookie(SESSION_COOKIE, { path: '/' })
    this.request.holder = null
  })

  app.setNotFoundHandler((request, reply) => reply.page('portal/error.eta', { message: request.t('error.notFound') }, 404))

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof DomainError) {
      return reply.page('portal/error.eta', { message: errorMessage(error.code, request.lang) }, error.code.endsWith('not_found') ? 404 : 409)
    }
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      return reply.page('portal/error.eta', { message: request.t('error.csrf') }, 403)
    }
    if (error.statusCode && error.statusCode < 500) {
      return reply.page('portal/error.eta', { message: error.message }, error.statusCode)
    }
    request.log.error(error)
    return reply.page('portal/error.eta', { message: request.t('error.generic') }, 500)
  })

  await routes(app)
}

function languageSwitchUrl(request: FastifyRequest): string {
  const url = new URL(request.url, 'http://x')
  url.searchParams.set('lang', request.lang === 'it' ? 'en' : 'it')
  return `${url.pathname}${url.search}`
}

/** preHandler for pages that need a signed-in holder: others go to the sign-in page. */
export async function requireHolder(request: FastifyRequest, reply: FastifyReply) {
  if (!request.holder) return reply.redirect(`/rinnova?next=${encodeURIComponent(request.url)}`, 303)
}
