import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { localMailboxCredentials } from '../../src/accounts/mailbox-credentials'
import { hashCost, hashPassword, verifyPassword, type HashCost } from '../../src/accounts/passwords'
import { samplePasswordHashes } from '../../src/accounts/queries'
import { renewalLinkExpiry, renewalLinkToken } from '../../src/core/renewal-link'
import { accounts, mailboxes, signInClientFailures, signInFailures } from '../../src/accounts/schema'
import { admitSignInAttempt, IDENTIFIER_CEILING } from '../../src/accounts/sign-in-guard'
import { storedPasswordCheck, type VerifyPassword } from '../../src/accounts/stored-password-check'
import { renderMail } from '../../src/notifications/render-mail'
import { outbox } from '../../src/notifications/schema'
import type { CalendarDate } from '../../src/core/calendar'
import type { ManualClock } from '../../src/core/clock'
import { buildServices, type Services } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { eq } from 'drizzle-orm'
import { startFakeImapServer, type FakeImapServer } from '../accounts/fake-imap-server'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { WebClient } from '../support/web-client'
import { TEST_SESSION_SECRET, TEST_HASH_COST, testConfig } from '../support/config'

const SECRET = TEST_SESSION_SECRET
// Hashes from the mail platform's export (see passwords.test.ts); the password of both is 'correct horse'.
const IMPORTED_BCRYPT = '$2y$05$WvGLDVl6vuCavh4G9Bjr8e30HA/2Kvjts7bjMJzdlG5QTjq9ocdVq'
const IMPORTED_SHA512 = '$6$somesalt$/6/DOZ6XPt8TWos3ywDgUa/X8vByGWTZbxM1kg0wDOnc1co.8iO54MmmQYM15M1SFjcHgitRT279chPGc8rts0'

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

  /** `before` may change the data and the services before the server is built from them. */
  async function setup(env: Record<string, string> = {}, before?: (services: Services) => Promise<void>) {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const first = await seedMailbox(db, { expiresOn: '2026-07-01', address: 'prima@pec.example.it', accountId: 'FNOM000010' })
    const second = await seedMailbox(db, { expiresOn: '2026-09-01', address: 'seconda@pec.example.it', accountId: 'FNOM000010' })
    const other = await seedMailbox(db, { expiresOn: '2026-08-01', address: 'altrui@pec.example.it', accountId: 'FNOM000099' })
    await db.update(accounts).set({ passwordHash: await hashPassword('account-secret', TEST_HASH_COST) }).where(eq(accounts.id, 'FNOM000010'))
    await db.update(mailboxes).set({ passwordHash: await hashPassword('mailbox-secret', TEST_HASH_COST) }).where(eq(mailboxes.id, second.id))
    const config = testConfig({ DATABASE_URL: 'memory://', PUBLIC_URL: 'https://rinnovi.example.it', SESSION_SECRET: SECRET, ...env })
    clock = clockOn('2026-06-01') // 12:00 in Rome
    services = buildServices(config, t.database, clock)
    await before?.(services)
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

  it('a form its schema refuses (a password of 2,000 characters) answers 400 in the table’s words and signs no one in; a bodiless POST is still the CSRF 403', async () => {
    await setup()
    const client = new WebClient(app)
    const page = await client.get('/rinnova')
    const refused = await client.post('/accedi', { identifier: 'FNOM000010', password: 'p'.repeat(2000) }, page.body)
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toContain('Dati non validi')
    expect(refused.body).not.toContain('must')
    expect(String(refused.headers['set-cookie'] ?? '')).not.toContain('pec_sid=')
    const english = await new WebClient(app).get('/rinnova?lang=en')
    expect(english.statusCode).toBe(200)
    const bodiless = await app.inject({ method: 'POST', url: '/accedi' })
    expect(bodiless.statusCode).toBe(403)
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

  it('finding 4: a wrong-password flood from one client slows that client only; the holder signs in from another at once', async () => {
    await setup()
    const attacker = new WebClient(app, { ip: '203.0.113.66' })
    for (let i = 1; i <= 3; i++) expect((await tryPassword(attacker, 'FNOM000010', `wrong ${i}`)).statusCode).toBe(422)
    for (let i = 4; i <= 12; i++) expect((await tryPassword(attacker, 'FNOM000010', `wrong ${i}`)).statusCode).toBe(429)
    expect((await tryPassword(attacker, 'FNOM000010', 'account-secret')).statusCode).toBe(429) // from that client, even the right one waits
    expect(attacker.cookies.has('pec_sid')).toBe(false)

    const holder = new WebClient(app, { ip: '198.51.100.20' })
    const signedIn = await tryPassword(holder, 'FNOM000010', 'account-secret')
    expect(signedIn.statusCode).toBe(303)
    expect(holder.cookies.has('pec_sid')).toBe(true)
    // and the same flood against a mailbox keeps no one else out of it either
    for (let i = 1; i <= 8; i++) await tryPassword(attacker, 'seconda@pec.example.it', `wrong ${i}`)
    expect((await tryPassword(new WebClient(app, { ip: '2001:db8:aa::1' }), 'seconda@pec.example.it', 'mailbox-secret')).statusCode).toBe(303)
  })

  it('the wait grows with each failure from that client, is enforced by the clock, and is said with a Retry-After, in Italian and English', async () => {
    await setup()
    const client = new WebClient(app, { ip: '203.0.113.7' })
    for (let i = 1; i <= 3; i++) {
      const wrong = await tryPassword(client, 'FNOM000010', `wrong ${i}`)
      expect(wrong.statusCode).toBe(422)
      expect(wrong.body).toContain('Codice cliente, casella o password non corretti.')
    }
    for (const seconds of [1, 2]) {
      const early = await tryPassword(client, 'fnom000010', 'account-secret') // any spelling counts for the same identifier
      expect(early.statusCode).toBe(429)
      expect(early.headers['retry-after']).toBe(String(seconds))
      expect(early.body).toContain(`per sicurezza puoi riprovare tra ${seconds === 1 ? '1 secondo' : `${seconds} secondi`}`)
      expect(early.body).toMatch(/class="error-summary"[\s\S]*href="#identifier"/)
      clock.advanceMs(seconds * 1000 - 1)
      expect((await tryPassword(client, 'FNOM000010', 'wrong')).statusCode).toBe(429) // not a millisecond early
      clock.advanceMs(1)
      expect((await tryPassword(client, 'FNOM000010', 'wrong again')).statusCode).toBe(422)
    }
    await client.get('/rinnova?lang=en')
    const english = await tryPassword(client, 'FNOM000010', 'account-secret')
    expect(english.headers['retry-after']).toBe('4')
    expect(english.body).toContain('for your security, you can try again in 4 seconds')
    clock.advanceMs(4_000)
    expect((await tryPassword(client, 'FNOM000010', 'account-secret')).statusCode).toBe(303)
    // a success forgets this client's failures
    expect(await t.database.db.select().from(signInClientFailures)).toEqual([])
  })

  it('answers an unknown identifier exactly like a real one, wait included', async () => {
    await setup()
    const statuses = async (identifier: string, ip: string) => {
      const client = new WebClient(app, { ip })
      const answers = []
      for (let i = 0; i < 5; i++) answers.push(await tryPassword(client, identifier, 'wrong'))
      return answers.map((a) => [a.statusCode, a.headers['retry-after'] ?? null])
    }
    expect(await statuses('FNOM999999', '203.0.113.8')).toEqual(await statuses('FNOM000010', '203.0.113.9'))
    expect(await statuses('FNOM999999', '203.0.113.10')).toEqual([[422, null], [422, null], [422, null], [429, '1'], [429, '1']])
  })

  it('finding 4: a distributed attack reaches the ceiling; then the password no longer signs in, the page links to the reset, and a new password lets the holder in', async () => {
    await setup()
    let failures = 0
    for (let c = 0; failures < IDENTIFIER_CEILING; c++) {
      const client = new WebClient(app, { ip: `198.51.100.${c}` })
      for (let i = 0; i < 3 && failures < IDENTIFIER_CEILING; i++, failures++) expect((await tryPassword(client, 'FNOM000010', `guess ${c}.${i}`)).statusCode).toBe(422)
    }
    // the mailbox too, counted the same way (without hashing a hundred passwords again)
    for (let c = 0; c < IDENTIFIER_CEILING; c++) await admitSignInAttempt(t.database.db, { identifier: 'seconda@pec.example.it', ip: `192.0.2.${c}` }, clock.now())

    const holder = new WebClient(app, { ip: '203.0.113.5' })
    const blocked = await tryPassword(holder, 'FNOM000010', 'account-secret')
    expect(blocked.statusCode).toBe(403)
    expect(blocked.body).toContain('Per proteggere questo account l’accesso con la password è sospeso')
    expect(blocked.body).toContain('<a href="/password-dimenticata?casella=FNOM000010">Scegli una nuova password</a>')
    expect(holder.cookies.has('pec_sid')).toBe(false)
    expect((await tryPassword(holder, 'seconda@pec.example.it', 'mailbox-secret')).statusCode).toBe(403)
    clock.advanceMs(3 * 24 * 3_600_000) // not a wait: days later it is still suspended
    expect((await tryPassword(holder, 'FNOM000010', 'account-secret')).statusCode).toBe(403)

    const form = await holder.get('/password-dimenticata?casella=FNOM000010')
    expect((await holder.post('/password-dimenticata', { identifier: 'FNOM000010' }, form.body)).statusCode).toBe(303)
    await services.resetRequests.settled()
    const [mail] = await t.database.db.select().from(outbox).where(eq(outbox.template, 'password_reset'))
    const link = /https:\/\/rinnovi\.example\.it(\/nuova-password\?t=[\w%-]+)/.exec(renderMail(mail, services.mail).text)![1]
    const page = await holder.get(link)
    const token = new URL(link, 'https://x').searchParams.get('t')!
    const done = await holder.post('/nuova-password', { token, password: 'una nuova frase lunga', confirmation: 'una nuova frase lunga' }, page.body)
    expect(done.statusCode).toBe(303)
    expect((await tryPassword(new WebClient(app, { ip: '203.0.113.6' }), 'FNOM000010', 'una nuova frase lunga')).statusCode).toBe(303)
    expect((await tryPassword(new WebClient(app, { ip: '203.0.113.6' }), 'seconda@pec.example.it', 'mailbox-secret')).statusCode).toBe(303)
  })

  it('finding 7: every spelling of an account ID shares its count, and none reaches another account', async () => {
    await setup()
    await seedMailbox(t.database.db, { expiresOn: '2026-10-01', address: 'sist@pec.example.it', accountId: 'SIST0002' })
    await t.database.db.update(accounts).set({ passwordHash: await hashPassword('sist-secret', TEST_HASH_COST) }).where(eq(accounts.id, 'SIST0002'))
    const client = new WebClient(app, { ip: '203.0.113.70' })
    for (const variant of ['SIST0002', 'ſIST0002', 'ＳＩＳＴ０００２']) expect((await tryPassword(client, variant, 'wrong')).statusCode, variant).toBe(422)
    for (const variant of ['sist0002', 'ſist0002', ' SIST0002 ']) expect((await tryPassword(client, variant, 'wrong')).statusCode, variant).toBe(429) // no fresh tries
    // the dotless ı spells another identifier, which is no account: its right password signs in nowhere
    for (const variant of ['SıST0002', 'sıst0002']) expect((await tryPassword(new WebClient(app, { ip: '203.0.113.71' }), variant, 'sist-secret')).statusCode).toBe(422)
    expect((await t.database.db.select({ identifier: signInFailures.identifier }).from(signInFailures)).map((r) => r.identifier).sort()).toEqual(['sist0002', 'sıst0002'])
    // the long s is the same ID: after the wait, it signs in to SIST0002 itself
    clock.advanceMs(2_000)
    expect((await tryPassword(client, 'ſIST0002', 'sist-secret')).statusCode).toBe(303)
    expect((await client.get('/caselle')).body).toContain('sist@pec.example.it')
  })

  it('finding 8: an unknown mailbox or account costs a verification of the same scheme and cost as a stored hash', async () => {
    const verified: Array<HashCost | null> = []
    await setup({}, async (s) => {
      const db = t.database.db
      await db.update(mailboxes).set({ passwordHash: IMPORTED_BCRYPT }) // imported from the mail platform
      await db.update(accounts).set({ passwordHash: IMPORTED_SHA512 }).where(eq(accounts.id, 'FNOM000010'))
      const verify: VerifyPassword = async (plain, stored) => {
        verified.push(hashCost(stored))
        return verifyPassword(plain, stored)
      }
      const mailboxPasswords = storedPasswordCheck(() => samplePasswordHashes(db, 'mailboxes', 500), clock, verify)
      const accountPasswords = storedPasswordCheck(() => samplePasswordHashes(db, 'accounts', 500), clock, verify)
      s.holderCredentials = { mailboxes: localMailboxCredentials(db, mailboxPasswords), accountPasswords, mailboxPasswords }
    })
    const answer = async (identifier: string) => {
      const response = await tryPassword(new WebClient(app, { ip: '203.0.113.80' }), identifier, 'wrong')
      const page = response.body.replace(/name="_csrf" value="[^"]+"/, '').replaceAll(identifier, '…').replaceAll(encodeURIComponent(identifier), '…')
      return [response.statusCode, page] // the same page, but for the identifier it echoes
    }
    expect(await answer('nessuno@pec.example.it')).toEqual(await answer('seconda@pec.example.it'))
    expect(verified).toEqual([{ kind: 'bcrypt', cost: 5 }, { kind: 'bcrypt', cost: 5 }])
    verified.length = 0
    expect(await answer('FNOM999999')).toEqual(await answer('FNOM000010'))
    await answer('FNOM000099') // an account without a password
    expect(verified).toEqual(Array(3).fill({ kind: 'sha512-crypt', rounds: 5_000 }))
    expect((await tryPassword(new WebClient(app, { ip: '203.0.113.81' }), 'seconda@pec.example.it', 'correct horse')).statusCode).toBe(303)
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
    const counted = [...(await t.database.db.select().from(signInFailures)), ...(await t.database.db.select().from(signInClientFailures))]
    expect(counted.map((row) => row.failures)).toEqual([0, 0]) // the failure counted in advance was taken back
  })
})
