import type { FastifyInstance } from 'fastify'
import { checkPasswordResetLink, newPasswordProblems, requestPasswordReset, resetPassword } from '../../accounts/password-reset'
import { readRenewalLinkToken } from '../../core/renewal-link'
import { signIn } from '../../accounts/sign-in'
import type { Services } from '../../services'
import { rateLimited, safeNext as sameSiteNext, text, waitUntil, type FieldError } from '../frame'
import { CSRF_ONLY, FLAG, formBody, NEXT, objectOf, PASSWORD, TOKEN, textOf } from '../route-schemas'

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

const safeNext = (next: unknown) => sameSiteNext(next, '/caselle')

/**
 * Getting in: sign-in (rate-limited per IP; slowed per identifier and client, and past a ceiling
 * per identifier only a new password lets it in: sign-in-guard.ts), sign-out, the renewal link of
 * the reminder e-mail (pre-fills, never signs in), "forgot password" and the new-password page.
 */
export async function signInRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps, config, holderCredentials } = services
  app.addHook('onClose', () => services.resetRequests.settled()) // no request left half-resolved on a closed database

  app.get<{ Querystring: { next?: string; casella?: string; uscito?: string; t?: string } }>('/rinnova', { schema: { querystring: objectOf({ next: NEXT, casella: textOf(320), uscito: FLAG, t: TOKEN }) } }, async (request, reply) => {
    if (request.holder) return reply.redirect(safeNext(request.query.next), 303)
    // The reminder's signed link only fills the field in: the holder still proves who they are.
    const linked = request.query.t ? readRenewalLinkToken(config.sessionSecrets, text(request.query.t), deps.clock.now()) : null
    return reply.page('portal/sign-in.eta', {
      title: request.t('signin.title'),
      identifier: linked ?? (request.query.t ? '' : text(request.query.casella)),
      linkedMailbox: linked,
      linkInvalid: Boolean(request.query.t) && !linked,
      next: safeNext(request.query.next),
      signedOut: request.query.uscito === '1',
    })
  })

  app.post<{ Body: SignInBody }>(
    '/accedi',
    { ...rateLimited(SIGN_IN_RATE_LIMIT), schema: { body: formBody({ identifier: textOf(320), password: PASSWORD, next: NEXT }) } },
    async (request, reply) => {
      const identifier = text(request.body?.identifier).trim()
      const password = text(request.body?.password)
      const next = safeNext(request.body?.next)
      const errors: FieldError[] = []
      if (!identifier) errors.push({ field: 'identifier', message: request.t('signin.missingIdentifier') })
      if (!password) errors.push({ field: 'password', message: request.t('signin.missingPassword') })
      const again = (status: number, view: Record<string, unknown> = {}) =>
        reply.page('portal/sign-in.eta', { title: request.t('signin.title'), identifier, next, errors, ...view }, status)
      if (errors.length) return again(422)
      const outcome = await signIn(deps, holderCredentials, { identifier, password, ip: request.ip })
      switch (outcome.kind) {
        case 'signed_in':
          await reply.signIn({ ...outcome.session, language: request.lang })
          return reply.redirect(next, 303)
        case 'refused':
          errors.push({ field: 'identifier', message: request.t('signin.failed') })
          return again(422)
        case 'slowed':
          errors.push({ field: 'identifier', message: request.t('signin.slowed', { wait: waitUntil(reply, outcome.retryAt, deps.clock.now()) }) })
          return again(429)
        case 'blocked':
          errors.push({ field: 'identifier', message: request.t('signin.blocked') })
          return again(403, { blocked: true })
        case 'unavailable':
          errors.push({ field: 'password', message: request.t('signin.unavailable') })
          return again(503)
      }
    },
  )

  app.post('/esci', { schema: { body: CSRF_ONLY } }, async (_request, reply) => {
    await reply.signOut()
    return reply.redirect('/rinnova?uscito=1', 303)
  })

  app.get<{ Querystring: { inviata?: string; casella?: string } }>('/password-dimenticata', { schema: { querystring: objectOf({ inviata: FLAG, casella: textOf(320) }) } }, async (request, reply) => {
    return reply.page('portal/forgot-password.eta', {
      title: request.t('forgot.title'),
      identifier: text(request.query.casella),
      sent: request.query.inviata === '1',
    })
  })

  app.post<{ Body: { identifier?: string } }>(
    '/password-dimenticata',
    {
      ...rateLimited(FORGOT_RATE_LIMIT),
      schema: { body: formBody({ identifier: textOf(320) }) },
      // The lookup and the mail, after the answer has left: it takes as long for anyone.
      onResponse: async (request) => services.resetRequests.start((message, error) => request.log.error({ err: error }, message)),
    },
    async (request, reply) => {
      const identifier = text(request.body?.identifier).trim()
      if (!identifier) {
        const errors: FieldError[] = [{ field: 'identifier', message: request.t('forgot.missingIdentifier') }]
        return reply.page('portal/forgot-password.eta', { title: request.t('forgot.title'), identifier, sent: false, errors }, 422)
      }
      // The same answer, in the same time, whether or not anything matches: only the request is stored here.
      await requestPasswordReset(deps, identifier, { ip: request.ip })
      return reply.redirect('/password-dimenticata?inviata=1', 303)
    },
  )

  app.get<{ Querystring: { t?: string } }>('/nuova-password', { schema: { querystring: objectOf({ t: TOKEN }) } }, async (request, reply) => {
    const token = text(request.query.t)
    const link = await checkPasswordResetLink(deps, token)
    if (link.kind !== 'valid') return reply.page('portal/reset-link-invalid.eta', { title: request.t('reset.invalidTitle'), reason: link.kind }, 410)
    return reply.page('portal/new-password.eta', { title: request.t('reset.title'), token, accountId: link.accountId })
  })

  app.post<{ Body: ResetBody }>('/nuova-password', { schema: { body: formBody({ token: TOKEN, password: PASSWORD, confirmation: PASSWORD }) } }, async (request, reply) => {
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
}
