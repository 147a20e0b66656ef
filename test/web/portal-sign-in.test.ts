import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { hashPassword } from '../../src/accounts/passwords'
import { accounts, mailboxes } from '../../src/accounts/schema'
import { loadConfig } from '../../src/config'
import { buildServices } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { eq } from 'drizzle-orm'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { WebClient } from '../support/web-client'

describe.each(testDatabases())('%s: portal sign-in', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  afterEach(async () => {
    await app?.close()
    await t?.close()
  })

  async function setup() {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const first = await seedMailbox(db, { expiresOn: '2026-07-01', address: 'prima@pec.example.it', accountId: 'FNOM000010' })
    const second = await seedMailbox(db, { expiresOn: '2026-09-01', address: 'seconda@pec.example.it', accountId: 'FNOM000010' })
    const other = await seedMailbox(db, { expiresOn: '2026-08-01', address: 'altrui@pec.example.it', accountId: 'FNOM000099' })
    await db.update(accounts).set({ passwordHash: await hashPassword('account-secret') }).where(eq(accounts.id, 'FNOM000010'))
    await db.update(mailboxes).set({ passwordHash: await hashPassword('mailbox-secret') }).where(eq(mailboxes.id, second.id))
    const config = loadConfig({ DATABASE_URL: 'memory://', PUBLIC_URL: 'https://rinnovi.example.it', SESSION_SECRET: 'x'.repeat(32) })
    app = await buildServer(buildServices(config, t.database, clockOn('2026-06-01')))
    return { first, second, other }
  }

  it('shows an accessible Italian sign-in form with a CSRF token and security headers', async () => {
    await setup()
    const page = await new WebClient(app).get('/rinnova')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('<html lang="it">')
    expect(page.body).toMatch(/<label for="identifier">Codice cliente o casella PEC<\/label>/)
    expect(page.body).toMatch(/name="_csrf" value="[^"]+"/)
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/)
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe-inline/)
    const english = await new WebClient(app).get('/rinnova?lang=en')
    expect(english.body).toContain('<html lang="en">')
    expect(english.body).toContain('Customer account ID or PEC mailbox')
  })

  it('refuses a form without its CSRF token', async () => {
    await setup()
    const client = new WebClient(app)
    await client.get('/rinnova')
    const response = await client.post('/accedi', { identifier: 'FNOM000010', password: 'account-secret' })
    expect(response.statusCode).toBe(403)
    expect(client.cookies.has('pec_sid')).toBe(false)
  })

  it('says what is wrong, beside the field and in a summary, without telling which part', async () => {
    await setup()
    const client = new WebClient(app)
    const page = await client.get('/rinnova')
    const empty = await client.post('/accedi', { identifier: '', password: '' }, page.body)
    expect(empty.statusCode).toBe(422)
    expect(empty.body).toMatch(/class="error-summary"[\s\S]*href="#identifier"[\s\S]*href="#password"/)
    expect(empty.body).toContain('aria-invalid="true"')
    const wrong = await client.post('/accedi', { identifier: 'FNOM000010', password: 'nope' }, empty.body)
    expect(wrong.body).toContain('Codice cliente, casella o password non corretti.')
    const unknown = await client.post('/accedi', { identifier: 'FNOM999999', password: 'nope' }, wrong.body)
    expect(unknown.body).toContain('Codice cliente, casella o password non corretti.')
  })

  it('signs in with the account ID on a fresh HttpOnly session and lists only the account’s mailboxes', async () => {
    await setup()
    const client = new WebClient(app)
    const page = await client.get('/rinnova')
    client.cookies.set('pec_sid', 'planted-by-an-attacker')
    const response = await client.post('/accedi', { identifier: 'FNOM000010', password: 'account-secret' }, page.body)
    expect(response.statusCode).toBe(303)
    expect(response.headers.location).toBe('/caselle')
    const cookie = [response.headers['set-cookie']].flat().find((c) => c!.startsWith('pec_sid='))!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Lax/)
    expect(cookie).toMatch(/Secure/)
    expect(client.cookies.get('pec_sid')).not.toBe('planted-by-an-attacker')
    const list = await client.get('/caselle')
    expect(list.body).toContain('prima@pec.example.it')
    expect(list.body).toContain('seconda@pec.example.it')
    expect(list.body).not.toContain('altrui@pec.example.it')

    const out = await client.post('/esci', {}, list.body)
    expect(out.headers.location).toBe('/rinnova?uscito=1')
    expect((await client.get('/caselle')).statusCode).toBe(303)
  })

  it('signs in with a mailbox and its password, and then sees that mailbox only', async () => {
    await setup()
    const client = new WebClient(app)
    const page = await client.get('/rinnova?casella=Seconda@pec.example.it')
    expect(page.body).toContain('value="Seconda@pec.example.it"')
    const response = await client.post('/accedi', { identifier: 'Seconda@PEC.example.it', password: 'mailbox-secret' }, page.body)
    expect(response.statusCode).toBe(303)
    const list = await client.get('/caselle')
    expect(list.body).toContain('seconda@pec.example.it')
    expect(list.body).not.toContain('prima@pec.example.it')
  })

  it('never redirects to another site after sign-in', async () => {
    await setup()
    const client = new WebClient(app)
    const page = await client.get('/rinnova')
    const response = await client.post('/accedi', { identifier: 'FNOM000010', password: 'account-secret', next: '//evil.example/x' }, page.body)
    expect(response.headers.location).toBe('/caselle')
  })
})
