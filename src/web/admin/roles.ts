import type { FastifyReply, FastifyRequest } from 'fastify'
import { mayDo, type OfficePermission } from '../../operators/roles'
import { OFFICE_PATH } from './plugin'

/** Where an operator whose role needs a second factor gives it (or enrols one) before any other page. */
export const SECOND_FACTOR_PATH = `${OFFICE_PATH}/secondo-fattore`

/**
 * preHandler for a back-office route that does `permission`'s kind of work (operators/roles.ts):
 * without a session, the sign-in page; with a session still owing its second factor, that page;
 * with a role that may not do it, 403 (a page saying so, the same for every route: nothing is run).
 * Every back-office route but sign-in and the second factor's own pages goes through it.
 */
export function requirePermission(permission: OfficePermission) {
  return async function checkPermission(request: FastifyRequest, reply: FastifyReply) {
    const operator = request.operator
    if (!operator) return reply.redirect(`${OFFICE_PATH}/accedi?next=${encodeURIComponent(request.url)}`, 303)
    if (operator.secondFactor === 'missing') {
      const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : ''
      return reply.redirect(`${SECOND_FACTOR_PATH}${next}`, 303)
    }
    if (!mayDo(operator.role, permission)) {
      return reply.page('shared/error.eta', { message: request.t('error.forbidden', { role: request.t(`role.${operator.role}`) }) }, 403)
    }
  }
}

/** The least a back-office page asks: a signed-in operator, any role, second factor given. */
export const requireOperator = requirePermission('look')

/** Whether the signed-in operator may do this kind of work: for pages that show an action only to those who may. */
export function operatorMay(request: FastifyRequest, permission: OfficePermission): boolean {
  const operator = request.operator
  return operator !== null && operator.secondFactor !== 'missing' && mayDo(operator.role, permission)
}
