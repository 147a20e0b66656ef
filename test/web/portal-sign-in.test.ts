import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { hashPassword } from '../../src/accounts/passwords'
import { renewalLinkExpiry, renewalLinkToken } from '../../src/accounts/renewal-link'
import { accounts, mailboxes, signInFailures } from '../../src/accounts/schema'
import { loadConfig } from '../../src/config'
import type { CalendarDate } from '../../src/core/calendar'
import type { ManualClock } from '../../src/core/clock'
import { buildServices, type Services } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { eq } from 'drizzle-orm'
import { startFakeImapServer, type FakeImapServer } from '../accounts/fake-imap-server'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { WebClient } from '../support/web-client'
import { TEST_SESSION_SECRET } from '../support/config'

const SECRET = TEST_SESSION_SECRET

describe.each(testDatabases())('%s: portal sign-in', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  let clock: ManualClock
  let services: Services
  let imap: FakeImapServer | undefined
  afterEach(async () => {
    await app?.close()
    await t?.close()
    await imap?.close()
    imap = undefined
  })

  async function setup(env: Record<string, string> = {}) {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const first = await seedMailbox(db, { expiresOn: '2026-07-01', address: 'prima@pec.example.it', accountId: 'FNOM000010' })
    const second = await seedMailbox(db, { expiresOn: '2026-09-01', address: 'seconda@pec.example.it', accountId: 'FNOM000010' })
    const other = await seedMailbox(db, { expiresOn: '2026-08-01', address: 'altrui@pec.example.it', accountId: 'FNOM000099' })
    await db.update(accounts).set({ passwordHash: await hashPassword('account-secret') }).where(eq(accounts.id, 'FNOM000010'))
    await db.update(mailboxes).set({ passwordHash: await hashPassword('mailbox-secret') }).where(eq(mailboxes.id, second.id))
    const config = loadConfig({ DATABASE_URL: 'memory://', PUBLIC_URL: 'https://rinnovi.example.it', SESSION_SECRET: SECRET, ...env })
    clock = clockOn('2026-06-01') // 12:00 in Rome
    services = buildServices(config, t.database, clock)
    app = await buildServer(services)
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

  async function tryPassword(client: WebClient, identifier: string, password: string) {
    const page = await client.get('/rinnova')
    return client.post('/accedi', { identifier, password }, page.body)
  }

  it('locks an identifier for 15 minutes after 5 failures, says until when, and unlocks when the time has passed', async () => {
    await setup()
    const client = new WebClient(app)
    for (let i = 1; i <= 4; i++) {
      const wrong = await tryPassword(client, 'FNOM000010', `wrong ${i}`)
      expect(wrong.statusCode).toBe(422)
      expect(wrong.body).toContain('Codice cliente, casella o password non corretti.')
    }
    const fifth = await tryPassword(client, 'fnom000010', 'wrong 5') // any spelling counts for the same identifier
    expect(fifth.statusCode).toBe(429)
    expect(fifth.body).toContain('l’accesso è bloccato temporaneamente fino alle 12:15 (ora italiana)')
    expect(fifth.body).toMatch(/class="error-summary"[\s\S]*href="#identifier"/)

    const right = await tryPassword(client, 'FNOM000010', 'account-secret') // even the right password waits
    expect(right.statusCode).toBe(429)
    expect(right.body).toContain('fino alle 12:15')
    expect(client.cookies.has('pec_sid')).toBe(false)

    clock.advanceMs(14 * 60_000)
    expect((await tryPassword(client, 'FNOM000010', 'account-secret')).statusCode).toBe(429)
    clock.advanceMs(60_000) // 12:15: the lock is over
    const after = await tryPassword(client, 'FNOM000010', 'account-secret')
    expect(after.statusCode).toBe(303)
    expect(client.cookies.has('pec_sid')).toBe(true)
    // a success starts the count again
    expect(await t.database.db.select().from(signInFailures)).toEqual([])
  })

  it('locks an unknown identifier exactly like a real one, and says it in English too', async () => {
    await setup()
    const client = new WebClient(app)
    await client.get('/rinnova?lang=en')
    const answers = []
    for (let i = 1; i <= 5; i++) answers.push(await tryPassword(client, 'FNOM999999', 'wrong'))
    expect(answers.map((a) => a.statusCode)).toEqual([422, 422, 422, 422, 429])
    expect(answers[3].body).toContain('Account ID, mailbox or password not correct.')
    expect(answers[4].body).toContain('signing in is temporarily locked until 12:15 (Italian time)')
    // other identifiers are not affected
    expect((await tryPassword(client, 'FNOM000010', 'account-secret')).statusCode).toBe(303)
  })

  it('answers a flood from one IP with a readable 429 page, not JSON', async () => {
    await setup()
    const client = new WebClient(app)
    const page = await client.get('/rinnova')
    for (let i = 0; i < 20; i++) {
      const response = await client.post('/accedi', { identifier: '', password: '' }, page.body)
      expect(response.statusCode).toBe(422)
    }
    const limited = await client.post('/accedi', { identifier: 'FNOM000010', password: 'account-secret' }, page.body)
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['content-type']).toMatch(/^text\/html/)
    expect(limited.headers['retry-after']).toBeDefined()
    expect(limited.body).toContain('<h1>Troppi tentativi</h1>')
    expect(limited.body).toMatch(/riprova tra \d+ minuti/)
    expect(client.cookies.has('pec_sid')).toBe(false)
    await client.get('/rinnova?lang=en')
    const english = await client.post('/accedi', { identifier: 'FNOM000010', password: 'account-secret' }, page.body)
    expect(english.body).toContain('Too many attempts')
    // the sign-in page itself stays reachable
    expect((await client.get('/rinnova')).statusCode).toBe(200)
  })

  it('the reminder’s signed link fills the mailbox in and never signs anyone in', async () => {
    await setup()
    const link = new URL(services.mail.renewLink('seconda@pec.example.it', '2026-09-01'))
    expect(link.pathname).toBe('/rinnova')
    expect(link.searchParams.has('casella')).toBe(false)
    const client = new WebClient(app)
    const page = await client.get(`${link.pathname}${link.search}`)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('id="identifier" name="identifier" value="seconda@pec.example.it"')
    expect(page.body).toContain('Stai rinnovando la casella seconda@pec.example.it')
    expect(client.cookies.has('pec_sid')).toBe(false)
    expect((await client.get('/caselle')).statusCode).toBe(303) // still signed out
    const signedIn = await client.post('/accedi', { identifier: 'seconda@pec.example.it', password: 'mailbox-secret' }, page.body)
    expect(signedIn.statusCode).toBe(303)
  })

  it('a tampered or expired renewal link shows a short note and an empty field', async () => {
    await setup()
    const token = renewalLinkToken(SECRET, 'seconda@pec.example.it', renewalLinkExpiry('2026-09-01' as CalendarDate))
    const [address, expiry, signature] = token.split('.')
    const forged = `${Buffer.from('altrui@pec.example.it').toString('base64url')}.${expiry}.${signature}`
    const client = new WebClient(app)
    for (const bad of [forged, `${address}.${expiry}.${signature.slice(1)}`, 'nonsense']) {
      const page = await client.get(`/rinnova?t=${encodeURIComponent(bad)}&casella=altrui@pec.example.it`)
      expect(page.statusCode).toBe(200)
      expect(page.body).toContain('Il link che hai seguito non è valido o è scaduto.')
      expect(page.body).toContain('id="identifier" name="identifier" value=""')
      expect(page.body).not.toContain('altrui@pec.example.it')
    }
    clock.set('2026-12-01T00:00:00Z') // after E + 90 days
    const expired = await client.get(`/rinnova?t=${token}`)
    expect(expired.body).toContain('Il link che hai seguito non è valido o è scaduto.')
    expect(expired.body).toContain('value=""')
  })

  it('with IMAP_URL, mailbox passwords are checked by an IMAP login on the mail platform', async () => {
    imap = await startFakeImapServer({ users: { 'prima@pec.example.it': 'imap-secret' } })
    await setup({ IMAP_URL: imap.url })
    expect(services.mailboxCredentials.name).toBe('imap')
    const client = new WebClient(app)
    const wrong = await tryPassword(client, 'prima@pec.example.it', 'not-it')
    expect(wrong.statusCode).toBe(422)
    expect(wrong.body).toContain('Codice cliente, casella o password non corretti.')
    const right = await tryPassword(client, 'Prima@pec.example.it', 'imap-secret')
    expect(right.statusCode).toBe(303)
    const list = await client.get('/caselle')
    expect(list.body).toContain('prima@pec.example.it')
    expect(list.body).not.toContain('seconda@pec.example.it')
    // the imported hash is not consulted any more
    expect((await tryPassword(new WebClient(app), 'seconda@pec.example.it', 'mailbox-secret')).statusCode).toBe(422)
    // an unknown mailbox never reaches the platform
    await tryPassword(new WebClient(app), 'nessuno@pec.example.it', 'imap-secret')
    expect(imap.logins.map((l) => l.user)).not.toContain('nessuno@pec.example.it')
  })

  it('when the mail platform cannot answer, says so and counts no failure', async () => {
    imap = await startFakeImapServer({ users: { 'prima@pec.example.it': 'imap-secret' }, unavailable: true })
    await setup({ IMAP_URL: imap.url })
    const response = await tryPassword(new WebClient(app), 'prima@pec.example.it', 'imap-secret')
    expect(response.statusCode).toBe(503)
    expect(response.body).toContain('non riusciamo a verificare la password della casella')
    expect(await t.database.db.select().from(signInFailures)).toEqual([])
  })
})
