import { fileURLToPath } from 'node:url'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify'
import fastifyHelmet from '@fastify/helmet'
import fastifyStatic from '@fastify/static'
import { sql } from 'drizzle-orm'
import { devMailViewer } from '../notifications/dev-mail-viewer'
import { demoDocumentsRoutes } from './portal/demo-documents-routes'
import type { Logger } from '../logging'
import type { Services } from '../services'
import { conventionRoutes } from './admin/convention-routes'
import { dashboardRoutes } from './admin/dashboard-routes'
import { OFFICE_PATH, registerBackOffice } from './admin/plugin'
import { lookRoutes } from './admin/look-routes'
import { searchRoutes } from './admin/search-routes'
import { queuesRoutes } from './admin/queues-routes'
import { operatorsRoutes } from './admin/operators-routes'
import { webhooksRoutes } from './admin/webhooks-routes'
import { secondFactorRoutes } from './admin/second-factor-routes'
import { officeSignInRoutes } from './admin/sign-in-routes'
import { moneyRoutes } from './admin/money-routes'
import { actionsRoutes } from './admin/actions-routes'
import { uploadRoutes } from './admin/upload-routes'
import { invoicesRoutes } from './admin/invoices-routes'
import { mailboxesRoutes } from './portal/mailboxes-routes'
import { accountRoutes } from './portal/account-routes'
import { paymentRoutes } from './portal/payment-routes'
import { registerPortal } from './portal/plugin'
import { signInRoutes } from './portal/sign-in-routes'
import { logServerError, REQUEST_ID_HEADER, requestIdOf } from './request-log'
import { JSON_REFUSAL, NO_INPUT, objectOf } from './route-schemas'
import { webhookRoutes } from './webhooks'
import { wizardRoutes } from './portal/wizard-routes'
import { API_PATH, apiPlugin } from './api'
import { apiTokensRoutes } from './admin/api-tokens-routes'

/** How long requests under way may take to finish once the server is told to close. */
export const CLOSE_GRACE_MS = 1_000

/**
 * The HTTP face of the service: the holder's portal (issue 3) and the operators' back office under
 * /ufficio. With a logger (createLogger), every request is logged with its request id. `onRoute`
 * sees each route as it is added (the test that every route declares its schema).
 */
export async function buildServer(services: Services, options: { logger?: Logger; onRoute?: (route: RouteOptions) => void } = {}): Promise<FastifyInstance> {
  const hops = services.config.trustProxy
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger as FastifyBaseLogger } : {}),
    genReqId: requestIdOf,
    trustProxy: hops ? (_address: string, hop: number) => hop < hops : false,
  })
  const { deps, config } = services
  const { onRoute } = options
  // Closing: requests under way get CLOSE_GRACE_MS to finish, then every connection left is closed. A
  // browser's preconnected socket (opened ahead, no request sent) is not idle to Node, so Fastify's
  // own close leaves it open, and the process (with the embedded database it locks) would wait for its
  // timeout, a minute or more, after Ctrl-C on `serve`.
  app.addHook('preClose', (done) => {
    setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS).unref()
    done()
  })
  if (onRoute) app.addHook('onRoute', (route) => onRoute(route))

  // The id a holder quotes from the 500 page, and a caller finds in the response, is the one in the logs.
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id)
  })
  // Outside the portal and the back office (webhooks, health): a 5xx is logged and says nothing of its cause.
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error.statusCode && error.statusCode < 500) throw error // Fastify's own 4xx answer
    logServerError(request, error)
    return reply.code(500).send({ error: 'internal_error', requestId: request.id })
  })

  const health = { querystring: objectOf({}), response: { 200: objectOf({ status: { type: 'string', enum: ['ok'] } }, ['status']), 500: JSON_REFUSAL } }
  app.get('/healthz', { schema: health }, async (_request, reply) => {
    await deps.db.execute(sql`select 1`)
    return reply.send({ status: 'ok' })
  })

  // Security headers everywhere; the CSP allows no inline script and no inline style.
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // The provider's logo may live on its own site (PROVIDER_LOGO_URL): that origin only.
        imgSrc: ["'self'", 'data:', ...(config.provider?.logoUrl?.startsWith('http') ? [new URL(config.provider.logoUrl).origin] : [])],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: config.publicUrl.startsWith('https://') ? [] : null,
      },
    },
    strictTransportSecurity: config.publicUrl.startsWith('https://'),
  })

  app.get('/', { schema: NO_INPUT }, async (_request, reply) => reply.redirect('/rinnova', 302))
  // The style sheet of the portal and the back office.
  await app.register(fastifyStatic, { root: fileURLToPath(new URL('./static', import.meta.url)), prefix: '/static/', maxAge: '1d' })

  // R10: the mail viewer shows every holder's mail, reset links included: demo mode only, and only
  // to this machine (it sets its own, looser CSP for mail HTML).
  if (config.mode === 'demo') await app.register(devMailViewer(services.mail, deps.db))

  // Gateway webhooks: outside the portal (no CSRF, raw JSON bodies for the signature check).
  await app.register(webhookRoutes(services))

  await app.register(async (portal) =>
    registerPortal(portal, services, async (routes) => {
      await signInRoutes(routes, services)
      await mailboxesRoutes(routes, services)
      await accountRoutes(routes, services)
      await wizardRoutes(routes, services)
      await paymentRoutes(routes, services)
      if (config.mode === 'demo') await demoDocumentsRoutes(routes)
    }),
  )

  await app.register(apiPlugin(services), { prefix: API_PATH }) // issue 15: the REST API

  await app.register(
    async (office) =>
      registerBackOffice(office, services, async (routes) => {
        await officeSignInRoutes(routes, services)
        await secondFactorRoutes(routes, services)
        await operatorsRoutes(routes, services)
        await webhooksRoutes(routes, services)
        await queuesRoutes(routes, services)
        await searchRoutes(routes, services)
        await lookRoutes(routes, services)
        await uploadRoutes(routes, services)
        await moneyRoutes(routes, services)
        await actionsRoutes(routes, services)
        await conventionRoutes(routes, services)
        await dashboardRoutes(routes, services)
        await apiTokensRoutes(routes, services) // issue 15
        await invoicesRoutes(routes, services) // after uploadRoutes: the receipts' upload uses its multipart parser
      }),
    { prefix: OFFICE_PATH },
  )
  return app
}
