import type { FastifyInstance } from 'fastify'
import { datePhrase } from '../../../core/date-phrase'
import { findContractText } from '../../../renewals/queries'
import type { Services } from '../../../services'
import { safeNext } from '../../frame'
import { NEXT, objectOf, textOf } from '../../route-schemas'

/** A contract document in one version, to read before accepting it (issue 3). Public, read-only. */
export async function contractRoutes(app: FastifyInstance, services: Services): Promise<void> {
  app.get<{ Params: { code: string; version: string }; Querystring: { ritorno?: string } }>('/contratti/:code/:version', { schema: { params: objectOf({ code: textOf(64), version: textOf(32) }, ['code', 'version']), querystring: objectOf({ ritorno: NEXT }) } }, async (request, reply) => {
    const contract = await findContractText(services.deps.db, request.params.code, request.params.version)
    if (!contract) return reply.refuse('page_not_found')
    const title = request.lang === 'it' ? contract.titleIt : contract.titleEn
    return reply.page('portal/contract.eta', {
      title,
      heading: title,
      versionLine: request.t('contract.version', { version: contract.version, date: datePhrase(contract.effectiveFrom, request.lang, 'from') }),
      paragraphs: contract.body.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean),
      // the wizard step it was opened from, so the holder comes back to it (only a /rinnovo/ path)
      returnUrl: request.query.ritorno ? safeNext(request.query.ritorno, '', '/rinnovo/') || null : null,
    })
  })
}
