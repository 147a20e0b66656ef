import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../services'
import { mailboxesRoutes } from './mailboxes-routes'
import { moneyRoutes } from './money-routes'
import { ordersRoutes } from './orders-routes'
import { API_PATH, registerApi } from './plugin'
import { recordsRoutes } from './records-routes'

export { API_PATH } from './plugin'

/** Where the reference page is served (Swagger UI from the package's own files: no CDN). */
export const API_DOCS_PATH = `${API_PATH}/docs`

/**
 * Issue 15: the REST API, mounted at /api/v1 (server.ts registers it with that prefix). Its
 * OpenAPI 3.1 document is written by @fastify/swagger from the routes' own schemas.
 */
export function apiPlugin(services: Services) {
  return registerApi(
    services,
    async (app: FastifyInstance) => {
      await app.register(fastifySwagger, {
        openapi: {
          openapi: '3.1.0',
          info: {
            title: 'pec-renewal API',
            version: '1.0.0',
            description:
              'Mailboxes, accounts, orders, payments, refunds, the lifecycle’s preview, imports, invoices and the partner’s report, for the provider’s other systems and the convention’s partner. See docs/api.md.',
          },
          servers: [{ url: services.config.publicUrl }],
          components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token (pecr_live_…), created by an admin in the back office or with `pec-renewal api-token create`' } } },
          security: [{ bearer: [] }],
        },
      })
      app.get('/openapi.json', { schema: { hide: true, querystring: { type: 'object', properties: {} } } }, async () => app.swagger())
      // indexPrefix: the page's asset links must carry the /api/v1 this plugin is mounted under
      await app.register(fastifySwaggerUi, { routePrefix: '/docs', indexPrefix: '/api/v1', staticCSP: true, uiConfig: { deepLinking: false } })
    },
    async (app) => {
      await mailboxesRoutes(app, services)
      await ordersRoutes(app, services)
      await moneyRoutes(app, services)
      await recordsRoutes(app, services)
    },
  )
}
