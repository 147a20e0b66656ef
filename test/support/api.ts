import { randomUUID } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { loadConfig } from '../../src/config'
import { createApiToken } from '../../src/api-tokens/manage-tokens'
import { revokeApiToken } from '../../src/api-tokens/manage-tokens'
import { FNOMCEO_DEMO, saveContract, saveConvention } from '../../src/catalog/queries'
import { parseCalendarDate } from '../../src/core/calendar'
import type { ManualClock } from '../../src/core/clock'
import { buildServices, type Services } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { BANK_ENV, TEST_SESSION_SECRET } from './config'
import { afterEach } from 'vitest'
import type { OpenTestDatabase, TestDatabase } from './databases'
import { TEST_PUBLIC_URL } from './deps'
import { clockOn, seedMailbox } from './seed'

/** The callers of the authorization table: each scope, a partner of each convention, a revoked token. */
export const CALLERS = ['read', 'orders', 'payments', 'admin', 'partner', 'otherPartner', 'revoked'] as const
export type Caller = (typeof CALLERS)[number] | 'none'

export interface ApiUnderTest {
  services: Services
  app: FastifyInstance
  clock: ManualClock
  tokens: Record<(typeof CALLERS)[number], string>
  mailbox: { address: string; accountId: string; id: number }
  /** A call as a client would make it: the token as a bearer, a fresh Idempotency-Key on a POST unless one is given. */
  call(method: 'GET' | 'POST', url: string, options?: { as?: Caller; body?: unknown; key?: string | null; headers?: Record<string, string> }): Promise<LightMyRequestResponse>
}

/** The web server on a test database with the FNOMCEO convention (and a second one), its contracts, one mailbox and a token per caller. */
export async function startApi(t: TestDatabase, today = '2026-05-02'): Promise<ApiUnderTest> {
  const db = t.database.db
  await saveConvention(db, FNOMCEO_DEMO)
  await saveConvention(db, { ...FNOMCEO_DEMO, convention: { ...FNOMCEO_DEMO.convention, code: 'OMCEO-MI', name: 'Ordine di Milano' } })
  for (const [code, onerous] of [['condizioni-generali', false], ['clausole-vessatorie', true]] as const) {
    await saveContract(db, {
      document: { code, titleIt: `Documento ${code}`, titleEn: `Document ${code}`, onerous },
      versions: [{ version: '2.0', effectiveFrom: parseCalendarDate('2026-01-01'), url: '-', body: 'Testo.' }],
    })
  }
  const clock = clockOn(today)
  const services = buildServices(loadConfig({ DATABASE_URL: 'memory://', PUBLIC_URL: TEST_PUBLIC_URL, SESSION_SECRET: TEST_SESSION_SECRET, ...BANK_ENV }), t.database, clock)
  const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30', accountId: 'FNOM000001', address: 'mario.rossi@pec.example.it' })
  const make = async (name: string, scopes: string[], conventionCode?: string) =>
    (await createApiToken(services.deps, { name, scopes, conventionCode, actor: 'operator:setup' })).token
  const tokens = {
    read: await make('crm', ['read']),
    orders: await make('shop', ['orders']),
    payments: await make('erp', ['payments']),
    admin: await make('ops', ['admin']),
    partner: await make('fnomceo', ['read'], 'FNOMCEO'),
    otherPartner: await make('omceo-mi', ['read'], 'OMCEO-MI'),
    revoked: await make('old', ['admin']),
  }
  await revokeApiToken(services.deps, { token: 'old', actor: 'operator:setup' })
  const app = await buildServer(services)
  return {
    services,
    app,
    clock,
    tokens,
    mailbox: { address: mailbox.address, accountId: mailbox.accountId, id: mailbox.id },
    call(method, url, options = {}) {
      const as = options.as ?? 'admin'
      const headers: Record<string, string> = { ...options.headers }
      if (as !== 'none') headers.authorization = `Bearer ${tokens[as]}`
      if (method === 'POST' && options.key !== null) headers['idempotency-key'] = options.key ?? randomUUID()
      return app.inject({ method, url, headers, ...(options.body !== undefined ? { payload: options.body as object } : {}) })
    },
  }
}

/** A billing form the portal accepts for the seeded holder. */
export const BILLING = {
  kind: 'person',
  name: 'Maria Rossi',
  fiscalCode: 'RSSMRA85T10A562S',
  street: 'Via Merulana',
  streetNumber: '12',
  postalCode: '00184',
  city: 'Roma',
  province: 'RM',
  country: 'Italia',
}

/** startApi for a describe block: each test's server and database closed after it. */
export function apiUnderTest(open: OpenTestDatabase) {
  let t: TestDatabase | undefined
  let api: ApiUnderTest | undefined
  afterEach(async () => {
    await api?.app.close()
    await t?.close()
    api = t = undefined
  })
  return {
    async start(today?: string): Promise<ApiUnderTest & { t: TestDatabase }> {
      t = await open()
      api = await startApi(t, today)
      return { ...api, t }
    },
  }
}
