import type { FastifyInstance } from 'fastify'
import { afterEach, expect } from 'vitest'
import type { ManualClock } from '../../src/core/clock'
import type { Database } from '../../src/db/client'
import { addOperator } from '../../src/operators/add-operator'
import type { OperatorRole } from '../../src/operators/roles'
import { totpCode } from '../../src/operators/second-factor'
import { buildServices, type Services } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { TEST_SESSION_SECRET, testConfig } from './config'
import { TEST_PUBLIC_URL } from './deps'
import type { OpenTestDatabase, TestDatabase } from './databases'
import { clockOn, seedConvention } from './seed'
import { WebClient } from './web-client'

/** The password of every operator startOffice adds. */
export const OPERATOR_PASSWORD = 'operatore-di-prova-1'

/** The services a web test runs: production mode (no demo), a fixed public URL and session secret, the test's clock. */
export function testServices(database: Database, clock: ManualClock, env: Record<string, string> = {}): Services {
  return buildServices(testConfig({ DATABASE_URL: 'memory://', PUBLIC_URL: TEST_PUBLIC_URL, SESSION_SECRET: TEST_SESSION_SECRET, ...env }), database, clock)
}

export interface Office {
  clock: ManualClock
  services: Services
  app: FastifyInstance
  /** A browser of its own, signed in as `username` through the forms (enrolling the second factor when the role asks for it). */
  signIn(username: string): Promise<WebClient>
}

export interface OfficeOptions {
  /** The business day the clock shows (noon in Rome). */
  today: string
  /** Added before the server starts, each with OPERATOR_PASSWORD. */
  operators?: Array<{ username: string; role: OperatorRole; displayName?: string }>
  env?: Record<string, string>
}

/** The web server as the back office's tests use it: services on the test database, its operators, the server built. */
export async function startOffice(database: Database, options: OfficeOptions): Promise<Office> {
  const clock = clockOn(options.today)
  const services = testServices(database, clock, options.env)
  for (const operator of options.operators ?? []) {
    await addOperator(services.deps, { ...operator, password: OPERATOR_PASSWORD, actor: 'operator:setup' })
  }
  const app = await buildServer(services)
  return {
    clock,
    services,
    app,
    async signIn(username) {
      const client = new WebClient(app)
      await signInAsOperator(client, clock, username, OPERATOR_PASSWORD)
      return client
    },
  }
}

/** The key the enrolment page shows (for typing into an app), without its spaces. */
export function enrolmentKey(html: string): string {
  const match = /<code id="totp-key">([A-Z2-7 ]+)<\/code>/.exec(html)
  if (!match) throw new Error('no TOTP key on the page')
  return match[1].replace(/ /g, '')
}

/**
 * Signs an operator in through the forms, as a browser would; when their role asks for the second
 * factor, enrols it (the first time) or gives a code from `secret`, half a minute later than the
 * last code (a code is good once). Returns the TOTP secret, if any.
 */
export async function signInAsOperator(client: WebClient, clock: ManualClock, username: string, password: string, secret?: string): Promise<string | undefined> {
  const page = await client.get('/ufficio/accedi')
  const signedIn = await client.post('/ufficio/accedi', { username, password }, page.body)
  expect(signedIn.statusCode, signedIn.body).toBe(303)
  const location = String(signedIn.headers.location)
  if (!location.startsWith('/ufficio/secondo-fattore')) return undefined
  const form = await client.get(location)
  expect(form.statusCode).toBe(200)
  const key = secret ?? enrolmentKey(form.body)
  clock.advanceMs(30_000)
  const given = await client.post('/ufficio/secondo-fattore', { code: totpCode(key, clock.now()) }, form.body)
  expect([200, 303], given.body).toContain(given.statusCode)
  return key
}

export interface OfficeUnderTest extends Office {
  t: TestDatabase
}

/**
 * For a describe block of web tests: `start` opens a test database (with the FNOMCEO convention
 * unless `convention: false`) and starts the server on it (startOffice); after each test the server
 * and the database are closed.
 */
export function serverUnderTest(open: OpenTestDatabase): { start(options: OfficeOptions & { convention?: boolean }): Promise<OfficeUnderTest> } {
  let t: TestDatabase | undefined
  let office: Office | undefined
  afterEach(async () => {
    await office?.app.close()
    await t?.close()
    office = t = undefined
  })
  return {
    async start(options) {
      t = await open()
      if (options.convention ?? true) await seedConvention(t.database.db)
      office = await startOffice(t.database, options)
      return { ...office, t }
    },
  }
}
