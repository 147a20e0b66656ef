import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { hashPassword, verifyPassword } from '../../src/accounts/passwords'
import { renewalLinkExpiry, renewalLinkToken } from '../../src/core/renewal-link'
import { accounts } from '../../src/accounts/schema'
import type { CalendarDate } from '../../src/core/calendar'
import { mailContext } from '../../src/notifications/mail-context'
import { renderMail } from '../../src/notifications/render-mail'
import { placeOrder } from '../../src/renewals/place-order'
import { buildServices, type Services } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { BANK_ENV, DEMO_ENV, OTHER_SESSION_SECRET, TEST_SESSION_SECRET, TEST_OFFICE_TOTP_KEY, TEST_HASH_COST, testConfig } from '../support/config'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { WebClient } from '../support/web-client'

const HOLDER = 'FNOM000010'
const PASSWORD = 'the-holders-own-password'

/** Every configuration that is not the demo: the mail viewer must not exist in any of them. */
const NOT_DEMO: Array<[string, Record<string, string>]> = [
  ['the embedded default', {}],
  ['PostgreSQL', { DATABASE_URL: 'postgres://pec@127.0.0.1:5432/pec', SESSION_SECRET: TEST_SESSION_SECRET, OFFICE_TOTP_KEY: TEST_OFFICE_TOTP_KEY }],
  ['an https public address', { PUBLIC_URL: 'https://rinnovi.example.it' }],
  ['real gateway keys', { STRIPE_SECRET_KEY: 'sk_live_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' }],
  ['explicit production', { PEC_MODE: 'production', ...BANK_ENV }],
  ['an SMTP server', { SMTP_URL: 'smtp://127.0.0.1:2525' }],
]

