import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { hashPassword } from '../../src/accounts/passwords'
import { accounts } from '../../src/accounts/schema'
import { placeOrder } from '../../src/renewals/place-order'
import type { Services } from '../../src/services'
import { testDatabases, type TestDatabase } from '../support/databases'
import { seedMailbox } from '../support/seed'
import { DEMO_ENV, TEST_HASH_COST } from '../support/config'
import { serverUnderTest } from '../support/office'
import { csrfToken, WebClient } from '../support/web-client'
import { allPayments, checkouts, expiryOf, orderStatus, webhooks } from '../payments/gateways/harness'

describe.each(testDatabases())('%s: card payment through the sandbox gateway', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  const server = serverUnderTest(open)

  async function setup() {
    const started = await server.start({ today: '2026-05-01', env: DEMO_ENV }) // demo mode: the sandbox gateway
    ;({ t, app } = started)
    const { services } = started
    const db = t.database.db
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30', address: 'rossi@pec.example.it', accountId: 'FNOM000020' })
    await seedMailbox(db, { expiresOn: '2026-08-31', address: 'altrui@pec.example.it', accountId: 'FNOM000021' })
    const hash = await hashPassword('secret-20', TEST_HASH_COST)
    await db.update(accounts).set({ passwordHash: hash }).where(eq(accounts.id, 'FNOM000020'))
    await db.update(accounts).set({ passwordHash: hash }).where(eq(accounts.id, 'FNOM000021'))
    const order = await placeOrder(services.deps, { mailboxId: mailbox.id, years: 1, method: 'card', actor: 'holder:FNOM000020', accountId: 'FNOM000020' })
    return { services, mailbox, order }
  }

  async function signIn(accountId = 'FNOM000020') {
    const client = new WebClient(app)
    const page = await client.get('/rinnova')
    const response = await client.post('/accedi', { identifier: accountId, password: 'secret-20' }, page.body)
    expect(response.statusCode).toBe(303)
    return client
  }

  /** From the done page's pay button to the gateway: the location the portal redirects to. */
  async function payFromDonePage(client: WebClient, orderId: string) {
    const done = await client.get(`/ordini/${orderId}`)
    expect(done.statusCode).toBe(200)
    expect(done.body).toContain(`action="/ordini/${orderId}/paga"`)
    const response = await client.post(`/ordini/${orderId}/paga`, { method: 'card' }, done.body)
    expect(response.statusCode).toBe(303)
    return response.headers.location as string
  }

  it('R4: pay, sandbox page, success, webhook, return page: paid, and the expiry moves from E', async () => {
    const { mailbox, order } = await setup()
    const client = await signIn()
    const location = await payFromDonePage(client, order.orderId)
    expect(location).toMatch(/^\/sandbox\/pagamento\/sbx_[0-9a-f]{32}$/)

    const waiting = await client.get(`/ordini/${order.orderId}/esito`)
    expect(waiting.body).toContain('Stiamo aspettando che il circuito di prova (simulazione) confermi il pagamento')
    expect(waiting.body).toMatch(/<head>[\s\S]*<meta http-equiv="refresh" content="5">[\s\S]*<\/head>/)
    expect(waiting.body).not.toMatch(/<script/)

    const sandbox = await client.get(location)
    expect(sandbox.statusCode).toBe(200)
    expect(sandbox.body).toContain('SIMULAZIONE — nessun addebito reale')
    expect(sandbox.body).toContain('12,20')
    const paid = await client.post(location, { esito: 'ok' }, sandbox.body)
    expect(paid.statusCode).toBe(303)
    expect(paid.headers.location).toBe(`/ordini/${order.orderId}/esito`)

    const result = await client.get(`/ordini/${order.orderId}/esito`)
    expect(result.body).toContain('Pagamento ricevuto')
    expect(result.body).toContain('30 giugno 2027')
    expect(result.body).not.toContain('http-equiv="refresh"')
    expect(await expiryOf(t, mailbox.id)).toBe('2027-06-30')
    const [payment] = await allPayments(t)
    expect(payment).toMatchObject({ method: 'card', amountCents: 1220, outcome: 'paid', source: 'gateway:sandbox' })
    expect(await webhooks(t)).toHaveLength(1)

    // A second click on the simulated page (back button, double submit) pays nothing more.
    const again = await client.post(location, { esito: 'ok' }, sandbox.body)
    expect(again.statusCode).toBe(303)
    expect((await client.get(location)).body).toContain('già concluso')
    expect(await allPayments(t)).toHaveLength(1)
    expect(await expiryOf(t, mailbox.id)).toBe('2027-06-30')
  })

  it('3-D Secure: a wrong code declines the payment and leaves the order open; a retry with 123456 pays', async () => {
    const { mailbox, order } = await setup()
    const client = await signIn()
    const location = await payFromDonePage(client, order.orderId)
    const sandbox = await client.get(location)
    const challenge = await client.post(location, { esito: '3ds' }, sandbox.body)
    expect(challenge.headers.location).toBe(`${location}/3ds`)
    const form = await client.get(`${location}/3ds`)
    expect(form.body).toMatch(/<label for="codice">Codice di verifica<\/label>/)
    expect(form.body).toContain('SIMULAZIONE — nessun addebito reale')
    const empty = await client.post(`${location}/3ds`, { codice: '' }, form.body)
    expect(empty.statusCode).toBe(422)
    expect(empty.body).toMatch(/class="error-summary"[\s\S]*href="#codice"/)
    expect(empty.body).toContain('aria-invalid="true"')
    const wrong = await client.post(`${location}/3ds`, { codice: '000000' }, empty.body)
    expect(wrong.headers.location).toBe(`/ordini/${order.orderId}/esito`)
    const declined = await client.get(`/ordini/${order.orderId}/esito`)
    expect(declined.body).toContain('la verifica 3-D Secure non è riuscita')
    expect(declined.body).toContain('Riprova il pagamento')
    expect(await orderStatus(t, order.orderId)).toBe('open')
    expect(await allPayments(t)).toEqual([])
    expect(await expiryOf(t, mailbox.id)).toBe('2026-06-30')

    const retry = await client.post(`/ordini/${order.orderId}/paga`, {}, declined.body)
    expect(retry.headers.location).not.toBe(location) // a declined attempt is never reused
    const page = await client.get(retry.headers.location as string)
    await client.post(retry.headers.location as string, { esito: '3ds' }, page.body)
    const challenge2 = await client.get(`${retry.headers.location}/3ds`)
    await client.post(`${retry.headers.location}/3ds`, { codice: '123456' }, challenge2.body)
    expect((await client.get(`/ordini/${order.orderId}/esito`)).body).toContain('Pagamento ricevuto')
    expect(await expiryOf(t, mailbox.id)).toBe('2027-06-30')
    expect((await checkouts(t, order.orderId)).map((c) => c.status).sort()).toEqual(['confirmed', 'declined'])
  })

  it('a declined card leaves the order open and says so, in English too', async () => {
    const { mailbox, order } = await setup()
    const client = await signIn()
    const location = await payFromDonePage(client, order.orderId)
    const sandbox = await client.get(`${location}?lang=en`)
    expect(sandbox.body).toContain('SIMULATION — no real charge')
    await client.post(location, { esito: 'rifiuta' }, sandbox.body)
    const declined = await client.get(`/ordini/${order.orderId}/esito`)
    expect(declined.body).toContain('the card was declined')
    expect(await orderStatus(t, order.orderId)).toBe('open')
    expect(await expiryOf(t, mailbox.id)).toBe('2026-06-30')
  })

  it('a holder can neither pay nor see the result of another account’s order', async () => {
    const { order } = await setup()
    const stranger = await signIn('FNOM000021')
    const list = await stranger.get('/caselle')
    const pay = await stranger.post(`/ordini/${order.orderId}/paga`, {}, list.body)
    expect(pay.statusCode).toBe(404)
    expect((await stranger.get(`/ordini/${order.orderId}/esito`)).statusCode).toBe(404)
    expect(await checkouts(t, order.orderId)).toEqual([])
    const anonymous = new WebClient(app)
    expect((await anonymous.get(`/ordini/${order.orderId}/esito`)).statusCode).toBe(303)
  })

  it('the pay form needs its CSRF token', async () => {
    const { order } = await setup()
    const client = await signIn()
    const response = await client.post(`/ordini/${order.orderId}/paga`, {})
    expect(response.statusCode).toBe(403)
    expect(await checkouts(t, order.orderId)).toEqual([])
  })

  it('the webhook route refuses a forged sandbox event, stores nothing, and knows no unconfigured gateway', async () => {
    const { services, order, mailbox } = await setup()
    const client = await signIn()
    const location = await payFromDonePage(client, order.orderId)
    const ref = location.split('/').pop()!
    const sandbox = (services as Services).gateways.sandbox!
    const signed = sandbox.signedEvent({ gatewayRef: ref, orderId: order.orderId, amountCents: 1220, method: 'card' }, { outcome: 'succeeded' }, services.deps.clock.now())
    const forged = await app.inject({ method: 'POST', url: '/webhooks/sandbox', payload: signed.body.replace('1220', '1'), headers: signed.headers })
    expect(forged.statusCode).toBe(400)
    expect(forged.json()).toEqual({ error: 'invalid_signature' })
    const unsigned = await app.inject({ method: 'POST', url: '/webhooks/sandbox', payload: signed.body, headers: { 'content-type': 'application/json' } })
    expect(unsigned.statusCode).toBe(400)
    expect(await webhooks(t)).toEqual([])
    expect((await app.inject({ method: 'POST', url: '/webhooks/stripe', payload: '{}', headers: { 'content-type': 'application/json' } })).statusCode).toBe(404)

    const genuine = await app.inject({ method: 'POST', url: '/webhooks/sandbox', payload: signed.body, headers: signed.headers })
    expect(genuine.statusCode).toBe(200)
    expect(genuine.json()).toMatchObject({ received: true, outcome: 'paid' })
    const replay = await app.inject({ method: 'POST', url: '/webhooks/sandbox', payload: signed.body, headers: signed.headers })
    expect(replay.json()).toMatchObject({ outcome: 'replayed' })
    expect(await expiryOf(t, mailbox.id)).toBe('2027-06-30')
    expect(csrfToken((await client.get(`/ordini/${order.orderId}/esito`)).body)).toBeTruthy()
  })
})
