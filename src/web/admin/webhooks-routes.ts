import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DomainError, errorMessage, errorStatus } from '../../core/errors'
import { addEndpoint, deleteEndpoint, disableEndpoint, enableEndpoint, findEndpoint, listDeliveries, listEndpoints } from '../../events/endpoints'
import { EVENT_TYPES } from '../../events/schema'
import type { Services } from '../../services'
import { text, type FieldError } from '../frame'
import { FLAG, formBody, objectOf, RowIdParams, textOf, NO_INPUT } from '../route-schemas'
import { operatorActor } from './plugin'
import { requirePermission } from './roles'

const requireAdmin = requirePermission('admin')
const DONE = ['disabled', 'enabled', 'deleted'] as const
/** One checkbox ticked is a text, several an array. */
const EVENT_CHOICES = { anyOf: [textOf(64), { type: 'array', items: textOf(64), maxItems: EVENT_TYPES.length }] }

/**
 * Issue 15: the endpoints events go to, for admins — the same functions as `pec-renewal webhook`:
 * add (its secret shown once, on the answer to the form), list, disable, enable, delete, and an
 * endpoint's recent deliveries. Each change audited in the admin's name.
 */
export async function webhooksRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services

  async function list(request: FastifyRequest, reply: FastifyReply, view: Record<string, unknown> = {}, status = 200) {
    const endpoints = await listEndpoints(deps.db)
    return reply.page('admin/webhooks.eta', { title: request.t('hooks.title'), endpoints, eventTypes: EVENT_TYPES, form: { url: '', convention: '', description: '', events: [] }, errors: [], ...view }, status)
  }

  app.get<{ Querystring: { fatto?: string } }>('/webhook', { preHandler: requireAdmin, schema: { querystring: objectOf({ fatto: FLAG }) } }, async (request, reply) => {
    const done = DONE.find((d) => d === request.query.fatto)
    return list(request, reply, { done: done ? request.t(`hooks.done.${done}`) : null })
  })

  app.post<{ Body: Record<string, string | string[] | undefined> }>(
    '/webhook',
    { preHandler: requireAdmin, schema: { body: formBody({ url: textOf(2000), convention: textOf(64), description: textOf(200), events: EVENT_CHOICES }) } },
    async (request, reply) => {
      const events = ([] as string[]).concat(request.body?.events ?? [])
      const form = { url: text(request.body?.url as string).trim(), convention: text(request.body?.convention as string).trim(), description: text(request.body?.description as string).trim(), events }
      const errors: FieldError[] = []
      try {
        const added = await addEndpoint(deps, { url: form.url, eventTypes: events, conventionCode: form.convention || null, description: form.description || null, actor: operatorActor(request) })
        // the secret goes on this answer only: never in a URL, never again
        return list(request, reply, { added: { id: added.endpoint.id, url: added.endpoint.url, secret: added.secret } })
      } catch (error) {
        if (!(error instanceof DomainError)) throw error
        const field = error.code === 'webhook_events_invalid' ? 'new-events' : error.code === 'convention_not_found' ? 'new-convention' : 'new-url'
        errors.push({ field, message: errorMessage(error.code, request.lang) })
        return list(request, reply, { form, errors }, errorStatus(error.code))
      }
    },
  )

  app.get<{ Params: { id: number } }>('/webhook/:id', { preHandler: requireAdmin, schema: { params: RowIdParams, ...NO_INPUT } }, async (request, reply) => {
    const endpoint = await findEndpoint(deps.db, request.params.id)
    if (!endpoint) return reply.refuse('webhook_not_found')
    const deliveries = await listDeliveries(deps.db, endpoint.id)
    return reply.page('admin/webhook.eta', { title: request.t('hooks.deliveriesTitle', { url: endpoint.url }), endpoint, deliveries })
  })

  const actions = {
    disattiva: { done: 'disabled', run: disableEndpoint },
    riattiva: { done: 'enabled', run: enableEndpoint },
    elimina: { done: 'deleted', run: deleteEndpoint },
  } as const
  for (const [path, action] of Object.entries(actions)) {
    app.post<{ Params: { id: number } }>(`/webhook/:id/${path}`, { preHandler: requireAdmin, schema: { params: RowIdParams, body: formBody({}) } }, async (request, reply) => {
      try {
        await action.run(deps, { id: request.params.id, actor: operatorActor(request) })
      } catch (error) {
        if (!(error instanceof DomainError)) throw error
        return list(request, reply, { refusal: errorMessage(error.code, request.lang) }, errorStatus(error.code))
      }
      return reply.redirect(`/ufficio/webhook?fatto=${action.done}`, 303)
    })
  }
}
