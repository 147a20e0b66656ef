import { parseCalendarDate } from '../../src/core/calendar'
import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { and, eq } from 'drizzle-orm'
import { hashPassword } from '../../src/accounts/passwords'
import { accounts } from '../../src/accounts/schema'
import { saveContract } from '../../src/catalog/queries'
import type { ManualClock } from '../../src/core/clock'
import { registerPayment } from '../../src/flows/register-payment'
import { formatOrderId, type OrderId } from '../../src/core/order-id'
import { auditLog } from '../../src/db/audit-schema'
import { mailContext } from '../../src/notifications/mail-context'
import { renderMail } from '../../src/notifications/render-mail'
import { outbox } from '../../src/notifications/schema'
import { billingProfiles, orders } from '../../src/renewals/schema'
import { buildServices, type Services } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn, seedConvention, seedMailbox, type MailboxSeed } from '../support/seed'
import { WebClient } from '../support/web-client'
import { DEMO_ENV, TEST_SESSION_SECRET, TEST_HASH_COST, testConfig } from '../support/config'

const BUSINESS = {
  kind: 'business',
  name: 'Studio Medico Rossi',
  fiscalCode: 'RSSMRA85T10A562S',
  vatNumber: '00743110157',
  street: 'Via Roma',
  streetNumber: '11',
  postalCode: '00184',
  city: 'Roma',
  province: 'RM',
  country: 'Italia',
  sdiCode: 'ABC1234',
  pecAddress: '',
}

