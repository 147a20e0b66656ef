import type { FastifyInstance } from 'fastify'
import { objectOf } from '../route-schemas'

/** The demo provider's notices and help pages (R10: demo mode only), which real providers link to their own. */
export const DEMO_DOCUMENTS = ['privacy', 'cookie', 'condizioni', 'assistenza', 'guide'] as const

/**
 * R10: the demo's provider links its privacy and cookie notices, terms, support page and guides
 * here, each a page that says it stands in for the provider's own; outside demo mode these routes
 * do not exist (PROVIDER_* point to the provider's site).
 */
export async function demoDocumentsRoutes(app: FastifyInstance): Promise<void> {
  const params = objectOf({ document: { type: 'string', enum: [...DEMO_DOCUMENTS] } }, ['document'])
  app.get<{ Params: { document: (typeof DEMO_DOCUMENTS)[number] } }>('/demo/documenti/:document', { schema: { params } }, async (request, reply) => {
    const { t } = request
    const title = t(`demoDocument.${request.params.document}`)
    return reply.page('portal/demo-document.eta', { title, heading: title })
  })
}
