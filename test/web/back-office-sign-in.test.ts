import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { hashPassword } from '../../src/accounts/passwords'
import { accounts, signInFailures } from '../../src/accounts/schema'
import { IDENTIFIER_CEILING } from '../../src/accounts/sign-in-guard'
import type { ManualClock } from '../../src/core/clock'
import { addOperator } from '../../src/operators/add-operator'
import { disableOperator } from '../../src/operators/disable-operator'
import { enableOperator } from '../../src/operators/enable-operator'
import { unlockOperator } from '../../src/operators/unlock-operator'
import { operatorSessions, operatorSignInFailures } from '../../src/operators/schema'
import type { Services } from '../../src/services'
import { officeMessages } from '../../src/web/admin/messages'
import { OPERATOR_PASSWORD, serverUnderTest } from '../support/office'
import { testDatabases, type TestDatabase } from '../support/databases'
import { seedMailbox } from '../support/seed'
import { WebClient } from '../support/web-client'
import { TEST_HASH_COST } from '../support/config'

const PASSWORD = OPERATOR_PASSWORD

describe('back-office texts', () => {
  it('has every Italian text in English too, and no more', () => {
    expect(Object.keys(officeMessages.en).sort()).toEqual(Object.keys(officeMessages.it).sort())
  })
})

