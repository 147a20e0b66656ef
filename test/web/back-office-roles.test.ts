import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { statementImports } from '../../src/payments/imports/schema'
import type { OperatorRole } from '../../src/operators/roles'
import { setOperatorRole } from '../../src/operators/set-operator-role'
import type { Services } from '../../src/services'
import { testDatabases, type TestDatabase } from '../support/databases'
import type { ManualClock } from '../../src/core/clock'
import { OPERATOR_PASSWORD, signInAsOperator, serverUnderTest } from '../support/office'
import { WebClient, type UploadFile } from '../support/web-client'

const PASSWORD = OPERATOR_PASSWORD
const FILE: UploadFile = { name: 'estratto.xml', content: '<Document/>' }

// Tried as an outsider would: an operator signed in with a role that may not do the work, calling the routes directly.
describe.each(testDatabases())('%s: back-office roles', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  let services: Services
  let clock: ManualClock
  const server = serverUnderTest(open)

  async function signedIn(role: OperatorRole) {
    ;({ t, services, clock, app } = await server.start({ convention: false, today: '2026-06-01', operators: [{ username: 'anna', role }] }))
    const client = new WebClient(app)
    await signInAsOperator(client, clock, 'anna', PASSWORD)
    return client
  }

  it.each(['support', 'read-only'] as const)('a %s operator gets 403 on the billing pages, by GET and by POST, and nothing is imported', async (role) => {
    const client = await signedIn(role)
    const home = await client.get('/ufficio')
    expect(home.statusCode).toBe(200)
    for (const path of ['/ufficio/estratti', '/ufficio/bollettini']) {
      const page = await client.get(path)
      expect(page.statusCode, path).toBe(403)
      expect(page.body).toContain(`Con il ruolo «${role === 'support' ? 'assistenza' : 'sola lettura'}» non puoi usare questa pagina.`)
      const upload = await client.upload(path, {}, FILE, home.body)
      expect(upload.statusCode, path).toBe(403)
    }
    const english = await client.get('/ufficio/estratti?lang=en')
    expect(english.body).toContain('cannot use this page')
    expect(await t.database.db.select().from(statementImports)).toEqual([])
  })

  it('a billing operator reaches them; made support by an admin, the same session is refused at its next request', async () => {
    const client = await signedIn('billing')
    expect((await client.get('/ufficio/estratti')).statusCode).toBe(200)
    await setOperatorRole(services.deps, { username: 'anna', role: 'support', actor: 'operator:admin' })
    expect((await client.get('/ufficio/estratti')).statusCode).toBe(403)
  })
})
