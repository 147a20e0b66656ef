import type { FastifyInstance } from 'fastify'
import { storedUsername } from '../../operators/queries'
import { signInOperator } from '../../operators/sign-in-operator'
import type { Services } from '../../services'
import { rateLimited, safeNext, text, waitUntil, type FieldError } from '../frame'
import { SIGN_IN_RATE_LIMIT } from '../portal/sign-in-routes'
import { OFFICE_PATH } from './plugin'
import { SECOND_FACTOR_PATH } from './roles'
import { CSRF_ONLY, FLAG, formBody, NEXT, objectOf, PASSWORD, textOf } from '../route-schemas'

const nextPage = (next: unknown) => safeNext(next, OFFICE_PATH, OFFICE_PATH)

/** The operator's way in and out: sign-in (per IP rate limit, the holders' guard per username), sign-out. */
export async function officeSignInRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services

  app.get<{ Querystring: { next?: string; uscito?: string } }>('/accedi', { schema: { querystring: objectOf({ next: NEXT, uscito: FLAG }) } }, async (request, reply) => {
    if (request.operator) return reply.redirect(nextPage(request.query.next), 303)
    return reply.page('admin/sign-in.eta', {
      title: request.t('opsignin.title'),
      username: '',
      next: nextPage(request.query.next),
      signedOut: request.query.uscito === '1',
    })
  })

  app.post<{ Body: { username?: string; password?: string; next?: string } }>('/accedi', { ...rateLimited(SIGN_IN_RATE_LIMIT), schema: { body: formBody({ username: textOf(64), password: PASSWORD, next: NEXT }) } }, async (request, reply) => {
    const username = text(request.body?.username).trim()
    const password = text(request.body?.password)
    const next = nextPage(request.body?.next)
    const errors: FieldError[] = []
    if (!username) errors.push({ field: 'username', message: request.t('opsignin.missingUsername') })
    if (!password) errors.push({ field: 'password', message: request.t('opsignin.missingPassword') })
    const again = (status: number) => reply.page('admin/sign-in.eta', { title: request.t('opsignin.title'), username, next, errors }, status)
    if (errors.length) return again(422)
    const outcome = await signInOperator(deps, services.operatorPasswords, { username, password, ip: request.ip })
    switch (outcome.kind) {
      case 'signed_in':
        await reply.signInOperator(outcome.operator)
        // admin and billing give their TOTP code (or enrol one) before any page opens
        if (outcome.operator.secondFactor === 'missing') return reply.redirect(`${SECOND_FACTOR_PATH}?next=${encodeURIComponent(next)}`, 303)
        return reply.redirect(next, 303)
      case 'refused':
        errors.push({ field: 'username', message: request.t('opsignin.failed') })
        return again(422)
      case 'slowed':
        errors.push({ field: 'username', message: request.t('opsignin.slowed', { wait: waitUntil(reply, outcome.retryAt, deps.clock.now()) }) })
        return again(429)
      case 'blocked':
        errors.push({ field: 'username', message: request.t('opsignin.blocked', { username: storedUsername(username) }) })
        return again(403)
      case 'disabled':
        errors.push({ field: 'username', message: request.t('opsignin.disabled') })
        return again(403)
    }
  })

  app.post('/esci', { schema: { body: CSRF_ONLY } }, async (_request, reply) => {
    await reply.signOutOperator()
    return reply.redirect(`${OFFICE_PATH}/accedi?uscito=1`, 303)
  })
}
