import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { closeSession, findSession, openSession, type HolderSession } from '../../accounts/sessions'
import type { Services } from '../../services'
import { registerWebFrame, sessionCookie } from '../frame'
import { portalMessages } from './messages'

export type { FieldError } from '../frame'

export const SESSION_COOKIE = 'pec_sid'

declare module 'fastify' {
  interface FastifyRequest {
    holder: HolderSession | null
  }
  interface FastifyReply {
    /** Signs the holder in on a fresh session (the old cookie is dropped: no fixation). */
    signIn(session: HolderSession): Promise<void>
    signOut(): Promise<void>
  }
}

/**
 * The holder portal: the shared web frame (forms, CSRF, language, views, errors) with the holder's
 * session. Page areas register inside `routes`.
 */
export async function registerPortal(
  app: FastifyInstance,
  services: Services,
  routes: (app: FastifyInstance) => Promise<void>,
): Promise<void> {
  const { deps } = services
  // sessions closed by other processes leave this one's cache as soon as they are closed
  const stopListening = await services.listenForClosedSessions()
  app.addHook('onClose', stopListening)

  const cookies = await registerWebFrame(app, services, {
    messages: portalMessages,
    cookiePath: '/',
    sameSite: 'lax',
    csrfCookie: '_csrf',
    locals: (request) => ({ holder: request.holder, home: request.holder ? '/caselle' : '/rinnova', nav: 'portal/nav.eta' }),
  })
  const sessions = sessionCookie<HolderSession>(
    {
      cookie: SESSION_COOKIE,
      find: (token) => findSession(deps, token, services.sessions),
      open: (session) => openSession(deps, session),
      close: (token) => closeSession(deps, token, services.sessions),
    },
    cookies,
  )

  app.decorateRequest('holder', null)
  app.addHook('onRequest', async (request) => {
    request.holder = await sessions.read(request)
  })

  app.decorateReply('signIn', async function (this: FastifyReply, session: HolderSession) {
    await sessions.start(this, session)
    this.request.holder = session
  })

  app.decorateReply('signOut', async function (this: FastifyReply) {
    await sessions.end(this)
    this.request.holder = null
  })

  await routes(app)
}

/** preHandler for pages that need a signed-in holder: others go to the sign-in page. */
export async function requireHolder(request: FastifyRequest, reply: FastifyReply) {
  if (!request.holder) return reply.redirect(`/rinnova?next=${encodeURIComponent(request.url)}`, 303)
}
