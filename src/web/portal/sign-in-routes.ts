import type { FastifyInstance } from 'fastify'
import { authenticate } from '../../accounts/sign-in'
import type { Services } from '../../services'
import type { FieldError } from './plugin'

interface SignInBody {
  identifier?: string
  password?: string
  next?: string
}

/** Only same-site paths: `next` must never send the holder to another site (open redirect). */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : '/caselle'
}

export async function signInRoutes(app: FastifyInstance, services: Services): Promise<void> {
  app.get<{ Querystring: { next?: string; casella?: string; uscito?: string } }>('/rinnova', async (request, reply) => {
    if (request.holder) return reply.redirect(safeNext(request.query.next), 303)
    return reply.page('portal/sign-in.eta', {
      title: request.t('signin.title'),
      identifier: request.query.casella ?? '',
      next: safeNext(request.query.next),
      signedOut: request.query.uscito === '1',
    })
  })

  app.post<{ Body: SignInBody }>('/accedi', async (request, reply) => {
    const identifier = (request.body?.identifier ?? '').trim()
    const password = request.body?.password ?? ''
    const errors: FieldError[] = []
    if (!identifier) errors.push({ field: 'identifier', message: request.t('signin.missingIdentifier') })
    if (!password) errors.push({ field: 'password', message: request.t('signin.missingPassword') })
    const session = errors.length ? null : await authenticate(services.deps, identifier, password)
    if (!session) {
      if (!errors.length) errors.push({ field: 'identifier', message: request.t('signin.failed') })
      return reply.page('portal/sign-in.eta', { title: request.t('signin.title'), identifier, next: safeNext(request.body?.next), errors }, 422)
    }
    await reply.signIn({ ...session, language: request.lang })
    return reply.redirect(safeNext(request.body?.next), 303)
  })

  app.post('/esci', async (_request, reply) => {
    await reply.signOut()
    return reply.redirect('/rinnova?uscito=1', 303)
  })
}