/** The holder's own side (issue 14): remembered billing data, the mailbox list, the account page. */
describe.each(testDatabases())('%s: the holder’s account', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  let clock: ManualClock
  let services: Services
  afterEach(async () => {
    await app?.close()
    await t?.close()
  })

  async function setup(mailboxes: MailboxSeed[], today = '2026-06-01') {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    await saveContract(db, {
      document: { code: 'condizioni-generali', titleIt: 'Condizioni generali del servizio PEC', titleEn: 'PEC service terms', onerous: false },
      versions: [{ version: '3.2', effectiveFrom: parseCalendarDate('2026-01-01'), url: '-', body: 'Articolo 1.' }],
    })
    const seeded = []
    for (const m of mailboxes) seeded.push(await seedMailbox(db, { accountId: 'FNOM000010', ...m }))
    await db.update(accounts).set({ passwordHash: await hashPassword('account-secret', TEST_HASH_COST) })
    const config = testConfig({ DATABASE_URL: 'memory://', SESSION_SECRET: TEST_SESSION_SECRET, ...DEMO_ENV })
    clock = clockOn(today)
    services = buildServices(config, t.database, clock)
    app = await buildServer(services)
    return seeded
  }

  async function signIn(lang?: 'en') {
    const client = new WebClient(app)
    const page = await client.get(lang ? `/rinnova?lang=${lang}` : '/rinnova')
    expect((await client.post('/accedi', { identifier: 'FNOM000010', password: 'account-secret' }, page.body)).statusCode).toBe(303)
    return client
  }

  async function step(client: WebClient, url: string, form: Record<string, string>) {
    const page = await client.get(url)
    expect(page.statusCode, `${url}: ${page.body.slice(0, 300)}`).toBe(200)
    return client.post(url, form, page.body)
  }

  /** The wizard up to the order: returns the order ID. */
  async function renew(client: WebClient, mailboxId: number, billing: Record<string, string>, method = 'bonifico') {
    const base = `/rinnovo/${mailboxId}`
    await client.get(base)
    await step(client, `${base}/durata`, { years: '1' })
    await step(client, `${base}/contratti`, { 'accept_condizioni-generali': 'yes' })
    expect((await step(client, `${base}/fatturazione`, billing)).headers.location).toBe(`${base}/pagamento`)
    await step(client, `${base}/pagamento`, { method })
    const summary = await client.get(`${base}/riepilogo`)
    const done = await client.post(`${base}/conferma`, {}, summary.body)
    expect(done.statusCode).toBe(303)
    const [open] = await t.database.db.select().from(orders).where(and(eq(orders.mailboxId, mailboxId), eq(orders.status, 'open')))
    return open.id
  }

  async function pay(orderId: OrderId, reference = `tx-${orderId}`) {
    const [order] = await t.database.db.select().from(orders).where(eq(orders.id, orderId))
    const outcome = await registerPayment(services.deps, { orderRef: orderId, amountCents: order.totalCents, method: order.method, reference, actor: 'gateway:test' })
    expect(outcome.outcome).toBe('paid')
  }

  describe('billing profile', () => {
    it('the next renewal starts from the billing data last confirmed with an order, and it can be changed', async () => {
      const [first, second] = await setup([
        { expiresOn: '2026-07-01', address: 'prima@pec.example.it' },
        { expiresOn: '2026-09-01', address: 'seconda@pec.example.it' },
      ])
      const client = await signIn()
      // before any order: only the holder's own name and codice fiscale
      await step(client, `/rinnovo/${second.id}/durata`, { years: '1' })
      await step(client, `/rinnovo/${second.id}/contratti`, { 'accept_condizioni-generali': 'yes' })
      const blank = await client.get(`/rinnovo/${second.id}/fatturazione`)
      expect(blank.body).toMatch(/id="street" name="street" value=""/)

      const orderId = await renew(client, first.id, BUSINESS)
      const [profile] = await t.database.db.select().from(billingProfiles)
      expect(profile).toMatchObject({ accountId: 'FNOM000010', orderId, billing: { vatNumber: '00743110157', sdiCode: 'ABC1234', street: 'Via Roma' } })

      // a draft begun before the order keeps what it had; a fresh renewal starts from the profile
      await t.database.db.delete((await import('../../src/renewals/schema')).renewalDrafts)
      await step(client, `/rinnovo/${second.id}/durata`, { years: '1' })
      await step(client, `/rinnovo/${second.id}/contratti`, { 'accept_condizioni-generali': 'yes' })
      const filled = await client.get(`/rinnovo/${second.id}/fatturazione`)
      expect(filled.body).toMatch(/id="kind-business" name="kind" value="business" checked/)
      expect(filled.body).toMatch(/id="name" name="name" value="Studio Medico Rossi"/)
      expect(filled.body).toMatch(/id="vatNumber" name="vatNumber" value="00743110157"/)
      expect(filled.body).toMatch(/id="streetNumber" name="streetNumber" value="11"/)
      expect(filled.body).toMatch(/id="sdiCode" name="sdiCode" value="ABC1234"/)
      expect(filled.body).toMatch(/<option value="RM" selected>/)
      expect(filled.body).toContain('Sono quelli del tuo ultimo ordine')
      expect(blank.body).not.toContain('Sono quelli del tuo ultimo ordine')

      // changed on this order: the profile follows the last confirmed one
      const moved = { ...BUSINESS, street: 'Piazza Navona', streetNumber: '8' }
      const secondOrder = await renew(client, second.id, moved)
      const [updated] = await t.database.db.select().from(billingProfiles)
      expect(updated).toMatchObject({ orderId: secondOrder, billing: { street: 'Piazza Navona', streetNumber: '8' } })
      await pay(secondOrder)
      const [stillOne] = await t.database.db.select().from(orders).where(eq(orders.id, orderId))
      expect(stillOne.billing).toMatchObject({ street: 'Via Roma' }) // R3: each order keeps its own snapshot
    })
  })

  describe('the mailbox list', () => {
    it('puts the most urgent first, says how soon in words, warns about the register (R7) and keeps the domain whole', async () => {
      await setup([
        { expiresOn: '2027-03-01', address: 'dopo@pec.example.it' },
        { expiresOn: '2025-12-31', status: 'ceased', address: 'cessata@pec.example.it' },
        { expiresOn: '2026-06-08', address: 'nome.cognome.molto.lungo@pec.ordine-medici.example.it', register: 'ini_pec' },
        { expiresOn: '2026-04-12', status: 'deactivated', deactivatedOn: '2026-04-13', address: 'spenta@pec.example.it', register: 'registro_imprese' },
      ])
      const client = await signIn()
      const page = await client.get('/caselle')
      expect(page.statusCode).toBe(200)
      const domains = [...page.body.matchAll(/<span class="address-domain">([^<]+)<\/span>/g)].map((m) => m[1])
      expect(domains).toEqual(['pec.example.it', 'pec.ordine-medici.example.it', 'pec.example.it', 'pec.example.it'])
      const order = [...page.body.matchAll(/<li class="card urgency-([a-z_]+)">/g)].map((m) => m[1])
      expect(order).toEqual(['renewable_until', 'expires_soon', 'expires_later', 'gone'])
      expect(page.body).toContain('Disattivata: rinnovabile fino all’11 luglio 2026 (ancora 40 giorni). Il pagamento la riattiva.')
      expect(page.body).toContain('Scade tra 7 giorni.')
      expect(page.body).toContain('nome.<wbr>cognome') // the local part may wrap after a dot…
      expect(page.body).toMatch(/lungo<wbr>@<span class="address-domain">pec\.ordine-medici\.example\.it<\/span>/) // …the domain never
      // R7: said for the deactivated one and the one expiring soon, on their registers
      expect(page.body).toContain('Casella comunicata al Registro delle Imprese')
      expect(page.body).toContain('pratica ComUnica')
      expect(page.body).toContain('Casella comunicata a INI-PEC')

      clock.set(new Date('2026-06-08T10:00:00Z'))
      const lastDay = await (await signIn()).get('/caselle')
      expect(lastDay.body).toContain('Scade oggi: funziona fino a stanotte.')
      clock.set(new Date('2026-07-11T10:00:00Z'))
      expect((await (await signIn()).get('/caselle')).body).toContain('rinnovabile fino all’11 luglio 2026 (oggi è l’ultimo giorno)')

      clock.set(new Date('2026-06-01T10:00:00Z'))
      const en = await signIn('en')
      const english = await en.get('/caselle')
      expect(english.body).toContain('Deactivated: renewable until 11 July 2026 (40 days left).')
      expect(english.body).toContain('Expires in 7 days.')
      expect(english.body).toContain('Mailbox on record at INI-PEC')
    })

    it('R7: the summary before CONFERMA warns about the register too', async () => {
      const [mailbox] = await setup([{ expiresOn: '2026-07-01', address: 'registro@pec.example.it', register: 'registro_imprese' }])
      const client = await signIn()
      const base = `/rinnovo/${mailbox.id}`
      await client.get(base)
      await step(client, `${base}/durata`, { years: '1' })
      await step(client, `${base}/contratti`, { 'accept_condizioni-generali': 'yes' })
      await step(client, `${base}/fatturazione`, BUSINESS)
      await step(client, `${base}/pagamento`, { method: 'bonifico' })
      const summary = await client.get(`${base}/riepilogo`)
      expect(summary.body).toContain('Casella comunicata al Registro delle Imprese')
      expect(summary.body).toContain('Se non la rinnovi, dovrai comunicare al Registro delle Imprese un nuovo indirizzo PEC')
    })
  })

  describe('a paid order', () => {
    it('says when it was paid and the new expiry, not an amount to pay', async () => {
      const [mailbox] = await setup([{ expiresOn: '2026-12-11', address: 'pagata@pec.example.it' }])
      const client = await signIn()
      const orderId = await renew(client, mailbox.id, BUSINESS)
      const open = await client.get(`/ordini/${orderId}`)
      expect(open.body).toContain('Importo da pagare')
      clock.set(new Date('2026-06-08T10:00:00Z'))
      await pay(orderId)
      const paid = await (await signIn()).get(`/ordini/${orderId}`)
      expect(paid.body).not.toContain('Importo da pagare')
      expect(paid.body).toContain('Pagato l’8 giugno 2026. La casella è rinnovata fino all’11 dicembre 2027.')
      expect(paid.body).toMatch(/<dt>Importo pagato<\/dt><dd><strong>12,20\s€<\/strong>/)
      expect(paid.body).toMatch(/<dt>Data del pagamento<\/dt><dd><time datetime="2026-06-08">8 giugno 2026<\/time>/)
      expect(paid.body).toMatch(/<dt>Nuova scadenza<\/dt><dd><time datetime="2027-12-11">11 dicembre 2027<\/time>/)
      expect(paid.body).not.toContain('Come pagare')
    })
  })

  describe('the account page', () => {
    it('lists every order with state, method, amount and dates; an open one links to its instructions and can be cancelled', async () => {
      const [first, second] = await setup([
        { expiresOn: '2026-07-01', address: 'prima@pec.example.it' },
        { expiresOn: '2026-09-11', address: 'seconda@pec.example.it' },
      ])
      await seedMailbox(t.database.db, { expiresOn: '2026-07-01', address: 'altrui@pec.example.it', accountId: 'FNOM000099' })
      const client = await signIn()
      const empty = await client.get('/account')
      expect(empty.statusCode).toBe(200)
      expect(empty.body).toContain('Non hai ancora fatto ordini di rinnovo.')
      expect(empty.body).toContain('href="/account"') // in the navigation

      const paidId = await renew(client, first.id, BUSINESS, 'card')
      clock.set(new Date('2026-06-02T10:00:00Z'))
      await pay(paidId)
      const client2 = await signIn()
      const openId = await renew(client2, second.id, BUSINESS, 'bonifico')
      const page = await client2.get('/account')
      const paidNumber = formatOrderId(paidId as OrderId)
      const openNumber = formatOrderId(openId as OrderId)
      // newest first, each with its facts
      expect(page.body.indexOf(openNumber)).toBeLessThan(page.body.indexOf(paidNumber))
      expect(page.body).toMatch(new RegExp(`Ordine ${openNumber} — <span class="status">In attesa di pagamento</span>`))
      expect(page.body).toMatch(new RegExp(`Ordine ${paidNumber} — <span class="status">Pagato</span>`))
      expect(page.body).toContain('Bonifico bancario')
      expect(page.body).toContain('Carta di credito')
      expect(page.body).toMatch(/<dt>Data del pagamento<\/dt><dd>2 giugno 2026<\/dd>/)
      expect(page.body).toMatch(/<dt>Nuova scadenza<\/dt><dd>1º luglio 2027<\/dd>/)
      expect(page.body).toMatch(/12,20\s€/)
      expect(page.body).toContain('Studio Medico Rossi') // the billing profile
      expect(page.body).toContain(`href="/ordini/${openId}/annulla"`)
      expect(page.body).not.toContain(`href="/ordini/${paidId}/annulla"`)
      // the payment instructions again
      const instructions = await client2.get(`/ordini/${openId}`)
      expect(instructions.body).toContain('IBAN')
      // copy buttons for the IBAN and the causale (shown by /static/copy.js; hidden without JavaScript)
      expect(instructions.body).toContain('data-copy="IT44T0999901000000000123456"')
      expect(instructions.body).toContain(`data-copy="${openNumber}"`)
      expect(instructions.body).toContain('<script src="/static/copy.js" defer></script>')
      expect((await client2.get('/static/copy.js')).statusCode).toBe(200)
      expect(instructions.body).toContain(`href="/ordini/${openId}/annulla"`)

      // cancel: asked first, then done once, audited, e-mailed
      const ask = await client2.get(`/ordini/${openId}/annulla`)
      expect(ask.statusCode).toBe(200)
      expect(ask.body).toContain(`Annullare l’ordine ${openNumber}?`)
      const done = await client2.post(`/ordini/${openId}/annulla`, {}, ask.body)
      expect(done.statusCode).toBe(303)
      expect(done.headers.location).toBe(`/account?annullato=${openId}`)
      const after = await client2.get(done.headers.location!)
      expect(after.body).toContain(`L’ordine ${openNumber} è annullato.`)
      expect(after.body).toMatch(new RegExp(`Ordine ${openNumber} — <span class="status">Annullato</span>`))
      const [row] = await t.database.db.select().from(orders).where(eq(orders.id, openId))
      expect(row.status).toBe('cancelled')
      const trail = await t.database.db.select().from(auditLog).where(and(eq(auditLog.orderId, openId), eq(auditLog.action, 'order.cancelled')))
      expect(trail).toHaveLength(1)
      expect(trail[0].actor).toBe('holder:FNOM000010')
      const mails = await t.database.db.select().from(outbox).where(and(eq(outbox.orderId, openId), eq(outbox.template, 'order_cancelled')))
      expect(mails).toHaveLength(1)
      const mail = renderMail(mails[0], mailContext(DEMO_ENV.PUBLIC_URL))
      expect(mail.subject).toBe(`Ordine N° ${openNumber} annullato`)
      expect(mail.text).toContain('scade l’11 settembre 2026')
      // twice: refused, nothing more
      const again = await client2.post(`/ordini/${openId}/annulla`, {}, ask.body)
      expect(again.statusCode).toBe(409)
      expect(await t.database.db.select().from(outbox).where(eq(outbox.template, 'order_cancelled'))).toHaveLength(1)
      // a paid order cannot be cancelled
      expect((await client2.post(`/ordini/${paidId}/annulla`, {}, ask.body)).statusCode).toBe(409)
      // the mailbox can be renewed again at once
      const list = await client2.get('/caselle')
      expect(list.body).toContain(`href="/rinnovo/${second.id}"`)
      // R4: a bonifico sent before cancelling arrives: held for refund, no extension
      const late = await registerPayment(services.deps, { orderRef: openId, amountCents: row.totalCents, method: 'bonifico', reference: 'late-1', actor: 'gateway:test' })
      expect(late).toMatchObject({ outcome: 'held', reason: 'order_lapsed', expiresOn: '2026-09-11' })
    })

    it('an outsider can neither see nor cancel another account’s order', async () => {
      const [mine] = await setup([{ expiresOn: '2026-07-01', address: 'mia@pec.example.it' }])
      const theirs = await seedMailbox(t.database.db, { expiresOn: '2026-07-01', address: 'altrui@pec.example.it', accountId: 'FNOM000099' })
      await t.database.db.update(accounts).set({ passwordHash: await hashPassword('account-secret', TEST_HASH_COST) })
      const owner = new WebClient(app)
      const page = await owner.get('/rinnova')
      await owner.post('/accedi', { identifier: 'FNOM000099', password: 'account-secret' }, page.body)
      const theirOrder = await renew(owner, theirs.id, BUSINESS)
      const client = await signIn()
      const account = await client.get('/account')
      expect(account.body).not.toContain(formatOrderId(theirOrder as OrderId))
      expect((await client.get(`/ordini/${theirOrder}/annulla`)).statusCode).toBe(404)
      expect((await client.post(`/ordini/${theirOrder}/annulla`, {}, account.body)).statusCode).toBe(404)
      const [row] = await t.database.db.select().from(orders).where(eq(orders.id, theirOrder))
      expect(row.status).toBe('open')
      expect(mine.id).not.toBe(theirs.id)
      expect((await new WebClient(app).get('/account')).statusCode).toBe(303) // signed out: to the sign-in page
    })
  })

  describe('the wizard’s flow', () => {
    it('every "Modifica" on the summary comes back to the summary once the step is saved', async () => {
      const [mailbox] = await setup([{ expiresOn: '2026-07-01', address: 'modifica@pec.example.it' }])
      const client = await signIn()
      const base = `/rinnovo/${mailbox.id}`
      await client.get(base)
      await step(client, `${base}/durata`, { years: '1' })
      await step(client, `${base}/contratti`, { 'accept_condizioni-generali': 'yes' })
      await step(client, `${base}/fatturazione`, BUSINESS)
      await step(client, `${base}/pagamento`, { method: 'bonifico' })
      const summary = await client.get(`${base}/riepilogo`)
      const changes: Array<[string, Record<string, string>]> = [
        ['durata', { years: '2' }],
        ['contratti', { 'accept_condizioni-generali': 'yes' }],
        ['fatturazione', { ...BUSINESS, street: 'Via Cavour' }],
        ['pagamento', { method: 'bollettino' }],
      ]
      for (const [path, form] of changes) {
        const link = `${base}/${path}?da=riepilogo`
        expect(summary.body).toContain(`href="${link}"`)
        const page = await client.get(link)
        expect(page.body).toContain(`action="${base}/${path}?da=riepilogo"`)
        expect(page.body).toMatch(new RegExp(`<a href="${base}/riepilogo">`)) // "Indietro" goes back to the summary too
        const saved = await client.post(link, form, page.body)
        expect(saved.headers.location, path).toBe(`${base}/riepilogo`)
      }
      const after = await client.get(`${base}/riepilogo`)
      expect(after.body).toContain('2 anni')
      expect(after.body).toContain('Via Cavour 11')
      expect(after.body).toContain('Bollettino postale')
      // outside the summary, a step still leads to the next one
      const plain = await client.get(`${base}/durata`)
      expect((await client.post(`${base}/durata`, { years: '1' }, plain.body)).headers.location).toBe(`${base}/contratti`)
    })

    it('card: "Conferma l’ordine" goes straight to the payment page; the PayPal simulation speaks of PayPal, not cards', async () => {
      const [card, paypal] = await setup([
        { expiresOn: '2026-07-01', address: 'carta@pec.example.it' },
        { expiresOn: '2026-07-02', address: 'paypal@pec.example.it' },
      ])
      const client = await signIn()
      for (const [mailbox, method] of [[card, 'card'], [paypal, 'paypal']] as const) {
        const base = `/rinnovo/${mailbox.id}`
        await client.get(base)
        await step(client, `${base}/durata`, { years: '1' })
        await step(client, `${base}/contratti`, { 'accept_condizioni-generali': 'yes' })
        await step(client, `${base}/fatturazione`, BUSINESS)
        await step(client, `${base}/pagamento`, { method })
        const summary = await client.get(`${base}/riepilogo`)
        const done = await client.post(`${base}/conferma`, {}, summary.body)
        expect(done.headers.location).toMatch(/^\/sandbox\/pagamento\/\w+$/)
        const gateway = await client.get(done.headers.location!)
        expect(gateway.body).toContain('SIMULAZIONE — nessun addebito reale')
        if (method === 'paypal') {
          expect(gateway.body).toContain('Pagamento PayPal (simulazione)')
          expect(gateway.body).not.toMatch(/carta/i)
          expect(gateway.body).toContain('Simula un pagamento PayPal non autorizzato')
        } else {
          expect(gateway.body).toContain('Simula una carta rifiutata')
        }
      }
    })
  })

  describe('contracts', () => {
    it('a privacy notice is acknowledged as read, not accepted; a contract page leads back to the step', async () => {
      const [mailbox] = await setup([{ expiresOn: '2026-07-01', address: 'privacy@pec.example.it' }])
      await saveContract(t.database.db, {
        document: { code: 'informativa-privacy', titleIt: 'Informativa sul trattamento dei dati personali', titleEn: 'Privacy notice', onerous: false },
        versions: [{ version: '1.0', effectiveFrom: parseCalendarDate('2026-01-08'), url: '-', body: 'Titolare del trattamento.' }],
      })
      const client = await signIn()
      const base = `/rinnovo/${mailbox.id}`
      await client.get(base)
      await step(client, `${base}/durata`, { years: '1' })
      const page = await client.get(`${base}/contratti`)
      expect(page.body).toContain('Ho letto «Informativa sul trattamento dei dati personali», versione 1.0')
      expect(page.body).not.toContain('Ho letto e accetto «Informativa')
      expect(page.body).toContain('Ho letto e accetto «Condizioni generali del servizio PEC»')
      const missing = await client.post(`${base}/contratti`, { 'accept_condizioni-generali': 'yes' }, page.body)
      expect(missing.body).toContain('Per proseguire conferma di aver letto «Informativa sul trattamento dei dati personali».')
      const returnTo = encodeURIComponent(`${base}/contratti`)
      expect(page.body).toContain(`href="/contratti/informativa-privacy/1.0?ritorno=${returnTo}"`)
      const text = await client.get(`/contratti/informativa-privacy/1.0?ritorno=${returnTo}`)
      expect(text.body).toContain(`<a class="button" href="${base}/contratti">Torna al rinnovo</a>`)
      expect(text.body).toContain('in vigore dall’8 gennaio 2026')
      const elsewhere = await client.get('/contratti/informativa-privacy/1.0?ritorno=https%3A%2F%2Fevil.example')
      expect(elsewhere.body).not.toContain('href="https://evil.example') // never a link off the site
      expect(elsewhere.body).not.toContain('Torna al rinnovo')
    })
  })
})
