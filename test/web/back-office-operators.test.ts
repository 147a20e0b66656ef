import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { verifyPassword } from '../../src/accounts/passwords'
import { auditLog } from '../../src/db/schema'
import { operators } from '../../src/operators/schema'
import { testDatabases, type TestDatabase } from '../support/databases'
import { serverUnderTest, type OfficeUnderTest } from '../support/office'

describe.each(testDatabases())('%s: managing operators in the back office', (_name, open) => {
  let t: TestDatabase
  const server = serverUnderTest(open)
  let office: OfficeUnderTest
  async function setup() {
    office = await server.start({
      convention: false,
      today: '2026-06-01',
      operators: [
        { username: 'ada', displayName: 'Ada', role: 'admin' },
        { username: 'sara', displayName: 'Sara', role: 'support' },
      ],
    })
    t = office.t
  }
  const row = async (username: string) => (await t.database.db.select().from(operators).where(eq(operators.username, username)))[0]

  it('an admin adds an operator, changes a role, sets a password, disables and enables, each audited in the admin’s name', async () => {
    await setup()
    const admin = await office.signIn('ada')
    const page = await admin.get('/ufficio/operatori')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('<h1>Operatori</h1>')
    expect(page.body).toContain('href="/ufficio/operatori"') // the nav shows it to admins

    const short = await admin.post('/ufficio/operatori', { username: 'bea', name: 'Bea', role: 'billing', password: 'corta' }, page.body)
    expect(short.statusCode).toBe(422)
    expect(short.body).toMatch(/class="error-summary"[\s\S]*href="#new-password"/)
    expect(await row('bea')).toBeUndefined()

    const added = await admin.post('/ufficio/operatori', { username: 'Bea', name: 'Bea', role: 'billing', password: 'una password lunga' }, page.body)
    expect(added.headers.location).toBe('/ufficio/operatori?fatto=added&chi=bea')
    expect((await admin.get(String(added.headers.location))).body).toContain('Operatore bea aggiunto.')
    expect(await row('bea')).toMatchObject({ role: 'billing', displayName: 'Bea' })

    expect((await admin.post('/ufficio/operatori/sara/ruolo', { role: 'read-only' }, page.body)).statusCode).toBe(303)
    expect((await row('sara')).role).toBe('read-only')
    expect((await admin.post('/ufficio/operatori/sara/password', { password: 'nuova password lunga' }, page.body)).statusCode).toBe(303)
    expect(await verifyPassword('nuova password lunga', (await row('sara')).passwordHash)).toBe(true)
    expect((await admin.post('/ufficio/operatori/sara/disattiva', {}, page.body)).statusCode).toBe(303)
    expect((await row('sara')).disabledAt).not.toBeNull()
    expect((await admin.post('/ufficio/operatori/sara/riattiva', {}, page.body)).statusCode).toBe(303)
    expect((await row('sara')).disabledAt).toBeNull()

    const refused = await admin.post('/ufficio/operatori/ada/ruolo', { role: 'support' }, page.body)
    expect(refused.statusCode).toBe(409)
    expect(refused.body).toContain('È l’ultimo amministratore attivo')

    const actions = (await t.database.db.select().from(auditLog)).filter((a) => a.actor === 'operator:ada').map((a) => a.action)
    expect(actions).toEqual(expect.arrayContaining(['operator.created', 'operator.role_set', 'operator.password_set', 'operator.disabled', 'operator.enabled']))
  })

  it('a support operator gets 403 on every operator page and action, and changes nothing', async () => {
    await setup()
    const support = await office.signIn('sara')
    const home = await support.get('/ufficio')
    expect(home.body).not.toContain('href="/ufficio/operatori"')
    expect((await support.get('/ufficio/operatori')).statusCode).toBe(403)
    expect((await support.post('/ufficio/operatori', { username: 'mallory', role: 'admin', password: 'una password lunga' }, home.body)).statusCode).toBe(403)
    for (const action of ['ruolo', 'disattiva', 'password', 'secondo-fattore']) {
      expect((await support.post(`/ufficio/operatori/ada/${action}`, { role: 'read-only', password: 'una password lunga' }, home.body)).statusCode, action).toBe(403)
    }
    expect((await support.post('/ufficio/operatori/sara/ruolo', { role: 'admin' }, home.body)).statusCode).toBe(403)
    expect(await row('mallory')).toBeUndefined()
    expect(await row('ada')).toMatchObject({ role: 'admin', disabledAt: null })
    expect((await row('sara')).role).toBe('support')
  })
})
