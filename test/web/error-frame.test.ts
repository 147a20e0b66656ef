import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config'
import { DomainError, type ErrorCode } from '../../src/core/errors'
import type { Services } from '../../src/services'
import { registerWebFrame } from '../../src/web/frame'
import { portalMessages } from '../../src/web/portal/messages'

/** The frame alone, with a route that refuses with the code it is given: what a person sees of each refusal. */
async function frameApp(): Promise<FastifyInstance> {
  const app = Fastify()
  const services = { config: loadConfig({ DATABASE_URL: 'memory://' }) } as unknown as Services
  await registerWebFrame(app, services, {
    messages: portalMessages,
    cookiePath: '/',
    sameSite: 'lax',
    csrfCookie: '_csrf',
    locals: () => ({ holder: null, home: '/rinnova', nav: 'portal/nav.eta' }),
  })
  app.get<{ Params: { id: number }; Querystring: { page?: number } }>(
    '/things/:id',
    {
      schema: {
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
        querystring: { type: 'object', properties: { page: { type: 'integer', minimum: 1 } } },
      },
    },
    async (request) => `thing ${request.params.id} page ${request.query.page ?? 1}`,
  )
  app.get<{ Params: { code: ErrorCode } }>('/refuse/:code', async (request) => {
    throw new DomainError(request.params.code, 'a detail for the log only')
  })
  return app
}

describe('the web frame answers a refusal by the table of error codes', () => {
  let app: FastifyInstance
  afterEach(() => app?.close())

  it.each([
    ['invalid_input', 400, 'Dati non validi'],
    ['duration_not_offered', 422, 'Durata non prevista dalla convenzione'],
    ['mailbox_not_found', 404, 'Casella PEC non trovata'],
    ['order_already_paid', 409, 'L&#39;ordine è già pagato'],
  ] as const)('%s: %i with its Italian message, no detail', async (code, status, message) => {
    app = await frameApp()
    const response = await app.inject({ method: 'GET', url: `/refuse/${code}` })
    expect(response.statusCode).toBe(status)
    expect(response.headers['content-type']).toMatch(/^text\/html/)
    expect(response.body).toContain(message)
    expect(response.body).not.toContain('a detail for the log only')
    expect(response.body.slice(response.body.indexOf('<main'))).not.toContain(code) // the URL is in the language switch
  })

  it('speaks English when asked', async () => {
    app = await frameApp()
    const response = await app.inject({ method: 'GET', url: '/refuse/mailbox_not_found?lang=en' })
    expect(response.statusCode).toBe(404)
    expect(response.body).toContain('PEC mailbox not found')
  })

  it('a page that does not exist is a 404 in the same words', async () => {
    app = await frameApp()
    const response = await app.inject({ method: 'GET', url: '/nowhere' })
    expect(response.statusCode).toBe(404)
    expect(response.body).toContain('Pagina non trovata.')
  })

  it('a form without its token is a 403, never a 409', async () => {
    app = await frameApp()
    app.post('/form', async () => 'done')
    const response = await app.inject({ method: 'POST', url: '/form', payload: { a: '1' } })
    expect(response.statusCode).toBe(403)
    expect(response.body).toContain('La pagina è scaduta per sicurezza')
  })

  it.each([
    ['a bad URL parameter', '/things/abc'],
    ['a bad query parameter', '/things/7?page=zero'],
  ])('%s is refused by the route schema: 400 in the table’s Italian, not the validator’s English', async (_case, url) => {
    app = await frameApp()
    const response = await app.inject({ method: 'GET', url })
    expect(response.statusCode).toBe(400)
    expect(response.headers['content-type']).toMatch(/^text\/html/)
    expect(response.body).toContain('Dati non validi')
    expect(response.body).not.toMatch(/must be|params\/id|querystring/)
  })

  it('a refusal by the route schema speaks English when asked', async () => {
    app = await frameApp()
    const response = await app.inject({ method: 'GET', url: '/things/abc?lang=en' })
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('Invalid input')
    expect(response.body).not.toContain('must be')
  })

  it('valid input passes the schema, coerced to its type', async () => {
    app = await frameApp()
    const response = await app.inject({ method: 'GET', url: '/things/7?page=2' })
    expect(response.statusCode).toBe(200)
    expect(response.body).toBe('thing 7 page 2')
  })
})
