import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { accounts, signInFailures } from '../../src/accounts/schema'
import { loadConfig } from '../../src/config'
import { parseCalendarDate as day } from '../../src/core/calendar'
import type { ManualClock } from '../../src/core/clock'
import { formatOrderId, type OrderId } from '../../src/core/order-id'
import { registerPayment } from '../../src/flows/register-payment'
import { runLifecycle } from '../../src/lifecycle/run-lifecycle'
import { enqueueMail } from '../../src/notifications/outbox'
import { outbox } from '../../src/notifications/schema'
import { addOperator } from '../../src/operators/add-operator'
import { placeOrder } from '../../src/renewals/place-order'
import { buildServices, type Services } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { TEST_SESSION_SECRET } from '../support/config'
import { testDatabases, type TestDatabase } from '../support/databases'
import { signInAsOperator } from '../support/office'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { WebClient } from '../support/web-client'

const PASSWORD = 'operatore-di-prova-1'
const ADDRESS = 'giulia.verdi@pec.example.it'

describe.each(testDatabases())('%s: the back office’s mailbox, account, order and e-mail pages', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  let clock: ManualClock
  let services: Services
  let scaduta: { id: number }
  afterEach(async () => {
    await app?.close()
    await t?.close()
  })

  /** A mailbox renewed by a payment an operator registered by hand, another one deactivated by the daily run. */
  async function setup() {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    clock = clockOn('2026-06-01')
    services = buildServices(loadConfig({ DATABASE_URL: 'memory://', PUBLIC_URL: 'https://rinnovi.example.it', SESSION_SECRET: TEST_SESSION_SECRET }), t.database, clock)
    const giulia = await seedMailbox(db, { expiresOn: '2026-06-30', address: ADDRESS, accountId: 'FNOM000101', register: 'ini_pec' })
    await db.update(accounts).set({ firstName: 'Giulia', lastName: 'Verdi', fiscalCode: 'VRDGLI80A41H501Z' }).where(eq(accounts.id, 'FNOM000101'))
    scaduta = await seedMailbox(db, { expiresOn: '2026-05-20', address: 'scaduta@pec.example.it', accountId: 'FNOM000102' })
    await addOperator(services.deps, { username: 'sara', displayName: 'Sara Bruni', password: PASSWORD, role: 'read-only', actor: 'operator:setup' })
    await addOperator(services.deps, { username: 'ada', displayName: 'Ada Conti', password: PASSWORD, role: 'billing', actor: 'operator:setup' })
    await addOperator(services.deps, { username: 'rita', displayName: 'Rita Sala', password: PASSWORD, role: 'support', actor: 'operator:setup' })
    const order = await placeOrder(services.deps, {
      mailboxId: giulia.id,
      years: 1,
      method: 'bonifico',
      actor: 'holder:FNOM000101',
      acceptedContracts: [{ documentCode: 'condizioni-generali', version: '3.1', acceptedAt: '2026-05-20T08:00:00.000Z' }],
    })
    const orderId = order.orderId as OrderId
    const paid = await registerPayment(
      services.deps,
      { orderRef: orderId, amountCents: order.totalCents, method: 'bonifico', reference: 'CRO-778899', actor: 'operator:ada' },
      { reason: 'Contabile inviata dall’intestatario' },
    )
    expect(paid.outcome).toBe('paid')
    await runLifecycle(services.deps, { date: day('2026-06-01') })
    app = await buildServer(services)
    const client = new WebClient(app)
    await signInAsOperator(client, clock, 'sara', PASSWORD)
    return { client, orderId, totalCents: order.totalCents }
  }

  it('a read-only operator reads a mailbox’s whole story in words, with links to its account, orders and e-mails, and no actions', async () => {
    const { client, orderId } = await setup()
    const page = await client.get(`/ufficio/caselle/${encodeURIComponent(ADDRESS.toUpperCase())}`)
    expect(page.statusCode).toBe(200)
    const body = page.body
    expect(body).toContain('Attiva: scade il 30 giugno 2027.')
    expect(body).toContain('Iscritta a INI-PEC tramite l’Ordine')
    expect(body).toContain('Giulia Verdi')
    expect(body).toContain('href="/ufficio/conti/FNOM000101"')
    expect(body).toContain(`href="/ufficio/ordini/${orderId}"`)
    expect(body).toMatch(/href="\/ufficio\/posta\/\d+">Pagamento ricevuto/)
    // the timeline: each entry in words, who by name, the operator's reason as typed
    const timeline = body.slice(body.indexOf('id="timeline"'))
    expect(timeline).toContain(`Ordine ${formatOrderId(orderId)}: rinnovo per 1 anno`)
    expect(timeline).toContain('da pagare con bonifico bancario.')
    expect(timeline).toMatch(/Pagamento di [\d,]+\s€ ricevuto \(bonifico bancario\) per l’ordine [A-Z0-9-]+: la scadenza è passata dal 30 giugno 2026 al 30 giugno 2027\./)
    expect(timeline).toContain('Ada Conti (operatore)')
    expect(timeline).toContain('Motivo: Contabile inviata dall’intestatario')
    expect(timeline).toContain('L’intestatario')
    expect(timeline).not.toMatch(/\b(payment|order|mailbox)\.[a-z_]+/) // no action code
    expect(body).not.toMatch(/\{\w+\}|\bR\d+\b/) // no unfilled placeholder, no rule code
    // actions: a read-only operator sees none
    expect(body).toContain('Con il tuo ruolo puoi solo consultare questa pagina.')
    expect(body).not.toContain('/proroga')
  })

  it('the deactivated mailbox shows its notice, its platform command and the system’s deactivation in words; English with the switch', async () => {
    const { client } = await setup()
    const page = await client.get('/ufficio/caselle/scaduta%40pec.example.it')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Disattivata dal 1º giugno 2026: non è stata rinnovata entro la scadenza del 20 maggio 2026.')
    expect(page.body).toContain('Avviso di disattivazione')
    expect(page.body).toContain('Disattivare la casella')
    expect(page.body).toContain('Casella disattivata: non è stata rinnovata entro la scadenza del 20 maggio 2026.')
    expect(page.body).toContain('Il sistema')
    expect(page.body).not.toMatch(/\bR5\b|not renewed/)
    const english = await client.get('/ufficio/caselle/scaduta%40pec.example.it?lang=en')
    expect(english.body).toContain('Mailbox deactivated: not renewed by its expiry date of 20 May 2026.')
    expect(english.body).toContain('The system')
  })

  it('answers 404 in Italian for an unknown mailbox, account, order or e-mail', async () => {
    const { client } = await setup()
    const unknown = await client.get('/ufficio/caselle/nessuna%40pec.example.it')
    expect(unknown.statusCode).toBe(404)
    expect(unknown.body).toContain('Casella PEC non trovata')
    const account = await client.get('/ufficio/conti/FNOM999999')
    expect(account.statusCode).toBe(404)
    expect(account.body).toContain('Conto cliente non trovato')
    for (const id of ['ABCDEFGH00', 'non-un-ordine']) {
      const order = await client.get(`/ufficio/ordini/${id}`)
      expect(order.statusCode).toBe(404)
      expect(order.body).toContain('Ordine non trovato')
    }
    const mail = await client.get('/ufficio/posta/999999')
    expect(mail.statusCode).toBe(404)
    expect(mail.body).toContain('E-mail non trovata')
  })

  it('the account page lists its mailboxes, billing, orders and the sign-in lock the guard keeps', async () => {
    const { client, orderId } = await setup()
    await t.database.db.insert(signInFailures).values({ identifier: 'fnom000101', failures: 100, windowStartedAt: new Date('2026-05-31T10:00:00Z') })
    const page = await client.get('/ufficio/conti/fnom000101')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain(`href="/ufficio/caselle/${encodeURIComponent(ADDRESS)}"`)
    expect(page.body).toContain(`href="/ufficio/ordini/${orderId}"`)
    expect(page.body).toContain('bloccato: serve una nuova password o lo sblocco')
    expect(page.body).toContain('Nessuna sessione.')
    expect(page.body).not.toContain('/sblocca') // read-only: no actions
  })

  it('the order page shows its amounts, state, payment, e-mails and timeline; its invoice', async () => {
    const { client, orderId, totalCents } = await setup()
    const page = await client.get(`/ufficio/ordini/${orderId.toLowerCase()}`)
    expect(page.statusCode).toBe(200)
    expect(page.body).toMatch(/id="order-status">pagato</)
    expect(page.body).toContain(`id="order-total">${(totalCents / 100).toFixed(2).replace('.', ',')}`)
    expect(page.body).toContain('CRO-778899')
    expect(page.body).toContain('la scadenza è passata dal 30 giugno 2026 al 30 giugno 2027')
    const invoice = /<td>Fattura<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td>/.exec(page.body) // the invoice the payment issued (R11)
    expect(invoice?.slice(2)).toEqual(['1º giugno 2026', (totalCents / 100).toFixed(2).replace('.', ',') + '\u00a0€', 'emessa'])
    expect(page.body).not.toContain('/annulla') // paid: nothing to cancel
    // issue 11: the versions the holder accepted, each readable as it was
    expect(page.body).toMatch(/<a href="\/contratti\/condizioni-generali\/3\.1">condizioni-generali, versione 3\.1, il /)
  })

  it('shows an e-mail as the holder received it, never a one-time link it carried', async () => {
    const { client } = await setup()
    const db = t.database.db
    const [received] = await db.select().from(outbox).where(eq(outbox.template, 'payment_received'))
    const page = await client.get(`/ufficio/posta/${received.id}`)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Pagamento ricevuto')
    expect(page.body).toMatch(/id="mail-text"[^>]*>[^<]*giulia\.verdi@pec\.example\.it/)
    expect(page.body).toContain(`src="/ufficio/posta/${received.id}/html"`)
    const html = await client.get(`/ufficio/posta/${received.id}/html`)
    expect(html.statusCode).toBe(200)
    expect(String(html.headers['content-security-policy'])).toMatch(/^sandbox/)
    expect(html.body).toContain(ADDRESS)

    const reset = await db.transaction((tx) =>
      enqueueMail(tx, { template: 'password_reset', language: 'it', recipient: 'giulia@example.it', params: { holderName: 'Giulia Verdi', accountId: 'FNOM000101', token: 'segreto-di-una-volta', expiresAt: '2026-06-02T12:00:00.000Z' } }, clock.now()),
    )
    const resetPage = await client.get(`/ufficio/posta/${reset}`)
    expect(resetPage.statusCode).toBe(200)
    expect(resetPage.body).toContain('Il link personale che l’e-mail conteneva non viene mostrato')
    expect(resetPage.body).not.toContain('segreto-di-una-volta')
    expect((await client.get(`/ufficio/posta/${reset}/html`)).body).not.toContain('segreto-di-una-volta')
  })

  it('shows each action link only to a role that may use it', async () => {
    const { orderId } = await setup()
    // a support operator: e-mail change, unlock and re-send; no billing action
    const support = new WebClient(app)
    await signInAsOperator(support, clock, 'rita', PASSWORD)
    const mailbox = (await support.get(`/ufficio/caselle/${encodeURIComponent(ADDRESS)}`)).body
    expect(mailbox).not.toContain('/proroga')
    expect(mailbox).not.toContain('/ordine-telefonico')
    const account = (await support.get('/ufficio/conti/FNOM000101')).body
    expect(account).toContain('href="/ufficio/conti/FNOM000101/email"')
    expect(account).toContain('href="/ufficio/conti/FNOM000101/sblocca"')
    const [mail] = await t.database.db.select().from(outbox).limit(1)
    expect((await support.get(`/ufficio/posta/${mail.id}`)).body).toContain(`href="/ufficio/posta/${mail.id}/reinvia"`)
    // billing: extend, register flag, phone order
    const billing = new WebClient(app)
    await signInAsOperator(billing, clock, 'ada', PASSWORD)
    const forBilling = (await billing.get(`/ufficio/caselle/${encodeURIComponent(ADDRESS)}`)).body
    for (const action of ['proroga', 'registro', 'ordine-telefonico']) expect(forBilling).toContain(`href="/ufficio/caselle/${encodeURIComponent(ADDRESS)}/${action}"`)
    // an open order can be cancelled by billing
    const other = await placeOrder(services.deps, { mailboxId: scaduta.id, years: 1, method: 'bonifico', actor: 'holder:FNOM000102' })
    expect((await billing.get(`/ufficio/ordini/${other.orderId}`)).body).toContain(`href="/ufficio/ordini/${other.orderId}/annulla"`)
    expect((await support.get(`/ufficio/ordini/${other.orderId}`)).body).not.toContain('/annulla')
    expect(orderId).not.toBe(other.orderId)
  })

  it('search results and work queues link to these pages', async () => {
    const { client } = await setup()
    const found = await client.get('/ufficio/cerca?q=VRDGLI80A41H501Z')
    expect(found.body).toContain(`<a href="/ufficio/caselle/${encodeURIComponent(ADDRESS)}">${ADDRESS}</a>`)
    expect(found.body).toContain('<a href="/ufficio/conti/FNOM000101">FNOM000101</a>')
  })
})
