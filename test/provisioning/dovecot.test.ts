import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import nodemailer from 'nodemailer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { imapMailboxCredentials, imapServerFromUrl, MailboxCredentialsUnavailable } from '../../src/accounts/mailbox-credentials'
import { hashPassword } from '../../src/accounts/passwords'
import { mailboxes } from '../../src/accounts/schema'
import { FNOMCEO_DEMO, saveConvention } from '../../src/catalog/queries'
import { loadConfig } from '../../src/config'
import { parseCalendarDate as day } from '../../src/core/calendar'
import type { ManualClock } from '../../src/core/clock'
import type { Db } from '../../src/db/client'
import { registerPayment } from '../../src/flows/register-payment'
import { runLifecycle } from '../../src/lifecycle/run-lifecycle'
import { deliverProvisioningCommands } from '../../src/provisioning/deliver-commands'
import { sqlMailPlatform } from '../../src/provisioning/sql-platform'
import { placeOrder } from '../../src/renewals/place-order'
import { buildServices } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { TEST_SESSION_SECRET } from '../support/config'
import { postgresOnly, type TestDatabase } from '../support/databases'
import { testDeps } from '../support/deps'
import { DOVECOT_REQUIRED, findDovecot, startDovecot, type RunningDovecot } from '../support/dovecot'
import { clockOn, seedMailbox } from '../support/seed'
import { WebClient } from '../support/web-client'

const dovecot = findDovecot()
const databases = postgresOnly()

// CI (REQUIRE_BROWSER or CI set) installs Dovecot and PostgreSQL: there this fails rather than skips.
describe.runIf(DOVECOT_REQUIRED && (!dovecot || databases.length === 0))('the real Dovecot', () => {
  it('is installed (apt-get install dovecot-imapd dovecot-lmtpd dovecot-pgsql) and PostgreSQL is reachable', () => {
    expect(dovecot, 'dovecot with its pgsql driver').toBeDefined()
    expect(databases, 'PostgreSQL').not.toHaveLength(0)
  })
})

