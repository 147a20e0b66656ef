import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import type { ManualClock } from '../../src/core/clock'
import { auditLog } from '../../src/db/schema'
import { operatorRecoveryCodes, operators, operatorSessions } from '../../src/operators/schema'
import { MAX_SECOND_FACTOR_FAILURES, resetSecondFactor, sealPlainTotpSecrets, totpCode } from '../../src/operators/second-factor'
import { openSecret } from '../../src/core/secret-box'
import { addOperator } from '../../src/operators/add-operator'
import { setOperatorRole } from '../../src/operators/set-operator-role'
import type { Services } from '../../src/services'
import { testDatabases, type TestDatabase } from '../support/databases'
import { enrolmentKey, OPERATOR_PASSWORD, signInAsOperator, serverUnderTest } from '../support/office'
import { WebClient, csrfToken } from '../support/web-client'

const PASSWORD = OPERATOR_PASSWORD

describe.each(testDatabases())('%s: the operators’ second factor (TOTP)', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  let clock: ManualClock
  let services: Services
  const server = serverUnderTest(open)

  async function setup() {
    ;({ t, services, clock, app } = await server.start({ convention: false, today: '2026-06-01', operators: [{ username: 'bea', displayName: 'Beatrice', role: 'billing' }] }))
  }
  async function passwordOnly(client: WebClient, next = '/ufficio/estratti') {
    const page = await client.get(`/ufficio/accedi?next=${encodeURIComponent(next)}`)
    return client.post('/ufficio/accedi', { username: 'bea', password: PASSWORD, next }, page.body)
  }
  const operator = async () => (await t.database.db.select().from(operators).where(eq(operators.username, 'bea')))[0]

  it('enrols by QR code at the first sign-in: nothing else opens until a code confirms it; ten recovery codes, shown once, kept hashed', async () => {
    await setup()
    const client = new WebClient(app)
    const signedIn = await passwordOnly(client)
    expect(signedIn.headers.location).toBe('/ufficio/secondo-fattore?next=%2Fufficio%2Festratti')
    // with only the password, every page leads to the second factor
    for (const path of ['/ufficio', '/ufficio/estratti']) {
      const response = await client.get(path)
      expect(response.statusCode, path).toBe(303)
      expect(String(response.headers.location)).toMatch(/^\/ufficio\/secondo-fattore/)
    }
    const enrol = await client.get('/ufficio/secondo-fattore?next=%2Fufficio%2Festratti')
    expect(enrol.body).toContain('<h1>Configura il secondo fattore</h1>')
    expect(enrol.body).toMatch(/<img src="data:image\/png;base64,[^"]+" width="220" height="220" alt="Codice QR da inquadrare con l’app di autenticazione">/)
    const key = enrolmentKey(enrol.body)
    expect((await client.get('/ufficio/secondo-fattore')).body).toContain(key.slice(0, 4)) // the same secret until confirmed
    // the secret is kept sealed (AES-256-GCM under OFFICE_TOTP_KEY): the column never holds it, in any encoding
    const column = (await operator()).totpSecret!
    expect(column).toMatch(/^v1:/)
    for (const form of [key, key.toLowerCase(), Buffer.from(key).toString('base64'), Buffer.from(key).toString('hex')]) expect(column).not.toContain(form)
    expect(openSecret(services.config.officeTotpKey, column)).toBe(key)
    expect((await operator()).totpEnrolledAt).toBeNull()

    const wrong = await client.post('/ufficio/secondo-fattore', { code: '000000', next: '/ufficio/estratti' }, enrol.body)
    expect(wrong.statusCode).toBe(422)
    expect(wrong.body).toContain(`Tentativi rimasti: ${MAX_SECOND_FACTOR_FAILURES - 1}.`)

    const done = await client.post('/ufficio/secondo-fattore', { code: totpCode(key, clock.now()), next: '/ufficio/estratti' }, enrol.body)
    expect(done.statusCode).toBe(200)
    const codes = [...done.body.matchAll(/<li><code>([a-z2-7]{5}-[a-z2-7]{5})<\/code><\/li>/g)].map((m) => m[1])
    expect(codes).toHaveLength(10)
    expect(done.body).toContain('href="/ufficio/estratti"')
    const stored = await t.database.db.select().from(operatorRecoveryCodes)
    expect(stored).toHaveLength(10)
    for (const code of codes) expect(JSON.stringify(stored)).not.toContain(code.replace('-', ''))
    expect((await client.get('/ufficio/estratti')).statusCode).toBe(200)
    expect((await operator()).totpEnrolledAt).not.toBeNull()
    const audit = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'operator.second_factor_enrolled'))
    expect(audit).toMatchObject([{ actor: 'operator:bea', data: { username: 'bea' } }])
  })

  it('signs in with a code from the app, once: the same code again is refused; a recovery code works once', async () => {
    await setup()
    const key = (await signInAsOperator(new WebClient(app), clock, 'bea', PASSWORD))!
    // the first sign-in's recovery codes, made again by a reset and a new enrolment we read back
    const client = new WebClient(app)
    await passwordOnly(client, '/ufficio')
    const form = await client.get('/ufficio/secondo-fattore')
    expect(form.body).toContain('<h1>Secondo fattore</h1>')
    clock.advanceMs(30_000)
    const code = totpCode(key, clock.now())
    expect((await client.post('/ufficio/secondo-fattore', { code, next: '/ufficio' }, form.body)).headers.location).toBe('/ufficio')
    expect((await client.get('/ufficio')).statusCode).toBe(200)

    const other = new WebClient(app) // the same code on another session, in the same 30 seconds: a replay
    await passwordOnly(other, '/ufficio')
    const replay = await other.post('/ufficio/secondo-fattore', { code, next: '/ufficio' }, (await other.get('/ufficio/secondo-fattore')).body)
    expect(replay.statusCode).toBe(422)
    expect(replay.body).toContain('Il codice non è corretto o è già stato usato.')
  })

  it('a recovery code opens one session and is spent; too many wrong codes close the session', async () => {
    await setup()
    const first = new WebClient(app)
    await passwordOnly(first, '/ufficio')
    const enrol = await first.get('/ufficio/secondo-fattore')
    const done = await first.post('/ufficio/secondo-fattore', { code: totpCode(enrolmentKey(enrol.body), clock.now()) }, enrol.body)
    const [recovery] = [...done.body.matchAll(/<code>([a-z2-7]{5}-[a-z2-7]{5})<\/code>/g)].map((m) => m[1])

    const lostPhone = new WebClient(app)
    await passwordOnly(lostPhone, '/ufficio')
    const form = await lostPhone.get('/ufficio/secondo-fattore')
    const used = await lostPhone.post('/ufficio/secondo-fattore', { code: recovery.toUpperCase() }, form.body)
    expect(used.statusCode).toBe(200)
    expect(used.body).toContain('Te ne restano 9')
    expect((await lostPhone.get('/ufficio')).statusCode).toBe(200)
    expect(await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'operator.recovery_code_used'))).toHaveLength(1)

    const again = new WebClient(app)
    await passwordOnly(again, '/ufficio')
    const page = await again.get('/ufficio/secondo-fattore')
    for (let i = 1; i < MAX_SECOND_FACTOR_FAILURES; i++) expect((await again.post('/ufficio/secondo-fattore', { code: recovery }, page.body)).statusCode).toBe(422)
    const closed = await again.post('/ufficio/secondo-fattore', { code: recovery }, page.body)
    expect(closed.statusCode).toBe(403)
    expect(closed.body).toContain('Troppi codici errati')
    expect(again.cookies.has('pec_op_sid')).toBe(false)
    expect(await t.database.db.select().from(operatorSessions)).toHaveLength(2) // the two good ones
  })

  it('asks for it at the next page when an operator is made billing; an admin’s reset makes them enrol again', async () => {
    await setup()
    await setOperatorRole(services.deps, { username: 'bea', role: 'support', actor: 'operator:admin' })
    const client = new WebClient(app)
    expect((await passwordOnly(client, '/ufficio')).headers.location).toBe('/ufficio')
    expect((await client.get('/ufficio')).statusCode).toBe(200)
    await setOperatorRole(services.deps, { username: 'bea', role: 'billing', actor: 'operator:admin' })
    expect(String((await client.get('/ufficio')).headers.location)).toMatch(/^\/ufficio\/secondo-fattore/)
    const enrol = await client.get('/ufficio/secondo-fattore') // on the same session
    expect((await client.post('/ufficio/secondo-fattore', { code: totpCode(enrolmentKey(enrol.body), clock.now()) }, enrol.body)).statusCode).toBe(200)
    expect((await client.get('/ufficio')).statusCode).toBe(200)
    expect((await operator()).totpEnrolledAt).not.toBeNull()

    expect(await resetSecondFactor(services.deps, { username: 'bea', actor: 'operator:admin' })).toEqual({ username: 'bea', sessionsClosed: 1 })
    expect(await operator()).toMatchObject({ totpSecret: null, totpEnrolledAt: null })
    expect(await t.database.db.select().from(operatorRecoveryCodes)).toEqual([])
    expect((await client.get('/ufficio')).statusCode).toBe(303)
    await passwordOnly(client, '/ufficio')
    expect((await client.get('/ufficio/secondo-fattore')).body).toContain('Configura il secondo fattore')
  })

  it('seals a secret an older release stored in clear: at serve start (sealPlainTotpSecrets) and when the operator signs in', async () => {
    await setup()
    await addOperator(services.deps, { username: 'carlo', displayName: 'Carlo', password: PASSWORD, role: 'admin', actor: 'operator:setup' })
    const plain = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'
    const enrolled = { totpSecret: plain, totpEnrolledAt: clock.now() }
    await t.database.db.update(operators).set(enrolled).where(eq(operators.username, 'bea'))
    await t.database.db.update(operators).set(enrolled).where(eq(operators.username, 'carlo'))
    const column = async (username: string) => (await t.database.db.select().from(operators).where(eq(operators.username, username)))[0].totpSecret!

    // bea signs in before any sweep: her code is checked against the plain secret, which is sealed in the same transaction
    const client = new WebClient(app)
    await passwordOnly(client, '/ufficio')
    const form = await client.get('/ufficio/secondo-fattore')
    clock.advanceMs(30_000)
    expect((await client.post('/ufficio/secondo-fattore', { code: totpCode(plain, clock.now()) }, form.body)).statusCode).toBe(303)
    expect(await column('bea')).toMatch(/^v1:/)
    expect(await column('bea')).not.toContain(plain)
    expect(await column('carlo')).toBe(plain)

    expect(await sealPlainTotpSecrets(services.deps)).toBe(1)
    expect(await sealPlainTotpSecrets(services.deps)).toBe(0)
    expect(await column('carlo')).not.toContain(plain)
    expect(openSecret(services.config.officeTotpKey, await column('carlo'))).toBe(plain)
    // the sealed secret still signs carlo in
    const other = new WebClient(app)
    const page = await other.get('/ufficio/accedi')
    await other.post('/ufficio/accedi', { username: 'carlo', password: PASSWORD, next: '/ufficio' }, page.body)
    const second = await other.get('/ufficio/secondo-fattore')
    expect((await other.post('/ufficio/secondo-fattore', { code: totpCode(plain, clock.now()) }, second.body)).statusCode).toBe(303)
  })

  it('refuses a code posted without its CSRF token, and a visitor with no session', async () => {
    await setup()
    const client = new WebClient(app)
    await passwordOnly(client, '/ufficio')
    await client.get('/ufficio/secondo-fattore')
    expect((await client.post('/ufficio/secondo-fattore', { code: '123456' })).statusCode).toBe(403)
    const stranger = new WebClient(app)
    const page = await stranger.get('/ufficio/accedi')
    expect((await stranger.post('/ufficio/secondo-fattore', { code: '123456', _csrf: csrfToken(page.body)! })).headers.location).toBe('/ufficio/accedi')
  })
})
