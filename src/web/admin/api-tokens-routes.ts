import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { createApiToken, listApiTokens, revokeApiToken } from '../../api-tokens/manage-tokens'
import { API_SCOPES } from '../../api-tokens/schema'
import { listConventions } from '../../catalog/queries'
import { formatInstant } from '../../core/calendar'
import { DomainError, errorMessage } from '../../core/errors'
import type { Services } from '../../services'
import { text, type FieldError } from '../frame'
import { FLAG, formBody, objectOf, RowIdParams, textOf } from '../route-schemas'
import { operatorActor } from './plugin'
import { requirePermission } from './roles'

const requireAdmin = requirePermission('admin')
export const API_TOKENS_PATH = '/token-api'

/**
 * Issue 15: the REST API's tokens, for admins — the same functions as `pec-renewal api-token`.
 * A new token is shown on the answer to its creation only (no redirect that would lose it, no cache).
 */
export async function apiTokensRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services

  async function page(request: FastifyRequest, reply: FastifyReply, view: Record<string, unknown> = {}, status = 200) {
    const [tokens, conventions] = await Promise.all([listApiTokens(deps), listConventions(deps.db)])
    reply.header('Cache-Control', 'no-store')
    return reply.page(
      'admin/api-tokens.eta',
      {
        title: request.t('tokens.title'),
        tokens: tokens.map((k) => ({
          ...k,
          lastUsed: k.lastUsedAt ? formatInstant(new Date(k.lastUsedAt), request.lang) : null,
          revokedOn: k.revokedAt ? formatInstant(new Date(k.revokedAt), request.lang) : null,
        })),
        scopes: API_SCOPES, conventions: conventions.map((c) => c.code), form: { name: '', scopes: ['read'], convention: '' }, errors: [], created: null, done: null, ...view },
      status,
    )
  }

  app.get<{ Querystring: { fatto?: string; nome?: string } }>(API_TOKENS_PATH, { preHandler: requireAdmin, schema: { querystring: objectOf({ fatto: FLAG, nome: textOf(64) }) } }, async (request, reply) =>
    page(request, reply, { done: request.query.fatto === 'revocato' ? request.t('tokens.revoked', { name: text(request.query.nome) }) : null }),
  )

  app.post<{ Body: Record<string, unknown> }>(
    API_TOKENS_PATH,
    { preHandler: requireAdmin, schema: { body: formBody({ name: textOf(64), scope: { anyOf: [textOf(16), { type: 'array', items: textOf(16), maxItems: 4 }] }, convention: textOf(64) }) } },
    async (request, reply) => {
      const form = { name: text(request.body?.name).trim(), scopes: ([] as unknown[]).concat(request.body?.scope ?? []).map(String), convention: text(request.body?.convention) }
      const errors: FieldError[] = []
      if (!form.scopes.length) errors.push({ field: 'scope-read', message: request.t('tokens.missingScope') })
      if (!errors.length) {
        try {
          const created = await createApiToken(deps, { name: form.name, scopes: form.scopes, conventionCode: form.convention || null, actor: operatorActor(request) })
          return page(request, reply, { created }, 201)
        } catch (error) {
          if (!(error instanceof DomainError)) throw error
          const field = error.code === 'api_scope_invalid' ? 'scope-read' : error.code === 'convention_not_found' ? 'convention' : 'name'
          errors.push({ field, message: errorMessage(error.code, request.lang) })
        }
      }
      return page(request, reply, { form, errors }, 422)
    },
  )

  app.post<{ Params: { id: number } }>(`${API_TOKENS_PATH}/:id/revoca`, { preHandler: requireAdmin, schema: { params: RowIdParams, body: formBody({}) } }, async (request, reply) => {
    try {
      const revoked = await revokeApiToken(deps, { token: request.params.id, actor: operatorActor(request) })
      return reply.redirect(`/ufficio${API_TOKENS_PATH}?fatto=revocato&nome=${encodeURIComponent(revoked.name)}`, 303)
    } catch (error) {
      if (!(error instanceof DomainError) || !['api_token_not_found', 'api_token_revoked'].includes(error.code)) throw error
      return page(request, reply, { errors: [{ field: 'tokens', message: errorMessage(error.code, request.lang) }] }, error.code === 'api_token_not_found' ? 404 : 409)
    }
  })
}
