import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { eq } from 'drizzle-orm'
import { hashPassword } from '../../src/accounts/passwords'
import { requestPasswordReset, resolvePasswordResetRequests } from '../../src/accounts/password-reset'
import { accounts, passwordResetRequests, passwordResets, webSessions } from '../../src/accounts/schema'
import type { ManualClock } from '../../src/core/clock'
import { auditLog } from '../../src/db/audit-schema'
import { renderMail } from '../../src/notifications/render-mail'
import { outbox } from '../../src/notifications/schema'
import type { Services } from '../../src/services'
import { testDatabases, type TestDatabase } from '../support/databases'
import { seedMailbox } from '../support/seed'
import { WebClient } from '../support/web-client'
import { serverUnderTest } from '../support/office'
import { TEST_HASH_COST } from '../support/config'

describe.each(testDatabases())('%s: portal forgot password', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  let clock: ManualClock
  let services: Services
  const server = serverUnderTest(open)

  async function setup() {
    ;({ t, services, clock, app } = await server.start({ today: '2026-06-01' }))
    const db = t.database.db
    await seedMailbox(db, { expiresOn: '2026-07-01', address: 'prima@pec.example.it', accountId: 'FNOM000010' })
    await seedMailbox(db, { expiresOn: '2026-08-01', address: 'altrui@pec.example.it', accountId: 'FNOM000099', language: 'en' })
    await db.update(accounts).set({ passwordHash: await hashPassword('old-account-secret', TEST_HASH_COST) }).where(eq(accounts.id, 'FNOM000010'))
    const [account] = await db.select().from(accounts).where(eq(accounts.id, 'FNOM000010'))
    return { referenceEmail: account.referenceEmail }
  }

  /** Asks for a link, and waits for the request to be resolved after the response (the mail is then in the outbox). */
  async function askForLink(client: WebClient, identifier: string) {
    const form = await client.get('/password-dimenticata')
    const response = await client.post('/password-dimenticata', { identifier }, form.body)
    expect(response.statusCode).toBe(303)
    expect(response.headers.location).toBe('/password-dimenticata?inviata=1')
    await services.resetRequests.settled()
    return client.get(response.headers.location!)
  }

  /** The reset mails in the outbox, oldest first, as the holder reads them. */
  async function resetMails() {
    const rows = await t.database.db.select().from(outbox).where(eq(outbox.template, 'password_reset')).orderBy(outbox.id)
    return rows.map((row) => {
      const rendered = renderMail(row, services.mail)
      const link = /https:\/\/rinnovi\.example\.it(\/nuova-password\?t=[\w%-]+)/.exec(rendered.text)
      return { recipient: row.recipient, language: row.language, ...rendered, path: link?.[1] }
    })
  }

  async function signInWith(password: string) {
    const client = new WebClient(app)
    const page = await client.get('/rinnova')
    const response = await client.post('/accedi', { identifier: 'FNOM000010', password }, page.body)
    return { client, response }
  }

  it('sends a one-time link to the reference address, sets a new password, closes every session and signs the holder in', async () => {
    const { referenceEmail } = await setup()
    const db = t.database.db
    const elsewhere = await signInWith('old-account-secret') // a session left open on another device
    expect(elsewhere.response.statusCode).toBe(303)
    expect((await elsewhere.client.get('/caselle')).statusCode).toBe(200) // and fresh in this process's session cache

    const client = new WebClient(app)
    const signInPage = await client.get('/rinnova')
    expect(signInPage.body).toContain('href="/password-dimenticata">Password dimenticata?</a>')
    const sent = await askForLink(client, 'FNOM000010')
    expect(sent.body).toContain('Se i dati corrispondono a un account, abbiamo inviato un link all’indirizzo e-mail di riferimento.')

    const [mail] = await resetMails()
    expect(mail.recipient).toBe(referenceEmail)
    expect(mail.subject).toBe('Imposta una nuova password per il rinnovo PEC')
    expect(mail.text).toContain('FNOM000010')
    expect(mail.text).toContain('13:00 del 1º giugno 2026') // valid one hour, Rome time
    expect(mail.path).toBeDefined()
    const token = new URL(mail.path!, 'https://x').searchParams.get('t')!
    const [reset] = await db.select().from(passwordResets)
    expect(reset.tokenHash).toBe(createHash('sha256').update(token).digest('hex')) // only the hash is kept
    const requested = await db.select().from(auditLog).where(eq(auditLog.action, 'account.password_reset_requested'))
    expect(requested).toHaveLength(1)

    const form = await client.get(mail.path!)
    expect(form.statusCode).toBe(200)
    expect(form.body).toContain('<label for="password">Nuova password</label>')
    expect(form.body).toContain('<label for="confirmation">Ripeti la nuova password</label>')

    const short = await client.post('/nuova-password', { token, password: 'corta', confirmation: 'corta' }, form.body)
    expect(short.statusCode).toBe(422)
    expect(short.body).toContain('La password deve avere almeno 10 caratteri.')
    expect(short.body).toMatch(/class="error-summary"[\s\S]*href="#password"/)
    expect(short.body).toMatch(/id="password"[^>]*aria-invalid="true"/)
    const mismatch = await client.post('/nuova-password', { token, password: 'una nuova frase lunga', confirmation: 'una nuova frase' }, short.body)
    expect(mismatch.statusCode).toBe(422)
    expect(mismatch.body).toContain('Le due password non coincidono')
    expect(mismatch.body).toMatch(/href="#confirmation"/)

    const done = await client.post('/nuova-password', { token, password: 'una nuova frase lunga', confirmation: 'una nuova frase lunga' }, mismatch.body)
    expect(done.statusCode).toBe(303)
    expect(done.headers.location).toBe('/caselle')
    expect((await client.get('/caselle')).body).toContain('prima@pec.example.it') // signed in

    expect((await elsewhere.client.get('/caselle')).statusCode).toBe(303) // the other session is closed
    expect(await db.select().from(webSessions).where(eq(webSessions.accountId, 'FNOM000010'))).toHaveLength(1)
    const [account] = await db.select().from(accounts).where(eq(accounts.id, 'FNOM000010'))
    expect(account.passwordHash).toMatch(/^\$argon2id\$/)
    expect(await db.select().from(auditLog).where(eq(auditLog.action, 'account.password_reset'))).toHaveLength(1)

    expect((await signInWith('old-account-secret')).response.statusCode).toBe(422)
    expect((await signInWith('una nuova frase lunga')).response.statusCode).toBe(303)

    const again = await new WebClient(app).get(mail.path!)
    expect(again.statusCode).toBe(410)
    expect(again.body).toContain('Questo link è già stato usato')
    const replay = await client.post('/nuova-password', { token, password: 'ancora un’altra frase', confirmation: 'ancora un’altra frase' }, form.body)
    expect(replay.statusCode).toBe(410)
    expect((await signInWith('una nuova frase lunga')).response.statusCode).toBe(303) // unchanged by the replay
  })

  it('answers the same whether or not anything matches, and writes to nobody for an unknown identifier', async () => {
    await setup()
    const client = new WebClient(app)
    const unknown = await askForLink(client, 'FNOM999999')
    const unknownMailbox = await askForLink(client, 'nessuno@pec.example.it')
    expect(await resetMails()).toEqual([])
    const known = await askForLink(client, 'altrui@pec.example.it') // a mailbox: the link goes to its account
    const strip = (html: string) => html.replace(/name="_csrf" value="[^"]+"/, '')
    expect(strip(unknown.body)).toBe(strip(known.body))
    expect(strip(unknownMailbox.body)).toBe(strip(known.body))
    const [mail] = await resetMails()
    expect(mail.language).toBe('en') // the account's language
    expect(mail.subject).toBe('Set a new password for your PEC renewal')
    expect(mail.text).toContain('FNOM000099')
  })

  it('finding 8: answers the same, in the same way, whether or not the identifier exists; the mail follows once the stored request is resolved', async () => {
    await setup()
    let clients = 0
    const answer = async (identifier: string) => {
      const client = new WebClient(app, { ip: `203.0.113.${++clients}` }) // each its own rate-limit count
      const form = await client.get('/password-dimenticata')
      const response = await client.post('/password-dimenticata', { identifier }, form.body)
      const { 'set-cookie': _cookies, date: _date, 'x-request-id': _requestId, ...headers } = response.headers // per response, whoever asks
      return { status: response.statusCode, headers, body: response.body }
    }
    const known = await answer('FNOM000010')
    expect(known.status).toBe(303)
    for (const other of ['FNOM999999', 'altrui@pec.example.it', 'nessuno@pec.example.it']) expect(await answer(other), other).toEqual(known)
    // the answer only stored the requests; resolving them is what looks the identifiers up and writes the mail
    await services.resetRequests.settled()
    expect((await resetMails()).map((m) => m.text.includes('FNOM000010') ? 'FNOM000010' : 'FNOM000099').sort()).toEqual(['FNOM000010', 'FNOM000099'])
    expect(await t.database.db.select().from(passwordResetRequests)).toEqual([])
  })

  it('a request stored by a process that stopped before resolving it is resolved by the jobs’ run, once', async () => {
    await setup()
    await requestPasswordReset(services.deps, 'ＦＮＯＭ000010', { ip: '203.0.113.9' }) // stored; the process stops here
    await requestPasswordReset(services.deps, 'FNOM999999', { ip: '203.0.113.9' })
    expect(await resetMails()).toEqual([])
    services.resetRequests.start(() => {}) // what the jobs do every minute
    await services.resetRequests.settled()
    expect(await resetMails()).toHaveLength(1)
    expect(await resolvePasswordResetRequests(services.deps)).toEqual([]) // R8: never twice
    const [audit] = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'account.password_reset_requested'))
    expect(audit.data).toMatchObject({ accountId: 'FNOM000010', ip: '203.0.113.9' })
  })

  it('refuses an expired link with a clear page, and asks for the identifier when it is missing', async () => {
    await setup()
    const client = new WebClient(app)
    const form = await client.get('/password-dimenticata')
    const empty = await client.post('/password-dimenticata', { identifier: '  ' }, form.body)
    expect(empty.statusCode).toBe(422)
    expect(empty.body).toContain('Inserisci il codice cliente o il nome della casella PEC.')
    await askForLink(client, 'fnom000010') // IDs as typed, in any case
    const [mail] = await resetMails()
    clock.advanceMs(60 * 60_000) // one hour later
    const expired = await client.get(mail.path!)
    expect(expired.statusCode).toBe(410)
    expect(expired.body).toContain('Questo link è scaduto')
    expect(expired.body).toContain('href="/password-dimenticata"')
    const token = new URL(mail.path!, 'https://x').searchParams.get('t')!
    const post = await client.post('/nuova-password', { token, password: 'una nuova frase lunga', confirmation: 'una nuova frase lunga' }, form.body)
    expect(post.statusCode).toBe(410)
    expect((await signInWith('old-account-secret')).response.statusCode).toBe(303) // nothing changed
    const forged = await client.get('/nuova-password?t=not-a-token')
    expect(forged.body).toContain('Questo link non è valido')
  })

  it('sends at most 3 links an hour to one account, and limits the form per IP', async () => {
    await setup()
    const client = new WebClient(app)
    for (let i = 0; i < 5; i++) await askForLink(client, 'FNOM000010')
    expect(await resetMails()).toHaveLength(3)
    const form = await client.get('/password-dimenticata')
    const limited = await client.post('/password-dimenticata', { identifier: 'FNOM000010' }, form.body)
    expect(limited.statusCode).toBe(429)
    expect(limited.body).toContain('<h1>Troppi tentativi</h1>')
  })
})