describe.each(testDatabases())('%s: back-office sign-in', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  let clock: ManualClock
  let services: Services
  const server = serverUnderTest(open)

  async function setup() {
    ;({ t, services, clock, app } = await server.start({ today: '2026-06-01', operators: [{ username: 'anna', displayName: 'Anna Bianchi', role: 'support' }] })) // 12:00 in Rome
    const db = t.database.db
    await seedMailbox(db, { expiresOn: '2026-07-01', address: 'medico@pec.example.it', accountId: 'FNOM000010' })
    await db.update(accounts).set({ passwordHash: await hashPassword('holder-secret', TEST_HASH_COST) }).where(eq(accounts.id, 'FNOM000010'))
  }

  async function signIn(client: WebClient, username: string, password: string) {
    const page = await client.get('/ufficio/accedi')
    return client.post('/ufficio/accedi', { username, password }, page.body)
  }

  it('sends a visitor without an operator session to the sign-in page, in Italian or English', async () => {
    await setup()
    const client = new WebClient(app)
    for (const path of ['/ufficio', '/ufficio/estratti', '/ufficio/bollettini']) {
      const response = await client.get(path)
      expect(response.statusCode, path).toBe(303)
      expect(response.headers.location).toBe(`/ufficio/accedi?next=${encodeURIComponent(path)}`)
    }
    const page = await client.get('/ufficio/accedi')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('<html lang="it">')
    expect(page.body).toContain('<h1>Accesso operatori</h1>')
    expect(page.body).toMatch(/<label for="username">Nome utente<\/label>/)
    expect(page.body).toMatch(/name="_csrf" value="[^"]+"/)
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe-inline/)
    const english = await client.get('/ufficio/accedi?lang=en')
    expect(english.body).toContain('<html lang="en">')
    expect(english.body).toContain('<h1>Operator sign-in</h1>')
    expect((await client.get('/ufficio/nowhere')).statusCode).toBe(404)
  })

  it('refuses the form without its CSRF token', async () => {
    await setup()
    const client = new WebClient(app)
    await client.get('/ufficio/accedi')
    const response = await client.post('/ufficio/accedi', { username: 'anna', password: PASSWORD })
    expect(response.statusCode).toBe(403)
    expect(response.body).toContain('La pagina è scaduta per sicurezza')
    expect(client.cookies.has('pec_op_sid')).toBe(false)
  })

  it('signs in on a fresh, strict, HttpOnly cookie of its own path, shows the operator, and signs out', async () => {
    await setup()
    const client = new WebClient(app)
    const wrong = await signIn(client, 'anna', 'not the password')
    expect(wrong.statusCode).toBe(422)
    expect(wrong.body).toContain('Nome utente o password non corretti.')
    expect(wrong.body).toMatch(/class="error-summary"[\s\S]*href="#username"/)

    client.cookies.set('pec_op_sid', 'planted-by-an-attacker')
    const page = await client.get('/ufficio/accedi?next=/ufficio/estratti')
    const response = await client.post('/ufficio/accedi', { username: ' Anna ', password: PASSWORD, next: '/ufficio/estratti' }, page.body)
    expect(response.statusCode).toBe(303)
    expect(response.headers.location).toBe('/ufficio/estratti')
    const cookie = [response.headers['set-cookie']].flat().find((c) => c!.startsWith('pec_op_sid='))!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect(cookie).toMatch(/Secure/)
    expect(cookie).toMatch(/Path=\/ufficio/)
    const token = client.cookies.get('pec_op_sid')!
    expect(token).not.toBe('planted-by-an-attacker')
    // the table keeps only the token's hash
    const [stored] = await t.database.db.select().from(operatorSessions)
    expect(stored.username).toBe('anna')
    expect(stored.tokenHash).not.toContain(token)

    const home = await client.get('/ufficio')
    expect(home.statusCode).toBe(200)
    expect(home.body).toContain('Operatore: Anna Bianchi')
    expect(home.body).not.toContain('href="/ufficio/estratti"') // support: no billing links

    const out = await client.post('/ufficio/esci', {}, home.body)
    expect(out.headers.location).toBe('/ufficio/accedi?uscito=1')
    expect(await t.database.db.select().from(operatorSessions)).toEqual([])
    expect((await client.get('/ufficio')).statusCode).toBe(303)
    client.cookies.set('pec_op_sid', token) // the old token is dead
    expect((await client.get('/ufficio')).statusCode).toBe(303)
  })

  it('never redirects outside the back office after sign-in', async () => {
    await setup()
    const client = new WebClient(app)
    const page = await client.get('/ufficio/accedi')
    for (const next of ['//evil.example/x', 'https://evil.example/', '/caselle']) {
      const response = await client.post('/ufficio/accedi', { username: 'anna', password: PASSWORD, next }, page.body)
      expect(response.headers.location, next).toBe('/ufficio')
    }
  })

  it('finding 4: a wrong-password flood from one client slows only that client, in the operators’ own count; the operator signs in from another at once', async () => {
    await setup()
    await addOperator(services.deps, { username: 'demo', password: PASSWORD, role: 'support', actor: 'operator:setup' })
    const attacker = new WebClient(app, { ip: '203.0.113.66' })
    for (const username of ['anna', 'demo']) {
      for (let i = 1; i <= 3; i++) expect((await signIn(attacker, username, `wrong ${i}`)).statusCode).toBe(422)
      const slowed = await signIn(attacker, username.toUpperCase(), PASSWORD) // any spelling; even the right password waits
      expect(slowed.statusCode).toBe(429)
      expect(slowed.headers['retry-after']).toBe('1')
      expect(slowed.body).toContain('Troppi tentativi non riusciti per questo nome utente da questa connessione: puoi riprovare tra 1 secondo.')
      expect((await signIn(new WebClient(app, { ip: '198.51.100.7' }), username, PASSWORD)).statusCode).toBe(303)
    }
    expect(attacker.cookies.has('pec_op_sid')).toBe(false)
    expect((await t.database.db.select({ identifier: operatorSignInFailures.identifier }).from(operatorSignInFailures)).map((r) => r.identifier).sort()).toEqual(['anna', 'demo'])
    expect(await t.database.db.select().from(signInFailures)).toEqual([]) // not the holders' count

    clock.advanceMs(1_000)
    expect((await signIn(attacker, 'anna', PASSWORD)).statusCode).toBe(303) // the wait is over for that client too
  })

  it('finding 4: a distributed attack reaches the ceiling; the page says to ask for an unlock, and operator unlock lets the operator in', async () => {
    await setup()
    let failures = 0
    for (let c = 0; failures < IDENTIFIER_CEILING; c++) {
      const client = new WebClient(app, { ip: `198.51.100.${c}` })
      for (let i = 0; i < 3 && failures < IDENTIFIER_CEILING; i++, failures++) expect((await signIn(client, 'anna', `guess ${c}.${i}`)).statusCode).toBe(422)
    }
    const blocked = await signIn(new WebClient(app, { ip: '203.0.113.5' }), 'anna', PASSWORD)
    expect(blocked.statusCode).toBe(403)
    expect(blocked.body).toContain('Chiedi a chi amministra gli operatori di sbloccarlo (pec-renewal operator unlock anna)')
    clock.advanceMs(3 * 24 * 3_600_000) // not a wait
    expect((await signIn(new WebClient(app, { ip: '203.0.113.5' }), 'anna', PASSWORD)).statusCode).toBe(403)

    expect(await unlockOperator(services.deps, { username: 'anna', actor: 'operator:admin' })).toMatchObject({ kind: 'unlocked', blocked: true })
    expect((await signIn(new WebClient(app, { ip: '203.0.113.5' }), 'anna', PASSWORD)).statusCode).toBe(303)
  })

  it('refuses a disabled operator: the right password is told so, in Italian or English; a wrong one gets the usual answer', async () => {
    await setup()
    await disableOperator(services.deps, { username: 'anna', actor: 'operator:admin' })
    const client = new WebClient(app)
    const refused = await signIn(client, 'anna', PASSWORD)
    expect(refused.statusCode).toBe(403)
    expect(refused.body).toContain('Questo account operatore è disattivato e non può accedere.')
    expect(refused.body).toMatch(/class="error-summary"[\s\S]*href="#username"/)
    expect(client.cookies.has('pec_op_sid')).toBe(false)
    const page = await client.get('/ufficio/accedi?lang=en')
    const english = await client.post('/ufficio/accedi', { username: 'anna', password: PASSWORD }, page.body)
    expect(english.body).toContain('This operator account is disabled and cannot sign in.')
    const wrong = await signIn(client, 'anna', 'not the password')
    expect(wrong.statusCode).toBe(422)
    expect(wrong.body).not.toMatch(/disattivato|disabled/)
    expect(await t.database.db.select().from(operatorSessions)).toEqual([])

    await enableOperator(services.deps, { username: 'anna', actor: 'operator:admin' })
    expect((await signIn(new WebClient(app), 'anna', PASSWORD)).statusCode).toBe(303)
  })

  it('ends an operator’s open session when they are disabled: the next page asks to sign in', async () => {
    await setup()
    const client = new WebClient(app)
    expect((await signIn(client, 'anna', PASSWORD)).statusCode).toBe(303)
    expect((await client.get('/ufficio')).statusCode).toBe(200)
    const token = client.cookies.get('pec_op_sid')!

    await disableOperator(services.deps, { username: 'anna', actor: 'operator:admin' })
    const after = await client.get('/ufficio')
    expect(after.statusCode).toBe(303)
    expect(after.headers.location).toBe('/ufficio/accedi?next=%2Fufficio')
    client.cookies.set('pec_op_sid', token)
    expect((await client.get('/ufficio')).statusCode).toBe(303)
  })

  it('answers a flood from one IP with a readable 429 page', async () => {
    await setup()
    const client = new WebClient(app)
    const page = await client.get('/ufficio/accedi')
    for (let i = 0; i < 20; i++) expect((await client.post('/ufficio/accedi', { username: '', password: '' }, page.body)).statusCode).toBe(422)
    const limited = await client.post('/ufficio/accedi', { username: 'anna', password: PASSWORD }, page.body)
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['content-type']).toMatch(/^text\/html/)
    expect(limited.body).toContain('<h1>Troppi tentativi</h1>')
    expect(limited.body).toContain('href="/ufficio"')
  })

  it('a holder’s session never opens the back office, and an operator’s never opens the portal', async () => {
    await setup()
    const holder = new WebClient(app)
    const portal = await holder.get('/rinnova')
    expect((await holder.post('/accedi', { identifier: 'FNOM000010', password: 'holder-secret' }, portal.body)).statusCode).toBe(303)
    expect((await holder.get('/caselle')).statusCode).toBe(200)
    const holderToken = holder.cookies.get('pec_sid')!
    expect((await holder.get('/ufficio/estratti')).statusCode).toBe(303)
    holder.cookies.set('pec_op_sid', holderToken) // the holder's token offered as an operator's
    const forged = await holder.get('/ufficio/estratti')
    expect(forged.statusCode).toBe(303)
    expect(forged.headers.location).toMatch(/^\/ufficio\/accedi/)

    const operator = new WebClient(app)
    expect((await signIn(operator, 'anna', PASSWORD)).statusCode).toBe(303)
    const operatorToken = operator.cookies.get('pec_op_sid')!
    const visitor = new WebClient(app)
    visitor.cookies.set('pec_sid', operatorToken)
    const caselle = await visitor.get('/caselle')
    expect(caselle.statusCode).toBe(303)
    expect(caselle.headers.location).toMatch(/^\/rinnova/)
    // and a holder's password is no operator's
    expect((await signIn(new WebClient(app), 'FNOM000010', 'holder-secret')).statusCode).toBe(422)
  })
})
