import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { apiRequests, auditLog, orders } from '../../../src/db/schema'
import { MAX_RESULTS } from '../../../src/flows/find-in-office'
import { placeOrder } from '../../../src/renewals/place-order'
import { BILLING, CALLERS, apiUnderTest, type ApiUnderTest, type Caller } from '../../support/api'
import { testDatabases } from '../../support/databases'
import { seedMailbox } from '../../support/seed'

type Scope = 'read' | 'orders' | 'payments' | 'admin'

interface RouteCase {
  method: 'GET' | 'POST'
  url: (api: ApiUnderTest, orderId: string) => string
  body?: (api: ApiUnderTest, orderId: string) => unknown
  scope: Scope
  /** A partner's token may call it (its own convention's mailboxes only). */
  partner?: 'own' | 'list'
  /** What an allowed caller gets (the first one; later ones may find the state changed). */
  ok: number[]
}

// Issue 15: every /api/v1 route × every caller. A partner of another convention gets 404 for a
// mailbox of FNOMCEO (as if there were none), an empty list from a list.
const ROUTES: RouteCase[] = [
  { method: 'GET', url: () => '/api/v1/mailboxes', scope: 'read', partner: 'list', ok: [200] },
  { method: 'GET', url: () => '/api/v1/mailboxes?q=mario', scope: 'read', partner: 'list', ok: [200] },
  { method: 'GET', url: (a) => `/api/v1/mailboxes/${a.mailbox.address}`, scope: 'read', partner: 'own', ok: [200] },
  { method: 'GET', url: (a) => `/api/v1/mailboxes/${a.mailbox.address}/history`, scope: 'read', partner: 'own', ok: [200] },
  { method: 'GET', url: (a) => `/api/v1/accounts/${a.mailbox.accountId}`, scope: 'read', ok: [200] },
  { method: 'GET', url: () => '/api/v1/reports/lapsed?from=2026-01-01&to=2026-12-31', scope: 'read', partner: 'list', ok: [200] },
  { method: 'GET', url: () => '/api/v1/reports/lapsed?from=2026-01-01&to=2026-12-31&format=csv', scope: 'read', partner: 'list', ok: [200] },
  { method: 'GET', url: (_a, o) => `/api/v1/orders/${o}`, scope: 'read', ok: [200] },
  {
    method: 'POST',
    url: () => '/api/v1/orders',
    body: (a) => ({ mailbox: a.mailbox.address, years: 1, method: 'bonifico', billing: BILLING, contractsAccepted: true }),
    scope: 'orders',
    ok: [200, 201],
  },
  { method: 'POST', url: (_a, o) => `/api/v1/orders/${o}/cancel`, body: () => ({ reason: 'asked by the holder' }), scope: 'orders', ok: [200, 409] },
  { method: 'POST', url: () => '/api/v1/payments', body: (_a, o) => ({ order: o, amountCents: 500, method: 'bonifico', reference: `CRO-${Math.random()}` }), scope: 'payments', ok: [201] },
  { method: 'GET', url: () => '/api/v1/payments/held', scope: 'payments', ok: [200] },
  { method: 'POST', url: () => '/api/v1/payments/999999/resolve', body: () => ({ action: 'not_ours', reason: 'x' }), scope: 'payments', ok: [404] },
  { method: 'GET', url: () => '/api/v1/refunds', scope: 'payments', ok: [200] },
  { method: 'POST', url: () => '/api/v1/refunds/999999', body: () => ({}), scope: 'payments', ok: [404] },
  { method: 'GET', url: () => '/api/v1/imports/999999', scope: 'payments', ok: [404] },
  { method: 'POST', url: () => '/api/v1/imports/statements', scope: 'payments', ok: [400] },
  { method: 'POST', url: () => '/api/v1/imports/slips', scope: 'payments', ok: [400] },
  { method: 'GET', url: () => '/api/v1/lifecycle/preview?date=2026-07-01', scope: 'read', ok: [200] },
  { method: 'GET', url: () => '/api/v1/invoices', scope: 'read', ok: [200] },
  { method: 'GET', url: () => '/api/v1/invoices/2026-000001/xml', scope: 'read', ok: [404] },
  { method: 'GET', url: () => '/api/v1/invoices/2026-000001/pdf', scope: 'read', ok: [404] },
]

/** What a caller gets from a route: 401 without a live token, 403 outside its scope, else the route's answer. */
function expected(route: RouteCase, caller: Caller): number[] {
  if (caller === 'none' || caller === 'revoked') return [401]
  if (caller === 'partner' || caller === 'otherPartner') {
    if (!route.partner) return [403]
    return caller === 'otherPartner' && route.partner === 'own' ? [404] : [200]
  }
  const allowed = caller === 'admin' || route.scope === caller || (route.scope === 'read' && true)
  return allowed ? route.ok : [403]
}