describe.each(testDatabases())('%s: safe by default (R10)', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance | undefined
  afterEach(async () => {
    await app?.close()
    app = undefined
    await t?.close()
  })

  async function start(env: Record<string, string>): Promise<{ app: FastifyInstance; services: Services }> {
    await app?.close()
    const services = buildServices(testConfig({ DATABASE_URL: 'memory://', ...env }), t.database, clockOn('2026-06-01'))
    app = await buildServer(services)
    return { app, services }
  }

  async function seedHolder() {
    t = await open()
    await seedConvention(t.database.db)
    const mailbox = await seedMailbox(t.database.db, { expiresOn: '2026-07-01', address: 'vittima@pec.example.it', accountId: HOLDER })
    await t.database.db.update(accounts).set({ passwordHash: await hashPassword(PASSWORD, TEST_HASH_COST) }).where(eq(accounts.id, HOLDER))
    return mailbox
  }

  it.each(NOT_DEMO)('the account take-over through the mail viewer fails with %s', async (_label, env) => {
    await seedHolder()
    const { app } = await start(env)
    // 1. ask a reset link for a known (sequential) account ID
    const attacker = new WebClient(app)
    const form = await attacker.get('/password-dimenticata')
    expect((await attacker.post('/password-dimenticata', { identifier: HOLDER }, form.body)).statusCode).toBe(303)
    // 2. read the mail with the link: there is nothing to read
    for (const path of ['/dev/posta', '/dev/posta/1', '/dev/posta/1/html', '/dev/posta/2']) {
      const page = await attacker.get(path)
      expect(page.statusCode, path).toBe(404)
      expect(page.body).not.toMatch(/nuova-password\?t=/)
    }
    // 3. so no new password can be set, and the holder's own still works
    const [account] = await t.database.db.select().from(accounts).where(eq(accounts.id, HOLDER))
    expect(await verifyPassword(PASSWORD, account.passwordHash!)).toBe(true)
  })

  it('in demo mode the viewer serves this machine only, never a remote client', async () => {
    await seedHolder()
    const { app } = await start(DEMO_ENV)
    const local = await app.inject({ url: '/dev/posta', remoteAddress: '127.0.0.1' })
    expect(local.statusCode).toBe(200)
    for (const remoteAddress of ['203.0.113.7', '::ffff:203.0.113.7', '10.0.0.2']) {
      const remote = await app.inject({ url: '/dev/posta/1', remoteAddress, headers: { 'x-forwarded-for': '127.0.0.1' } })
      expect(remote.statusCode, remoteAddress).toBe(404)
    }
  })

  it('without gateway keys no card or PayPal payment exists: the sandbox pages and webhook answer 404', async () => {
    await seedHolder()
    const { app, services } = await start({ ...BANK_ENV })
    expect([...services.mail.methods].sort()).toEqual(['bollettino', 'bonifico'])
    expect(services.gateways.forMethod('card')).toBeUndefined()
    expect((await app.inject('/sandbox/pagamento/sbx_0123')).statusCode).toBe(404)
    const hook = await app.inject({ method: 'POST', url: '/webhooks/sandbox', payload: '{}', headers: { 'content-type': 'application/json' } })
    expect(hook.statusCode).toBe(404)
  })

  it('a reminder lists only the methods offered, and a method no longer offered is not explained', async () => {
    const mailbox = await seedHolder()
    const { services } = await start({ ...BANK_ENV })
    const order = await placeOrder(services.deps, { mailboxId: mailbox.id, years: 1, method: 'bonifico', actor: 'holder:test' })
    const params = {
      holderName: 'Vittima Rossi',
      mailbox: mailbox.address,
      expiresOn: '2026-07-01',
      offsetDays: 30,
      register: 'none' as const,
      registerWarning: false,
      openOrder: { orderId: order.orderId, totalCents: order.totalCents, method: 'bonifico' as const, payBy: '2026-06-26' },
    }
    const mail = renderMail({ template: 'reminder', language: 'it', params }, services.mail)
    expect(mail.text).toContain('IT60X0542811101000000123456'.replace(/(.{4})/g, '$1 ').trim())
    expect(mail.text).toMatch(/Bollettino postale/)
    expect(mail.text).not.toMatch(/Carta di credito|PayPal/)
    const withoutBank = mailContext('http://localhost:3000', null, undefined, undefined, [])
    const stale = renderMail({ template: 'reminder', language: 'it', params }, withoutBank)
    expect(stale.text).toContain('Questo metodo di pagamento non è più disponibile')
    expect(stale.text).not.toContain('IBAN')
  })

  it('a rotated secret keeps live forms and mailed links working; the old one alone is then gone', async () => {
    await seedHolder()
    const before = await start({ SESSION_SECRET: TEST_SESSION_SECRET })
    const holder = new WebClient(before.app)
    const page = await holder.get('/rinnova') // CSRF cookie signed with the old secret
    const link = renewalLinkToken(TEST_SESSION_SECRET, 'vittima@pec.example.it', renewalLinkExpiry('2026-07-01' as CalendarDate))

    const rotated = await start({ SESSION_SECRET: `${OTHER_SESSION_SECRET},${TEST_SESSION_SECRET}` })
    const client = new WebClient(rotated.app)
    for (const [name, value] of holder.cookies) client.cookies.set(name, value)
    expect((await client.post('/accedi', { identifier: HOLDER, password: PASSWORD }, page.body)).statusCode).toBe(303)
    expect((await new WebClient(rotated.app).get(`/rinnova?t=${link}`)).body).toContain('value="vittima@pec.example.it"')

    const retired = await start({ SESSION_SECRET: OTHER_SESSION_SECRET })
    const late = new WebClient(retired.app)
    for (const [name, value] of holder.cookies) late.cookies.set(name, value)
    expect((await late.post('/accedi', { identifier: HOLDER, password: PASSWORD }, page.body)).statusCode).toBe(403)
    const unlinked = await new WebClient(retired.app).get(`/rinnova?t=${link}`)
    expect(unlinked.statusCode).toBe(200)
    expect(unlinked.body).not.toContain('value="vittima@pec.example.it"')
  })
})
