import type { FastifyInstance, FastifyRequest } from 'fastify'
import { checkPasswordResetLink, newPasswordProblems, requestPasswordReset, resetPassword } from '../../accounts/password-reset'
import { readRenewalLinkToken } from '../../accounts/renewal-link'
import { signIn } from '../../accounts/sign-in'
import { BUSINESS_TIME_ZONE } from '../../core/calendar'
import type { Services } from '../../services'
import type { Lang } from '../i18n'
import type { FieldError } from './plugin'

interface SignInBody {
  identifier?: string
  password?: string
  next?: string
}

interface ResetBody {
  token?: string
  password?: string
  confirmation?: string
}

/** Per IP, in this node's memory: a flood is stopped before any password is hashed. */
export const SIGN_IN_RATE_LIMIT = { max: 20, timeWindow: 15 * 60_000 }
export const FORGOT_RATE_LIMIT = { max: 5, timeWindow: 15 * 60_000 }

const RATE_LIMITED = 'PORTAL_RATE_LIMITED'

/** The error @fastify/rate-limit throws on the 21st request: this area's error handler shows a page. */
function rateLimited(_request: FastifyRequest, context: { ttl: number }) {
  return Object.assign(new Error('too many requests'), { statusCode: 429, code: RATE_LIMITED, retryAfterMs: context.ttl })
}

/** Only same-site paths: `next` must never send the holder to another site (open redirect). */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : '/caselle'
}

/** "14:35", Rome time: when a lock ends. */
function romeTime(instant: Date, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'it' ? 'it-IT' : 'en-GB', { timeZone: BUSINESS_TIME_ZONE, hour: '2-digit', minute: '2-digit' }).format(instant)
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/**
 * Getting in: sign-in (rate-limited per IP, locked per identifier), sign-out, the renewal link of
 * the reminder e-mail (pre-fills, never signs in), "forgot password" and the new-password page.
 */
export async function signInRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps, config, mailboxCredentials } = services

  // Its own scope, so the rate limiter's 429 gets a page; other errors go on to the portal's handler.
  await app.register(async (scope) => {
    scope.setErrorHandler((error: Error & { code?: string; retryAfterMs?: number }, request, reply) => {
      if (error.code !== RATE_LIMITED) throw error
      const minutes = Math.max(1, Math.ceil((error.retryAfterMs ?? 60_000) / 60_000))
      return reply.page('portal/too-many-requests.eta', { title: request.t('ratelimit.title'), minutes }, 429)
    })

    scope.get<{ Querystring: { next?: string; casella?: string; uscito?: string; t?: string } }>('/rinnova', async (request, reply) => {
      if (request.holder) return reply.redirect(safeNext(request.query.next), 303)
      // The reminder's signed link only fills the field in: the holder still proves who they are.
      const linked = request.query.t ? readRenewalLinkToken(config.sessionSecret, text(request.query.t), deps.clock.now()) : null
      return reply.page('portal/sign-in.eta', {
        title: request.t('signin.title'),
        identifier: linked ?? (request.query.t ? '' : text(request.query.casella)),
        linkedMailbox: linked,
        linkInvalid: Boolean(request.query.t) && !linked,
        next: safeNext(request.query.next),
        signedOut: request.query.uscito === '1',
      })
    })

    scope.post<{ Body: SignInBody }>(
      '/accedi',
      { config: { rateLimit: { ...SIGN_IN_RATE_LIMIT, errorResponseBuilder: rateLimited } } },
      async (request, reply) => {
        const identifier = text(request.body?.identifier).trim()
        const password = text(request.body?.password)
        const next = safeNext(request.body?.next)
        const errors: FieldError[] = []
        if (!identifier) errors.push({ field: 'identifier', message: request.t('signin.missingIdentifier') })
        if (!password) errors.push({ field: 'password', message: request.t('signin.missingPassword') })
        const again = (status: number) => reply.page('portal/sign-in.eta', { title: request.t('signin.title'), identifier, next, errors }, status)
        if (errors.length) return again(422)
        const outcome = await signIn(deps, mailboxCredentials, identifier, password)
        switch (outcome.kind) {
          case 'signed_in':
            await reply.signIn({ ...outcome.session, language: request.lang })
            return reply.redirect(next, 303)
          case 'refused':
            errors.push({ field: 'identifier', message: request.t('signin.failed') })
            return again(422)
          case 'locked':
            errors.push({ field: 'identifier', message: request.t('signin.locked', { time: romeTime(outcome.until, request.lang) }) })
            return again(429)
          case 'unavailable':
            errors.push({ field: 'password', message: request.t('signin.unavailable') })
            return again(503)
        }
      },
    )

    scope.post('/esci', async (_request, reply) => {
      await reply.signOut()
      return reply.redirect('/rinnova?uscito=1', 303)
    })

    scope.get<{ Querystring: { inviata?: string; casella?: string } }>('/password-dimenticata', async (request, reply) => {
      return reply.page('portal/forgot-password.eta', {
        title: request.t('forgot.title'),
        identifier: text(request.query.casella),
        sent: request.query.inviata === '1',
      })
    })

    scope.post<{ Body: { identifier?: string } }>(
      '/password-dimenticata',
      { config: { rateLimit: { ...FORGOT_RATE_LIMIT, errorResponseBuilder: rateLimited } } },
      async (request, reply) => {
        const identifier = text(request.body?.identifier).trim()
        if (!identifier) {
          const errors: FieldError[] = [{ field: 'identifier', message: request.t('forgot.missingIdentifier') }]
          return reply.page('portal/forgot-password.eta', { title: request.t('forgot.title'), identifier, sent: false, errors }, 422)
        }
        // The same answer whether or not anything matched: the page never tells who has an account.
        await requestPasswordReset(deps, identifier, { ip: request.ip })
        return reply.redirect('/password-dimenticata?inviata=1', 303)
      },
    )

    scope.get<{ Querystring: { t?: string } }>('/nuova-password', async (request, reply) => {
      const token = text(request.query.t)
      const link = await checkPasswordResetLink(deps, token)
      if (link.kind !== 'valid') return reply.page('portal/reset-link-invalid.eta', { title: request.t('reset.invalidTitle'), reason: link.kind }, 410)
      return reply.page('portal/new-password.eta', { title: request.t('reset.title'), token, accountId: link.accountId })
    })

    scope.post<{ Body: ResetBody }>('/nuova-password', async (request, reply) => {
      const token = text(request.body?.token)
      const password = text(request.body?.password)
      const link = await checkPasswordResetLink(deps, token)
      if (link.kind !== 'valid') return reply.page('portal/reset-link-invalid.eta', { title: request.t('reset.invalidTitle'), reason: link.kind }, 410)
      const problems = newPasswordProblems(password, text(request.body?.confirmation))
      if (problems.length) {
        const errors: FieldError[] = problems.map((problem) => ({
          field: problem === 'confirmation_mismatch' ? 'confirmation' : 'password',
          message: request.t(`reset.${problem}`),
        }))
        return reply.page('portal/new-password.eta', { title: request.t('reset.title'), token, accountId: link.accountId, errors }, 422)
      }
      const outcome = await resetPassword(deps, token, password, { ip: request.ip })
      if (outcome.kind !== 'done') return reply.page('portal/reset-link-invalid.eta', { title: request.t('reset.invalidTitle'), reason: outcome.kind }, 410)
      services.sessions.forgetAccount(outcome.session.accountId) // at once here; other processes by NOTIFY
      await reply.signIn({ ...outcome.session, language: request.lang })
      return reply.redirect('/caselle', 303)
    })
  })
}