describe.runIf(!!dovecot && databases.length > 0)('the SQL adapter, against the real Dovecot (issue 13)', () => {
  let t: TestDatabase
  let server: RunningDovecot
  let db: Db
  let clock: ManualClock

  beforeAll(async () => {
    t = await databases[0][1]()
    db = t.database.db
    await saveConvention(db, FNOMCEO_DEMO) // deactivation mode: off (the default)
    await saveConvention(db, { ...FNOMCEO_DEMO, convention: { ...FNOMCEO_DEMO.convention, code: 'OMCEO-RX', deactivationMode: 'receive-only' } })
    server = await startDovecot(dovecot!, t.url!)
  })
  afterAll(async () => {
    await server?.stop()
    await t?.close()
  })

  const imap = () => imapMailboxCredentials(imapServerFromUrl(`imap://127.0.0.1:${server.imapPort}`, 20_000))

  async function mailboxWithPassword(address: string, password: string, conventionCode = 'FNOMCEO') {
    const mailbox = await seedMailbox(db, { expiresOn: '2026-07-01', address, conventionCode })
    await db.update(mailboxes).set({ passwordHash: await hashPassword(password) }).where(eq(mailboxes.id, mailbox.id))
    return mailbox
  }

  /** Delivers a message over LMTP: resolves with the accepted recipients, rejects when Dovecot refuses it. */
  async function deliver(to: string) {
    const lmtp = nodemailer.createTransport({ host: '127.0.0.1', port: server.lmtpPort, lmtp: true, secure: false, ignoreTLS: true })
    try {
      const info = await lmtp.sendMail({ from: 'mittente@pec.example.org', to, subject: 'Prova', text: 'Messaggio di prova' })
      return info.accepted
    } finally {
      lmtp.close()
    }
  }

  function messagesIn(address: string): number {
    try {
      return readdirSync(join(server.home(address), 'Maildir', 'new')).length
    } catch {
      return 0
    }
  }

  /** The daily run, then the delivery of the commands it queued (the SQL adapter only confirms them). */
  async function runDay(date: string) {
    clock = clockOn(date, '00:30')
    const deps = testDeps(db, clock)
    await runLifecycle(deps, { date: day(date) })
    return deliverProvisioningCommands(deps, sqlMailPlatform(db))
  }

  it('off: login and delivery while active; after E + 1 neither; a late payment re-enables login; cessation deletes', async () => {
    const address = 'medico.off@pec.example.it'
    const mailbox = await mailboxWithPassword(address, 'segreta-123')
    const platform = sqlMailPlatform(db)
    expect(await imap().verify(address, 'segreta-123')).toBe(true)
    expect(await imap().verify(address, 'sbagliata')).toBe(false)
    expect(await deliver(address)).toEqual([address])
    expect(messagesIn(address)).toBe(1)
    expect(await platform.status(address)).toBe('active')

    expect(await runDay('2026-07-01')).toMatchObject({ done: 0 }) // E: still works through the whole day
    expect(await imap().verify(address, 'segreta-123')).toBe(true)

    expect(await runDay('2026-07-02')).toMatchObject({ done: 1 }) // E + 1: deactivated
    expect(await imap().verify(address, 'segreta-123')).toBe(false)
    await expect(deliver(address)).rejects.toThrow(/550|User doesn't exist|Recipient/i)
    expect(messagesIn(address)).toBe(1)
    expect(await platform.status(address)).toBe('off')

    // A late payment, within the renewable window, reactivates (R6).
    const deps = testDeps(db, clockOn('2026-07-20'))
    const order = await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'bonifico', actor: 'holder:test' })
    await registerPayment(deps, { orderRef: order.orderId, amountCents: order.totalCents, method: 'bonifico', reference: 'CRO-DOVECOT-1', actor: 'operator:test' })
    expect(await deliverProvisioningCommands(deps, platform)).toMatchObject({ done: 1 }) // the enable
    expect(await imap().verify(address, 'segreta-123')).toBe(true)
    expect(await deliver(address)).toEqual([address])
    expect(await platform.status(address)).toBe('active')

    // Unpaid again: deactivated the day after the new expiry, ceased after the window (R6).
    const [{ expiresOn }] = await db.select({ expiresOn: mailboxes.expiresOn }).from(mailboxes).where(eq(mailboxes.id, mailbox.id))
    expect(expiresOn).toBe('2027-07-01')
    await runDay('2027-07-02')
    expect(await runDay('2027-09-30')).toMatchObject({ done: 1 }) // E + 91: the delete
    expect(await platform.status(address)).toBe('absent')
    expect(await imap().verify(address, 'segreta-123')).toBe(false)
    await expect(deliver(address)).rejects.toThrow(/550|User doesn't exist|Recipient/i)
  })

  it('receive-only: after E + 1 no login, but incoming mail is still delivered until cessation', async () => {
    const address = 'medico.rx@pec.example.it'
    await mailboxWithPassword(address, 'segreta-456', 'OMCEO-RX')
    await runDay('2026-07-02')
    expect(await sqlMailPlatform(db).status(address)).toBe('receive-only')
    expect(await imap().verify(address, 'segreta-456')).toBe(false)
    expect(await deliver(address)).toEqual([address])
    expect(messagesIn(address)).toBe(1)
    await runDay('2026-09-30') // E + 91: ceased
    await expect(deliver(address)).rejects.toThrow(/550|User doesn't exist|Recipient/i)
  })

  describe('the portal’s mailbox sign-in through IMAP_URL, checked by this Dovecot', () => {
    let app: FastifyInstance
    afterAll(() => app?.close())

    async function tryPassword(client: WebClient, identifier: string, password: string) {
      const page = await client.get('/rinnova')
      return client.post('/accedi', { identifier, password }, page.body)
    }

    it('right password, wrong password, deactivated mailbox', async () => {
      await mailboxWithPassword('portale@pec.example.it', 'portale-789')
      await mailboxWithPassword('spenta@pec.example.it', 'spenta-789')
      await db.update(mailboxes).set({ status: 'deactivated', deactivatedOn: day('2026-07-02') }).where(eq(mailboxes.address, 'spenta@pec.example.it'))
      const config = loadConfig({ DATABASE_URL: 'memory://', PUBLIC_URL: 'https://rinnovi.example.it', SESSION_SECRET: TEST_SESSION_SECRET, IMAP_URL: `imap://127.0.0.1:${server.imapPort}` })
      const services = buildServices(config, t.database, clockOn('2026-06-01'))
      app = await buildServer(services)
      expect(services.mailboxCredentials.name).toBe('imap')
      const right = new WebClient(app)
      expect((await tryPassword(right, 'Portale@pec.example.it', 'portale-789')).statusCode).toBe(303)
      expect((await right.get('/caselle')).body).toContain('portale@pec.example.it')
      const wrong = await tryPassword(new WebClient(app), 'portale@pec.example.it', 'sbagliata')
      expect(wrong.statusCode).toBe(422)
      expect(wrong.body).toContain('Codice cliente, casella o password non corretti.')
      // Dovecot refuses a deactivated mailbox's login, so the portal does too (the holder signs in
      // with the account ID or the link in the deactivation e-mail).
      expect((await tryPassword(new WebClient(app), 'spenta@pec.example.it', 'spenta-789')).statusCode).toBe(422)
    })

    it('TLS is required except on loopback: towards a server that offers none, the password is never sent', async () => {
      await mailboxWithPassword('tls@pec.example.it', 'tls-secret-1')
      // The same Dovecot (no TLS configured), reached as if it were another machine: STARTTLS is demanded.
      const remote = imapMailboxCredentials({ ...imapServerFromUrl(`imap://127.0.0.1:${server.imapPort}`, 20_000), allowCleartext: false })
      await expect(remote.verify('tls@pec.example.it', 'tls-secret-1')).rejects.toBeInstanceOf(MailboxCredentialsUnavailable)
      expect(server.log()).not.toMatch(/tls@pec\.example\.it/) // no login attempt reached Dovecot's auth
      expect(await imap().verify('tls@pec.example.it', 'tls-secret-1')).toBe(true) // on loopback, cleartext is fine
    })
  })
})
