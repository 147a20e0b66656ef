import { Validator } from '@seriousme/openapi-schema-validator'
import Ajv2020 from 'ajv/dist/2020.js'
import type { RouteOptions } from 'fastify'
import { describe, expect, it } from 'vitest'
import { placeOrder } from '../../../src/renewals/place-order'
import { buildServer } from '../../../src/web/server'
import { BILLING, apiUnderTest, type ApiUnderTest } from '../../support/api'
import { testDatabases } from '../../support/databases'

type Operation = {
  parameters?: Array<{ name: string; in: 'path' | 'query'; required?: boolean; schema: Record<string, unknown> }>
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>
}
type OpenApi = { openapi: string; paths: Record<string, Record<string, Operation>> }

/** The routes the API's plugins add for the reference page: served files, not the API. */
const REFERENCE_PAGE = (url: string) => url.startsWith('/api/v1/docs') || url === '/api/v1/openapi.json'

describe.each(testDatabases().slice(0, 1))('%s: the OpenAPI document (issue 15)', (_name, open) => {
  const server = apiUnderTest(open)

  async function documentOf(a: ApiUnderTest): Promise<OpenApi> {
    const response = await a.app.inject({ method: 'GET', url: '/api/v1/openapi.json' }) // no token needed
    expect(response.statusCode).toBe(200)
    return JSON.parse(response.body)
  }

  it('is a valid OpenAPI 3.1 document that names every /api/v1 route, and the reference page is served from here', async () => {
    const api = await server.start()
    const doc = await documentOf(api)
    expect(doc.openapi).toBe('3.1.0')
    const result = await new Validator().validate(doc)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)

    const routes: RouteOptions[] = []
    const app = await buildServer(api.services, { onRoute: (route) => routes.push(route) })
    await app.ready()
    await app.close()
    const ours = routes
      .filter((r) => r.url.startsWith('/api/v1/') && !REFERENCE_PAGE(r.url))
      .flatMap((r) => ([] as string[]).concat(r.method).filter((m) => m !== 'HEAD').map((m) => `${m} ${r.url.replace(/:(\w+)/g, '{$1}')}`))
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    expect(ours.length).toBeGreaterThan(15)
    expect(documented.sort()).toEqual([...new Set(ours)].sort())

    const page = await api.app.inject({ method: 'GET', url: '/api/v1/docs/' })
    expect(page.statusCode).toBe(200)
    expect(page.body).not.toMatch(/https?:\/\/(cdn|unpkg|cdnjs|jsdelivr)/) // no CDN: the page's files are ours
    expect(page.body).toContain('./static/swagger-ui-bundle.js')
  })

  it('every operation, called with only what the document says, answers what the document says', async () => {
    const api = await server.start()
    const order = await placeOrder(api.services.deps, { mailboxId: api.mailbox.id, years: 1, method: 'bonifico', actor: 'holder:x' })
    const held = await api.call('POST', '/api/v1/payments', { body: { order: order.orderId, amountCents: 999, method: 'bonifico', reference: 'CRO-HELD' } })
    const heldId = JSON.parse(held.body).id as number
    const doc = await documentOf(api)
    const ajv = new Ajv2020({ strict: false, allErrors: true })
    ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/).addFormat('date-time', { validate: (s: string) => !Number.isNaN(Date.parse(s)) }).addFormat('binary', true)

    // values for the parameters the document names, by name; bodies by operation
    const values: Record<string, string> = { address: api.mailbox.address, id: String(heldId), number: '2026-000001', date: '2026-07-01', from: '2026-01-01', to: '2026-12-31' }
    const idOf: Record<string, string> = { '/api/v1/accounts/{id}': api.mailbox.accountId, '/api/v1/orders/{id}': order.orderId, '/api/v1/orders/{id}/cancel': order.orderId }
    const bodies: Record<string, unknown> = {
      'POST /api/v1/orders': { mailbox: api.mailbox.address, years: 2, method: 'bonifico', billing: BILLING, contractsAccepted: true },
      'POST /api/v1/orders/{id}/cancel': { reason: 'asked' },
      'POST /api/v1/payments': { order: order.orderId, amountCents: 1220, method: 'bonifico', reference: 'CRO-2' },
      'POST /api/v1/payments/{id}/resolve': { action: 'not_ours', reason: 'not for us' },
      'POST /api/v1/refunds/{id}': { refundedOn: '2026-05-02', transferRef: 'TRN-1' },
    }
    const problems: string[] = []
    const answered: string[] = []
    let called = 0
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const name = `${method.toUpperCase()} ${path}`
        let url = path
        const query = new URLSearchParams()
        for (const p of operation.parameters ?? []) {
          const value = p.name === 'id' && idOf[path] ? idOf[path] : values[p.name]
          if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(value))
          else if (p.required) query.set(p.name, value)
        }
        const json = operation.requestBody?.content['application/json']
        const body = json ? bodies[name] : undefined
        if (json && body === undefined) problems.push(`${name}: no body in this test`)
        const response = await api.call(method.toUpperCase() as 'GET' | 'POST', `${url}${query.size ? `?${query}` : ''}`, { body })
        called++
        answered.push(`${name} ${response.statusCode}`)
        const declared = operation.responses[String(response.statusCode)]
        if (!declared) {
          problems.push(`${name}: status ${response.statusCode} not in the document`)
          continue
        }
        const type = String(response.headers['content-type']).split(';')[0]
        const schema = declared.content?.[type]?.schema
        if (!schema) {
          problems.push(`${name}: ${response.statusCode} ${type} not in the document`)
          continue
        }
        const value = type === 'application/json' ? JSON.parse(response.body) : response.body
        if (!ajv.validate(schema, value)) problems.push(`${name}: ${response.statusCode} ${ajv.errorsText()} ${response.body.slice(0, 300)}`)
      }
    }
    expect(problems).toEqual([])
    expect(called).toBeGreaterThan(15)
    // the walk reached the successes, not only refusals
    for (const success of ['GET /api/v1/mailboxes/{address} 200', 'GET /api/v1/mailboxes/{address}/history 200', 'POST /api/v1/orders 200' /* R3: the open order, resumed */, 'POST /api/v1/payments 201', 'GET /api/v1/payments/held 200', 'POST /api/v1/payments/{id}/resolve 200', 'GET /api/v1/lifecycle/preview 200', 'GET /api/v1/reports/lapsed 200', 'GET /api/v1/orders/{id} 200']) {
      expect(answered).toContain(success)
    }
  })
})
