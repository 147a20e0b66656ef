import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { closeOperatorSession, findOperatorSession, openOperatorSession, type OperatorSession } from '../../operators/operator-sessions'
import { mayDo, type OfficePermission } from '../../operators/roles'
import type { Services } from '../../services'
import { registerWebFrame, sessionCookie } from '../frame'
import { officeMessages } from './messages'

/** The back office's own cookies, scoped to its path: a holder's pec_sid never opens it, and this one never opens the portal. */
export const OPERATOR_SESSION_COOKIE = 'pec_op_sid'
export const OFFICE_PATH = '/ufficio'

declare module 'fastify' {
  interface FastifyRequest {
    operator: OperatorSession | null
  }
  interface FastifyReply {
    /** Signs the operator in on a fresh session (the old cookie is dropped: no fixation). */
    signInOperator(operator: OperatorSession): Promise<void>
    signOutOperator(): Promise<void>
  }
}

/**
 * The back office (DESIGN §3, web/admin), mounted under /ufficio: the same frame as the portal,
 * with the operator's session in a cookie of its own (SameSite=Strict, path /ufficio).
 */
export async function registerBackOffice(
  app: FastifyInstance,
  services: Services,
  routes: (app: FastifyInstance) => Promise<void>,
): Promise<void> {
  const { deps } = services
  const cookies = await registerWebFrame(app, services, {
    messages: officeMessages,
    cookiePath: OFFICE_PATH,
    sameSite: 'strict',
    csrfCookie: '_csrf_op',
    locals: (request) => ({
      operator: request.operator,
      home: OFFICE_PATH,
      nav: 'admin/nav.eta',
      /** Whether the page may show a link or button for this kind of work (the route checks it again). */
      may: (permission: OfficePermission) => request.operator !== null && request.operator.secondFactor !== 'missing' && mayDo(request.operator.role, permission),
    }),
  })
  const sessions = sessionCookie<OperatorSession>(
    {
      cookie: OPERATOR_SESSION_COOKIE,
      find: (token) => findOperatorSession(deps, token),
      open: (operator) => openOperatorSession(deps, operator.username),
      close: (token) => closeOperatorSession(deps, token),
    },
    cookies,
  )

  app.decorateRequest('operator', null)
  app.addHook('onRequest', async (request) => {
    request.operator = await sessions.read(request)
  })

  app.decorateReply('signInOperator', async function (this: FastifyReply, operator: OperatorSession) {
    await sessions.start(this, operator)
    this.request.operator = operator
  })

  app.decorateReply('signOutOperator', async function (this: FastifyReply) {
    await sessions.end(this)
    this.request.operator = null
  })

  await routes(app)
}

/** Who the audit names for what an operator does in the back office (R9). */
export function operatorActor(request: FastifyRequest): string {
  return `operator:${request.operator!.username}`
}