describe.each(testDatabases())('%s: /api/v1 authorization (issue 15)', (_name, open) => {
  const server = apiUnderTest(open)

  it('every route × every caller: 401 without a live token, 403 outside the scope or for a partner, 404 for another convention’s mailbox', async () => {
    const api = await server.start()
    const order = await placeOrder(api.services.deps, { mailboxId: api.mailbox.id, years: 1, method: 'bonifico', actor: 'holder:x' })
    const failures: string[] = []
    for (const route of ROUTES) {
      for (const caller of [...CALLERS, 'none'] as const) {
        const url = route.url(api, order.orderId)
        const response = await api.call(route.method, url, { as: caller, body: route.body?.(api, order.orderId) })
        const want = expected(route, caller)
        if (!want.includes(response.statusCode)) failures.push(`${route.method} ${url} as ${caller}: ${response.statusCode} (want ${want.join('|')}) ${response.body.slice(0, 200)}`)
        if (response.statusCode >= 400) {
          const body = JSON.parse(response.body)
          expect(Object.keys(body)).toEqual(['error'])
          expect(Object.keys(body.error)).toEqual(['code', 'message', 'details'])
        }
      }
    }
    expect(failures).toEqual([])
  }, 180_000) // 22 routes × 8 callers, and the first test of the file builds the server cold: minutes on a loaded machine

  it('a read token cannot register a payment, and nothing is written', async () => {
    const api = await server.start()
    const order = await placeOrder(api.services.deps, { mailboxId: api.mailbox.id, years: 1, method: 'bonifico', actor: 'holder:x' })
    const refused = await api.call('POST', '/api/v1/payments', { as: 'read', body: { order: order.orderId, amountCents: 1220, method: 'bonifico', reference: 'CRO-1' } })
    expect(refused.statusCode).toBe(403)
    expect(JSON.parse(refused.body).error.code).toBe('api_scope_missing')
    const [row] = await api.t.database.db.select().from(orders).where(eq(orders.id, order.orderId))
    expect(row.status).toBe('open')
  })

  it('a partner token sees its convention only: lists filtered, another convention’s mailbox is 404', async () => {
    const api = await server.start()
    const own = JSON.parse((await api.call('GET', '/api/v1/mailboxes', { as: 'partner' })).body)
    expect(own.data.map((m: { address: string }) => m.address)).toEqual([api.mailbox.address])
    const other = JSON.parse((await api.call('GET', '/api/v1/mailboxes?q=mario', { as: 'otherPartner' })).body)
    expect(other).toEqual({ object: 'list', data: [], has_more: false })
    const hidden = await api.call('GET', `/api/v1/mailboxes/${api.mailbox.address}`, { as: 'otherPartner' })
    expect(hidden.statusCode).toBe(404)
    expect(JSON.parse(hidden.body).error.code).toBe('mailbox_not_found')
    // even asking for the other convention by name does not widen a partner's view
    const widened = JSON.parse((await api.call('GET', '/api/v1/mailboxes?convention=FNOMCEO', { as: 'otherPartner' })).body)
    expect(widened.data).toEqual([])
  })

  it('a partner’s search looks among its convention’s mailboxes, not among the first found of every convention', async () => {
    const api = await server.start()
    const db = api.services.deps.db
    // more of another convention's holders, all named alike and listed first, than a page of results
    for (let k = 0; k < MAX_RESULTS + 5; k++) await seedMailbox(db, { expiresOn: '2026-06-30', address: `a-medico${k}@pec.example.it`, conventionCode: 'OMCEO-MI' })
    const own = JSON.parse((await api.call('GET', '/api/v1/mailboxes?q=maria%20rossi', { as: 'partner' })).body)
    expect(own.data.map((m: { address: string }) => m.address)).toEqual([api.mailbox.address])
    const other = JSON.parse((await api.call('GET', '/api/v1/mailboxes?q=maria%20rossi', { as: 'otherPartner' })).body)
    expect(other.data.length).toBeGreaterThan(0)
    expect(other.data.every((m: { convention: string }) => m.convention === 'OMCEO-MI')).toBe(true)
    const active = JSON.parse((await api.call('GET', '/api/v1/mailboxes?q=maria%20rossi&status=deactivated', { as: 'read' })).body)
    expect(active.data).toEqual([])
  })

  it('a forged, malformed or revoked token opens nothing, with WWW-Authenticate', async () => {
    const api = await server.start()
    const forged = `pecr_live_${'A'.repeat(43)}`
    for (const authorization of [`Bearer ${forged}`, 'Bearer x', `Basic ${api.tokens.admin}`, `Bearer ${api.tokens.revoked}`, api.tokens.admin]) {
      const response = await api.app.inject({ method: 'GET', url: `/api/v1/mailboxes/${api.mailbox.address}`, headers: { authorization } })
      expect(response.statusCode, authorization).toBe(401)
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/)
      expect(JSON.parse(response.body).error.code).toBe('api_token_invalid')
    }
  })

  it('every call is logged with its token; a write is audited in the token’s name', async () => {
    const api = await server.start()
    await api.call('GET', `/api/v1/mailboxes/${api.mailbox.address}`, { as: 'read' })
    const placed = await api.call('POST', '/api/v1/orders', { as: 'orders', body: { mailbox: api.mailbox.address, years: 1, method: 'bonifico', billing: BILLING, contractsAccepted: true } })
    expect(placed.statusCode, placed.body).toBe(201)
    await api.app.close() // flushes the request log
    const calls = await api.t.database.db.select().from(apiRequests).orderBy(apiRequests.id)
    expect(calls.map((c) => [c.method, c.route, c.status, c.target])).toEqual([
      ['GET', '/api/v1/mailboxes/:address', 200, api.mailbox.address],
      ['POST', '/api/v1/orders', 201, null],
    ])
    const audits = await api.t.database.db.select().from(auditLog).where(eq(auditLog.action, 'order.placed'))
    expect(audits.map((a) => a.actor)).toEqual(['api:shop'])
  })
})
