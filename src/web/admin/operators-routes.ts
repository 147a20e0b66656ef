import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DomainError, errorMessage } from '../../core/errors'
import { addOperator, operatorPasswordProblem } from '../../operators/add-operator'
import { disableOperator } from '../../operators/disable-operator'
import { enableOperator } from '../../operators/enable-operator'
import { listOperators, type OperatorListing } from '../../operators/list-operators'
import { OPERATOR_ROLES, isOperatorRole } from '../../operators/roles'
import { resetSecondFactor } from '../../operators/second-factor'
import { setOperatorPassword } from '../../operators/set-operator-password'
import { setOperatorRole } from '../../operators/set-operator-role'
import type { Services } from '../../services'
import { text, type FieldError } from '../frame'
import { operatorActor } from './plugin'
import { requirePermission } from './roles'
import { FLAG, formBody, objectOf, PASSWORD, textOf } from '../route-schemas'

const requireAdmin = requirePermission('admin')
const DONE = ['added', 'role', 'disabled', 'enabled', 'password', 'secondFactor'] as const

/**
 * Issue 11: operator management in the back office, for admins — the same functions as the
 * `operator` commands (add, role, disable, enable, password; and resetting a lost second factor),
 * each audited in the admin's name.
 */
export async function operatorsRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services

  async function list(request: FastifyRequest, reply: FastifyReply, view: Record<string, unknown> = {}, status = 200) {
    const operators = await listOperators(deps)
    return reply.page('admin/operators.eta', { title: request.t('ops.title'), operators, roles: OPERATOR_ROLES, form: { username: '', name: '', role: 'support' }, ...view }, status)
  }

  app.get<{ Querystring: { fatto?: string; chi?: string } }>('/operatori', { preHandler: requireAdmin, schema: { querystring: objectOf({ fatto: FLAG, chi: textOf(64) }) } }, async (request, reply) => {
    const done = DONE.find((d) => d === request.query.fatto)
    return list(request, reply, { done: done ? request.t(`ops.done.${done}`, { username: text(request.query.chi) }) : null })
  })

  app.post<{ Body: Record<string, string | undefined> }>('/operatori', { preHandler: requireAdmin, schema: { body: formBody({ username: textOf(64), name: textOf(200), role: textOf(32), password: PASSWORD }) } }, async (request, reply) => {
    const form = { username: text(request.body?.username).trim(), name: text(request.body?.name).trim(), role: text(request.body?.role) }
    const password = text(request.body?.password)
    const errors: FieldError[] = []
    if (!form.username) errors.push({ field: 'new-username', message: request.t('ops.missingUsername') })
    if (!isOperatorRole(form.role)) errors.push({ field: 'new-role', message: errorMessage('invalid_role', request.lang) })
    const problem = operatorPasswordProblem(password)
    if (problem) errors.push({ field: 'new-password', message: request.t('ops.passwordRule') })
    if (!errors.length) {
      try {
        const added = await addOperator(deps, { username: form.username, displayName: form.name || undefined, password, role: form.role as never, actor: operatorActor(request) })
        return reply.redirect(`/ufficio/operatori?fatto=added&chi=${encodeURIComponent(added.username)}`, 303)
      } catch (error) {
        if (!(error instanceof DomainError)) throw error
        errors.push({ field: 'new-username', message: errorMessage(error.code, request.lang) })
      }
    }
    return list(request, reply, { form, errors }, 422)
  })

  /** One change to one operator: run it, then back to the list saying what was done, or why not. */
  const actions: Record<string, { done: (typeof DONE)[number]; run(request: FastifyRequest<{ Params: { username: string }; Body: Record<string, string | undefined> }>): Promise<unknown> }> = {
    ruolo: { done: 'role', run: (r) => setOperatorRole(deps, { username: r.params.username, role: text(r.body?.role), actor: operatorActor(r) }) },
    disattiva: { done: 'disabled', run: (r) => disableOperator(deps, { username: r.params.username, actor: operatorActor(r) }) },
    riattiva: { done: 'enabled', run: (r) => enableOperator(deps, { username: r.params.username, actor: operatorActor(r) }) },
    password: { done: 'password', run: (r) => setOperatorPassword(deps, { username: r.params.username, password: text(r.body?.password), actor: operatorActor(r) }) },
    'secondo-fattore': { done: 'secondFactor', run: (r) => resetSecondFactor(deps, { username: r.params.username, actor: operatorActor(r) }) },
  }
  for (const [path, action] of Object.entries(actions)) {
    app.post<{ Params: { username: string }; Body: Record<string, string | undefined> }>(`/operatori/:username/${path}`, { preHandler: requireAdmin, schema: { params: objectOf({ username: textOf(64) }, ['username']), body: formBody({ password: PASSWORD }) } }, async (request, reply) => {
      try {
        await action.run(request)
      } catch (error) {
        if (!(error instanceof DomainError)) throw error
        const why = error.code === 'password_too_short' || error.code === 'password_too_long' ? request.t('ops.passwordRule') : errorMessage(error.code, request.lang)
        return list(request, reply, { refusal: request.t('ops.refused', { username: request.params.username, why }) }, error.code === 'operator_not_found' ? 404 : 409)
      }
      return reply.redirect(`/ufficio/operatori?fatto=${action.done}&chi=${encodeURIComponent(request.params.username.toLowerCase())}`, 303)
    })
  }
}

export type { OperatorListing }
