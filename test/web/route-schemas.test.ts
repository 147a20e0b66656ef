import type { RouteOptions } from 'fastify'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config'
import { buildServices } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { testDatabases, type TestDatabase } from '../support/databases'
import { DEMO_ENV } from '../support/config'
import { clockOn } from '../support/seed'

// Issue 10 §4: every route declares its shape, as fastify/demo does. This walks every route the
// server registers (demo mode: the mail viewer and the sandbox too) and names the ones that take
// input without saying which.

interface Schema {
  params?: { properties?: Record<string, unknown> }
  querystring?: unknown
  body?: unknown
  consumes?: string[]
  response?: Record<string, unknown>
}

/** The routes Fastify adds itself or serves files from: their input is the plugin's to check. */
const NOT_OURS = (route: RouteOptions) => route.url.startsWith('/static/') || route.method === 'HEAD'

/** The routes that answer JSON: they declare what they answer. */
const JSON_ROUTES = ['GET /healthz', 'POST /webhooks/:gateway']

function methods(route: RouteOptions): string[] {
  return Array.isArray(route.method) ? route.method : [route.method]
}

/** What a route's schema leaves undeclared, as "METHOD /url: what"; none when it says everything. */
function undeclared(route: RouteOptions): string[] {
  const schema = route.schema as Schema | undefined
  const name = `${methods(route).join(',')} ${route.url}`
  if (!schema) return [`${name}: no schema`]
  const missing: string[] = []
  for (const [, param] of route.url.matchAll(/:([A-Za-z_]+)/g)) {
    if (!schema.params?.properties?.[param]) missing.push(`${name}: param ${param}`)
  }
  if (methods(route).includes('POST') && !schema.body && !schema.consumes?.length) missing.push(`${name}: body`)
  if (JSON_ROUTES.includes(name) && !schema.response) missing.push(`${name}: response`)
  return missing
}

describe('every route declares its schema', () => {
  let t: TestDatabase | undefined
  afterAll(async () => t?.close())

  it('params, body (or the content type it consumes) and, for JSON, the response', async () => {
    t = await testDatabases()[0][1]()
    const routes: RouteOptions[] = []
    const services = buildServices(loadConfig({ DATABASE_URL: 'memory://', ...DEMO_ENV }), t.database, clockOn('2026-06-01'))
    const app = await buildServer(services, { onRoute: (route) => routes.push(route) })
    await app.ready()
    await app.close()

    const ours = routes.filter((r) => !NOT_OURS(r))
    // the walk sees the whole server: portal, back office, webhooks, health, the demo's mail viewer
    for (const url of ['/healthz', '/accedi', '/rinnovo/:mailboxId/durata', '/ufficio/esci', '/webhooks/:gateway', '/dev/posta/:id']) {
      expect(ours.map((r) => r.url)).toContain(url)
    }
    expect(ours.flatMap(undeclared)).toEqual([])
  })

  it('the check itself names what a route leaves out', () => {
    const handler = async () => null
    expect(undeclared({ method: 'GET', url: '/x/:id', handler })).toEqual(['GET /x/:id: no schema'])
    expect(undeclared({ method: 'POST', url: '/x/:id', handler, schema: { params: { type: 'object', properties: {} } } })).toEqual([
      'POST /x/:id: param id',
      'POST /x/:id: body',
    ])
    expect(undeclared({ method: 'POST', url: '/up', handler, schema: { consumes: ['multipart/form-data'] } as RouteOptions['schema'] })).toEqual([])
    expect(undeclared({ method: 'GET', url: '/healthz', handler, schema: {} })).toEqual(['GET /healthz: response'])
  })
})
