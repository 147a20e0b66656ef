import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import QRCode from 'qrcode'
import { enrolmentFor, giveSecondFactor } from '../../operators/second-factor'
import type { Services } from '../../services'
import { rateLimited, safeNext, text, type FieldError } from '../frame'
import { SIGN_IN_RATE_LIMIT } from '../portal/sign-in-routes'
import { OFFICE_PATH, OPERATOR_SESSION_COOKIE, operatorActor } from './plugin'
import { SECOND_FACTOR_PATH } from './roles'
import { formBody, NEXT, objectOf, textOf } from '../route-schemas'

const nextPage = (next: unknown) => safeNext(next, OFFICE_PATH, OFFICE_PATH)

/**
 * Issue 11: admin and billing give a TOTP code (RFC 6238) after their password. The first time,
 * the page enrols one: a QR code for the authenticator app (and its key, to type by hand), then
 * a code confirms it and ten recovery codes are shown once. The session opens nothing else until then.
 */
export async function secondFactorRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services
  const path = SECOND_FACTOR_PATH.slice(OFFICE_PATH.length)

  /** The second-factor page: enrolment (QR code) or the code field. */
  async function form(request: FastifyRequest, reply: FastifyReply, next: string, errors: FieldError[] = [], status = 200) {
    const enrolment = await enrolmentFor(deps, request.operator!.username)
    if (!enrolment) return reply.page('admin/second-factor.eta', { title: request.t('totp.title'), next, errors }, status)
    const qr = await QRCode.toDataURL(enrolment.uri, { margin: 2, width: 220, errorCorrectionLevel: 'M' })
    const key = enrolment.secret.match(/.{1,4}/g)!.join(' ')
    return reply.page('admin/second-factor-enrol.eta', { title: request.t('totp.enrolTitle'), next, errors, qr, key }, status)
  }

  app.get<{ Querystring: { next?: string } }>(path, { schema: { querystring: objectOf({ next: NEXT }) } }, async (request, reply) => {
    const next = nextPage(request.query.next)
    if (!request.operator) return reply.redirect(`${OFFICE_PATH}/accedi`, 303)
    if (request.operator.secondFactor !== 'missing') return reply.redirect(next, 303)
    return form(request, reply, next)
  })

  app.post<{ Body: { code?: string; next?: string } }>(path, { ...rateLimited(SIGN_IN_RATE_LIMIT), schema: { body: formBody({ code: textOf(64), next: NEXT }) } }, async (request, reply) => {
    const next = nextPage(request.body?.next)
    const operator = request.operator
    if (!operator) return reply.redirect(`${OFFICE_PATH}/accedi`, 303)
    if (operator.secondFactor !== 'missing') return reply.redirect(next, 303)
    const code = text(request.body?.code).trim()
    if (!code) return form(request, reply, next, [{ field: 'code', message: request.t('totp.missingCode') }], 422)
    const outcome = await giveSecondFactor(deps, { username: operator.username, sessionToken: request.cookies[OPERATOR_SESSION_COOKIE]!, code, actor: operatorActor(request) })
    switch (outcome.kind) {
      case 'enrolled':
        return reply.page('admin/recovery-codes.eta', { title: request.t('totp.recoveryTitle'), codes: outcome.recoveryCodes, next })
      case 'given':
        if (outcome.with === 'recovery_code') {
          return reply.page('admin/recovery-code-used.eta', { title: request.t('totp.title'), left: outcome.recoveryCodesLeft, next })
        }
        return reply.redirect(next, 303)
      case 'wrong_code':
        return form(request, reply, next, [{ field: 'code', message: request.t('totp.wrongCode', { left: outcome.attemptsLeft }) }], 422)
      case 'session_closed':
        await reply.signOutOperator()
        return reply.page('admin/sign-in.eta', { title: request.t('opsignin.title'), username: '', next, errors: [{ field: 'username', message: request.t('totp.sessionClosed') }] }, 403)
    }
  })
}
