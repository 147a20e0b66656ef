import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { eq } from 'drizzle-orm'
import { hashPassword } from '../../src/accounts/passwords'
import { accounts } from '../../src/accounts/schema'
import { saveContract } from '../../src/catalog/queries'
import type { ManualClock } from '../../src/core/clock'
import { formatOrderId, parseOrderId, type OrderId } from '../../src/core/order-id'
import { mailContext } from '../../src/notifications/mail-context'
import { renderMail } from '../../src/notifications/render-mail'
import { outbox } from '../../src/notifications/schema'
import { renewalDrafts, orders } from '../../src/renewals/schema'
import { buildServices } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { WebClient } from '../support/web-client'
import { BANK_ENV, DEMO_ENV, TEST_SESSION_SECRET, TEST_HASH_COST, testConfig } from '../support/config'
import { parseCalendarDate } from '../../src/core/calendar'

const PUBLIC_URL = DEMO_ENV.PUBLIC_URL

const BILLING = {
  kind: 'person',
  name: 'Maria Rossi',
  fiscalCode: 'RSSMRA85T10A562S',
  vatNumber: '',
  street: 'Via Roma',
  streetNumber: '1',
  postalCode: '00184',
  city: 'Roma',
  province: 'RM',
  country: 'Italia',
  sdiCode: '',
  pecAddress: '',
}

describe.each(testDatabases())('%s: portal renewal wizard', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  let clock: ManualClock
  afterEach(async () => {
    await app?.close()
    await t?.close()
  })

  /** The portal on the demo's settings unless others are given (production: see the R10 tests below). */
  async function setup(language: 'it' | 'en' = 'it', env: Record<string, string> = DEMO_ENV) {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    await saveContract(db, {
      document: { code: 'condizioni-generali', titleIt: 'Condizioni generali del servizio PEC', titleEn: 'PEC service terms', onerous: false },
      versions: [
        { version: '3.1', effectiveFrom: parseCalendarDate('2025-01-01'), url: '-', body: 'Vecchie condizioni.' },
        { version: '3.2', effectiveFrom: parseCalendarDate('2026-01-01'), url: '-', body: 'Articolo 1.\n\nArticolo 2.' },
        { version: '4.0', effectiveFrom: parseCalendarDate('2027-01-01'), url: '-', body: 'Future.' },
      ],
    })
    await saveContract(db, {
      document: { code: 'clausole-vessatorie', titleIt: 'Clausole vessatorie', titleEn: 'Onerous clauses', onerous: true },
      versions: [{ version: '1.0', effectiveFrom: parseCalendarDate('2025-01-01'), url: '-', body: 'Artt. 5, 7, 9.' }],
    })
    const active = await seedMailbox(db, { expiresOn: '2026-07-01', address: 'attiva@pec.example.it', accountId: 'FNOM000010', language })
    const deactivated = await seedMailbox(db, { expiresOn: '2026-04-15', status: 'deactivated', deactivatedOn: '2026-04-16', address: 'disattivata@pec.example.it', accountId: 'FNOM000010' })
    const ceased = await seedMailbox(db, { expiresOn: '2025-12-31', status: 'ceased', address: 'cessata@pec.example.it', accountId: 'FNOM000010' })
    const other = await seedMailbox(db, { expiresOn: '2026-08-01', address: 'altrui@pec.example.it', accountId: 'FNOM000099' })
    const hash = await hashPassword('account-secret', TEST_HASH_COST)
    await db.update(accounts).set({ passwordHash: hash })
    const config = testConfig({ DATABASE_URL: 'memory://', SESSION_SECRET: TEST_SESSION_SECRET, ...env })
    clock = clockOn('2026-06-01')
    app = await buildServer(buildServices(config, t.database, clock))
    return { active, deactivated, ceased, other }
  }

  async function signIn(accountId = 'FNOM000010', lang?: 'en') {
    const client = new WebClient(app)
    const page = await client.get(lang ? `/rinnova?lang=${lang}` : '/rinnova')
    const response = await client.post('/accedi', { identifier: accountId, password: 'account-secret' }, page.body)
    expect(response.statusCode).toBe(303)
    return client
  }

  /** GET then POST one step; returns the POST response. */
  async function step(client: WebClient, url: string, form: Record<string, string>) {
    const page = await client.get(url)
    expect(page.statusCode, `${url}: ${page.body.slice(0, 300)}`).toBe(200)
    return client.post(url, form, page.body)
  }

  async function walk(client: WebClient, mailboxId: number, method: string, years = '1') {
    const base = `/rinnovo/${mailboxId}`
    const start = await client.get(base)
    expect(start.headers.location).toBe(`${base}/durata`)
    expect((await step(client, `${base}/durata`, { years })).headers.location).toBe(`${base}/contratti`)
    expect((await step(client, `${base}/contratti`, { 'accept_condizioni-generali': 'yes', 'accept_clausole-vessatorie': 'yes' })).headers.location).toBe(`${base}/fatturazione`)
    expect((await step(client, `${base}/fatturazione`, BILLING)).headers.location).toBe(`${base}/pagamento`)
    expect((await step(client, `${base}/pagamento`, { method })).headers.location).toBe(`${base}/riepilogo`)
    const summary = await client.get(`${base}/riepilogo`)
    expect(summary.statusCode).toBe(200)
    const done = await client.post(`${base}/conferma`, {}, summary.body)
    expect(done.statusCode).toBe(303)
    // card and PayPal go straight on to the gateway; bonifico and bollettino to the order's instructions
    const online = method === 'card' || method === 'paypal'
    expect(done.headers.location).toMatch(online ? /^\/sandbox\/pagamento\/\w+/ : /^\/ordini\/[0-9A-Z]{10}$/)
    const [placed] = await t.database.db.select().from(orders).where(eq(orders.mailboxId, mailboxId))
    return { summary, orderId: placed.id, done }
  }

  async function mailsOf(orderId: string) {
    const rows = await t.database.db.select().from(outbox).where(eq(outbox.orderId, orderId)).orderBy(outbox.id)
    return rows.map((row) => ({ row, ...renderMail(row, mailContext(PUBLIC_URL)) }))
  }

  it.each(['card', 'paypal', 'bonifico', 'bollettino'])('R3: the whole flow with %s ends on the order page with its instructions and two e-mails', async (method) => {
    const { active } = await setup()
    const client = await signIn()
    const list = await client.get('/caselle')
    expect(list.body).toContain(`href="/rinnovo/${active.id}"`)
    expect(list.body).toContain('>Rinnova<')

    const { summary, orderId } = await walk(client, active.id, method)
    // the summary: mailbox, account, duration, net / VAT / total, expiry now and after payment
    expect(summary.body).toContain('attiva@pec.example.it')
    expect(summary.body).toContain('FNOM000010')
    expect(summary.body).toContain('1 anno')
    expect(summary.body).toMatch(/10,00\s€/)
    expect(summary.body).toMatch(/2,20\s€/)
    expect(summary.body).toMatch(/12,20\s€/)
    expect(summary.body).toContain('datetime="2026-07-01"')
    expect(summary.body).toContain('datetime="2027-07-01"')
    expect(summary.body).toContain('aria-current="step"')
    expect(summary.body).toContain('Via Roma 1, 00184 Roma (RM)')

    const number = formatOrderId(orderId as OrderId)
    const page = await client.get(`/ordini/${orderId}`)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain(number)
    expect(page.body).toContain('da indicare nella causale')
    expect(page.body).toMatch(/12,20\s€/)
    if (method === 'card') expect(page.body).toMatch(/action="\/ordini\/[0-9A-Z]+\/paga"[\s\S]*Paga con carta/)
    if (method === 'paypal') expect(page.body).toContain('Paga con PayPal')
    if (method === 'bonifico') {
      expect(page.body).toContain('IT44 T099 9901 0000 0000 0123 456')
      expect(page.body).toContain('DEMOITM1XXX')
      expect(page.body).toContain('src="data:image/svg+xml;base64,')
    }
    if (method === 'bollettino') {
      expect(page.body).toContain('000012345678')
      expect(page.body).toContain(`/ordini/${orderId}/bollettino.pdf`)
      const pdf = await client.get(`/ordini/${orderId}/bollettino.pdf`)
      expect(pdf.statusCode).toBe(200)
      expect(pdf.headers['content-type']).toBe('application/pdf')
      expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-')
    }

    const [order] = await t.database.db.select().from(orders).where(eq(orders.id, parseOrderId(orderId)!))
    expect(order).toMatchObject({ method, years: 1, totalCents: 1220, status: 'open' })
    expect(order.billing).toMatchObject({ kind: 'person', fiscalCode: 'RSSMRA85T10A562S', province: 'RM', postalCode: '00184' })
    expect(order.acceptedContracts.map((c) => `${c.documentCode}@${c.version}`).sort()).toEqual(['clausole-vessatorie@1.0', 'condizioni-generali@3.2'])
    expect(order.acceptedContracts[0]).toMatchObject({ acceptedAt: clock.now().toISOString(), ip: expect.any(String) })
    expect(await t.database.db.select().from(renewalDrafts)).toEqual([])

    const mails = await mailsOf(orderId)
    expect(mails.map((m) => m.row.template)).toEqual(['order_summary', 'order_confirmation'])
    const [summaryMail, confirmation] = mails
    expect(summaryMail.row.language).toBe('it')
    expect(summaryMail.text).toContain(number)
    expect(summaryMail.text).toMatch(/12,20\s€/)
    expect(summaryMail.text).toContain('IT44 T099 9901 0000 0000 0123 456') // bonifico, chosen or not
    expect(summaryMail.text).toContain('000012345678') // bollettino, chosen or not
    expect(summaryMail.text).toMatch(/Carta di credito/i)
    expect(summaryMail.text).toMatch(/PayPal/)
    expect(confirmation.subject).toContain(number)
    expect(confirmation.text).toContain('attiva@pec.example.it')
    expect(confirmation.text).toContain('1º giugno 2026') // order date

    // the list now offers the open order instead of a new renewal
    const again = await client.get('/caselle')
    expect(again.body).toContain(`href="/ordini/${orderId}"`)
    expect(again.body).toContain(number)
  })

  it('shows the pages in English on request and writes the e-mails in the account’s language', async () => {
    const { active } = await setup('en')
    const client = await signIn('FNOM000010', 'en')
    const { summary, orderId } = await walk(client, active.id, 'bonifico')
    expect(summary.body).toContain('<html lang="en">')
    expect(summary.body).toContain('Expiry date after payment')
    const page = await client.get(`/ordini/${orderId}`)
    expect(page.body).toContain('quote it as the payment reference (causale)')
    expect(page.body).toContain('Bank transfer QR code')
    const [summaryMail, confirmation] = await mailsOf(orderId)
    expect(summaryMail.row.language).toBe('en')
    expect(summaryMail.subject).toMatch(/^Summary of renewal order/)
    expect(confirmation.subject).toMatch(/^Confirmation of renewal order/)
  })

  it('R3: a double submit of CONFERMA, back and refresh give one order and one pair of e-mails', async () => {
    const { active } = await setup()
    const client = await signIn()
    const { summary, orderId } = await walk(client, active.id, 'bonifico')
    const second = await client.post(`/rinnovo/${active.id}/conferma`, {}, summary.body)
    expect(second.statusCode).toBe(303)
    expect(second.headers.location).toBe(`/ordini/${orderId}`)
    const back = await client.get(`/rinnovo/${active.id}/riepilogo`)
    expect(back.headers.location).toBe(`/ordini/${orderId}`)
    expect(await t.database.db.select().from(orders)).toHaveLength(1)
    expect(await mailsOf(orderId)).toHaveLength(2)
  })

  it('R3: two CONFERMA at once give one order', async () => {
    const { active } = await setup()
    const client = await signIn()
    const base = `/rinnovo/${active.id}`
    await step(client, `${base}/durata`, { years: '2' })
    await step(client, `${base}/contratti`, { 'accept_condizioni-generali': 'yes', 'accept_clausole-vessatorie': 'yes' })
    await step(client, `${base}/fatturazione`, BILLING)
    await step(client, `${base}/pagamento`, { method: 'card' })
    const summary = await client.get(`${base}/riepilogo`)
    const [a, b] = await Promise.all([client.post(`${base}/conferma`, {}, summary.body), client.post(`${base}/conferma`, {}, summary.body)])
    expect(a.statusCode).toBe(303)
    expect(b.statusCode).toBe(303)
    expect(await t.database.db.select().from(orders)).toHaveLength(1)
    const [{ id: orderId }] = await t.database.db.select().from(orders)
    expect((await mailsOf(orderId)).map((m) => m.row.template)).toEqual(['order_summary', 'order_confirmation'])
  })

  it('R3: changing the method on the order page updates the same order and sends an updated summary', async () => {
    const { active } = await setup()
    const client = await signIn()
    const { orderId } = await walk(client, active.id, 'card')
    const page = await client.get(`/ordini/${orderId}`)
    const changed = await client.post(`/ordini/${orderId}/metodo`, { method: 'bollettino' }, page.body)
    expect(changed.headers.location).toBe(`/ordini/${orderId}?metodo=cambiato`)
    const after = await client.get(changed.headers.location!)
    expect(after.body).toContain('Bollettino postale')
    expect(after.body).toContain('bollettino.pdf')
    const same = await client.post(`/ordini/${orderId}/metodo`, { method: 'bollettino' }, after.body)
    expect(same.statusCode).toBe(303)
    expect(await t.database.db.select().from(orders)).toHaveLength(1)
    const mails = await mailsOf(orderId)
    expect(mails.map((m) => m.row.template)).toEqual(['order_summary', 'order_confirmation', 'order_summary'])
    expect(mails[2].subject).toMatch(/aggiornato/)
    expect(mails[2].text).toMatch(/Metodo scelto:\s+Bollettino postale/)
  })

  it('says what is wrong with each billing field, beside it and in the summary', async () => {
    const { active } = await setup()
    const client = await signIn()
    const base = `/rinnovo/${active.id}`
    await step(client, `${base}/durata`, { years: '1' })
    await step(client, `${base}/contratti`, { 'accept_condizioni-generali': 'yes', 'accept_clausole-vessatorie': 'yes' })
    const page = await client.get(`${base}/fatturazione`)
    // pre-filled from the holder's data
    expect(page.body).toMatch(/id="fiscalCode" name="fiscalCode" value="RSSMRA85T10A562S"/)
    expect(page.body).toMatch(/id="name" name="name" value="Maria Rossi/)
    expect(page.body.match(/<option value="[A-Z]{2}"/g)!.length).toBe(108) // 107 provinces + abroad
    const bad = await client.post(
      `${base}/fatturazione`,
      { ...BILLING, kind: 'business', fiscalCode: 'RSSMRA85T10A562X', vatNumber: '00743110158', postalCode: '0018', province: 'XX', sdiCode: 'ABC12' },
      page.body,
    )
    expect(bad.statusCode).toBe(422)
    const cases: Array<[string, string]> = [
      ['fiscalCode', 'Il codice fiscale non è valido'],
      ['vatNumber', 'La partita IVA non è valida'],
      ['postalCode', 'Il CAP deve avere 5 cifre'],
      ['province', 'Scegli una provincia dall’elenco'],
      ['sdiCode', 'Il codice destinatario SDI deve avere 7 caratteri'],
    ]
    for (const [field, message] of cases) {
      expect(bad.body).toMatch(new RegExp(`<li><a href="#${field}">${message}`)) // the summary
      expect(bad.body).toMatch(new RegExp(`id="${field}-error">${message}`)) // beside the field
      expect(bad.body).toMatch(new RegExp(`id="${field}"[^>]*aria-describedby="[^"]*${field}-error"[^>]*aria-invalid="true"`))
    }
    expect(bad.body).toContain('value="RSSMRA85T10A562X"') // what was typed stays
    const short = await client.post(`${base}/fatturazione`, { ...BILLING, fiscalCode: 'RSSMRA85T10' }, bad.body)
    expect(short.body).toContain('Il codice fiscale deve avere 16 caratteri')
    // each check its own message: 11 digits with an unknown office code, an empty CAP
    const office = await client.post(`${base}/fatturazione`, { ...BILLING, kind: 'business', vatNumber: '12345678901', postalCode: '', street: '', sdiCode: 'ABC1234' }, short.body)
    expect(office.body).toMatch(/id="vatNumber-error">La partita IVA non è valida: le cifre dall’ottava alla decima \(il codice dell’ufficio\)/)
    expect(office.body).not.toContain('deve avere 11 cifre')
    expect(office.body).toContain('id="postalCode-error">Inserisci il CAP.</p>')
    expect(office.body).not.toContain('Il CAP deve avere 5 cifre')
    // the summary lists the fields in page order
    const summaryLinks = [...office.body.matchAll(/<li><a href="#(\w+)">/g)].map((m) => m[1])
    expect(summaryLinks).toEqual(['vatNumber', 'street', 'postalCode'])
    // omocodia: digits replaced by letters are a valid codice fiscale
    const ok = await client.post(`${base}/fatturazione`, { ...BILLING, fiscalCode: 'RSSMRA85T10A56NH', kind: 'business', vatNumber: '00743110157', sdiCode: 'abc1234' }, short.body)
    expect(ok.headers.location).toBe(`${base}/pagamento`)
    const [draft] = await t.database.db.select().from(renewalDrafts)
    expect(draft.billing).toMatchObject({ kind: 'business', fiscalCode: 'RSSMRA85T10A56NH', vatNumber: '00743110157', sdiCode: 'ABC1234' })
  })

  it('asks again for a missing choice and for the separate approval of the onerous clauses', async () => {
    const { active } = await setup()
    const client = await signIn()
    const base = `/rinnovo/${active.id}`
    const none = await step(client, `${base}/durata`, {})
    expect(none.statusCode).toBe(422)
    expect(none.body).toContain('Scegli la durata del rinnovo.')
    await client.post(`${base}/durata`, { years: '3' }, none.body)
    const contracts = await client.get(`${base}/contratti`)
    expect(contracts.body).toContain('href="/contratti/condizioni-generali/3.2?ritorno=%2Frinnovo%2F')
    expect(contracts.body).toMatch(/<legend>Approvazione specifica delle clausole vessatorie/)
    const onlyTerms = await client.post(`${base}/contratti`, { 'accept_condizioni-generali': 'yes' }, contracts.body)
    expect(onlyTerms.statusCode).toBe(422)
    expect(onlyTerms.body).toContain('href="#accept-clausole-vessatorie"')
    const text = await client.get('/contratti/condizioni-generali/3.2')
    expect(text.statusCode).toBe(200)
    expect(text.body).toContain('<p>Articolo 2.</p>')
  })

  it('each step needs the ones before it, and a holder who leaves resumes where they were', async () => {
    const { active } = await setup()
    const client = await signIn()
    const base = `/rinnovo/${active.id}`
    expect((await client.get(`${base}/riepilogo`)).headers.location).toBe(`${base}/durata`)
    await step(client, `${base}/durata`, { years: '1' })
    expect((await client.get(`${base}/pagamento`)).headers.location).toBe(`${base}/contratti`)
    await step(client, `${base}/contratti`, { 'accept_condizioni-generali': 'yes', 'accept_clausole-vessatorie': 'yes' })
    const list = await client.get('/caselle')
    await client.post('/esci', {}, list.body)

    const again = await signIn()
    const resumed = await again.get('/caselle')
    expect(resumed.body).toContain('Riprendi il rinnovo')
    expect((await again.get(base)).headers.location).toBe(`${base}/fatturazione`)
    const durata = await again.get(`${base}/durata`)
    expect(durata.body).toMatch(/id="years-1" name="years" value="1" checked/)
    expect(durata.body).toMatch(/<li aria-current="step">1\. Durata<\/li>/)
    expect(durata.body).toContain(`href="${base}/contratti"`)
  })

  it('R6: a deactivated mailbox within the window renews from its old expiry; a ceased one cannot', async () => {
    const { deactivated, ceased } = await setup()
    const client = await signIn()
    const list = await client.get('/caselle')
    expect(list.body).toContain(`href="/rinnovo/${deactivated.id}"`)
    expect(list.body).not.toContain(`href="/rinnovo/${ceased.id}"`)
    expect(list.body).toContain('Questa casella non può più essere rinnovata.')

    const { summary, orderId } = await walk(client, deactivated.id, 'bonifico')
    expect(summary.body).toContain('datetime="2026-04-15"')
    expect(summary.body).toContain('datetime="2027-04-15"') // R4/R6: E + 1 year from the old E
    const [summaryMail] = await mailsOf(orderId)
    expect(summaryMail.text).toContain('15 aprile 2027')

    const refused = await client.get(`/rinnovo/${ceased.id}/durata`)
    expect(refused.statusCode).toBe(409)
    expect(refused.body).toContain('non può più essere rinnovata')
  })

  it('a holder can open neither another account’s mailbox steps nor its orders', async () => {
    const { active, other } = await setup()
    const owner = await signIn('FNOM000099')
    const { orderId } = await walk(owner, other.id, 'bonifico')

    const client = await signIn()
    for (const url of [`/rinnovo/${other.id}`, `/rinnovo/${other.id}/durata`, `/rinnovo/${other.id}/riepilogo`, `/rinnovo/999999/durata`, `/rinnovo/abc/durata`]) {
      expect((await client.get(url)).statusCode, url).toBe(404)
    }
    for (const url of [`/ordini/${orderId}`, `/ordini/${orderId}/bollettino.pdf`, '/ordini/NOTANORDER']) {
      expect((await client.get(url)).statusCode, url).toBe(404)
    }
    const mine = await client.get('/caselle')
    expect((await client.post(`/rinnovo/${other.id}/durata`, { years: '1' }, mine.body)).statusCode).toBe(404)
    expect((await client.post(`/rinnovo/${other.id}/conferma`, {}, mine.body)).statusCode).toBe(404)
    expect((await client.post(`/ordini/${orderId}/metodo`, { method: 'card' }, mine.body)).statusCode).toBe(404)
    expect(await t.database.db.select().from(renewalDrafts).where(eq(renewalDrafts.accountId, 'FNOM000010'))).toEqual([])
    expect(active.id).not.toBe(other.id)
  })

  it('input the routes’ schemas refuse answers 400 in the table’s words, whoever is signed in', async () => {
    await setup()
    const client = await signIn()
    for (const url of [`/ordini/${'K'.repeat(40)}`, `/rinnovo/${'9'.repeat(40)}/durata`, `/contratti/${'c'.repeat(80)}/1`, `/ordini/K7MR4DXP52/esito?token=${'t'.repeat(1100)}`]) {
      const refused = await client.get(url)
      expect(refused.statusCode, url).toBe(400)
      expect(refused.body, url).toContain('Dati non validi')
      expect(refused.body, url).not.toContain('must')
    }
  })

  /** Duration, contracts and billing done: the payment step as the holder sees it. */
  async function toPaymentStep(client: WebClient, base: string) {
    await client.get(base)
    await step(client, `${base}/durata`, { years: '1' })
    await step(client, `${base}/contratti`, { 'accept_condizioni-generali': 'yes', 'accept_clausole-vessatorie': 'yes' })
    await step(client, `${base}/fatturazione`, BILLING)
    return client.get(`${base}/pagamento`)
  }

  it('R10: without gateway keys, card and PayPal are not offered; a forged choice is refused; bank methods work', async () => {
    const { active } = await setup('it', { ...BANK_ENV })
    const client = await signIn()
    const base = `/rinnovo/${active.id}`
    const payment = await toPaymentStep(client, base)
    expect(payment.body).toContain('value="bonifico"')
    expect(payment.body).toContain('value="bollettino"')
    expect(payment.body).not.toMatch(/value="(card|paypal)"/)
    const forged = await client.post(`${base}/pagamento`, { method: 'card' }, payment.body)
    expect(forged.statusCode).toBe(422)
    expect(forged.body).toContain('href="#method-bollettino"')
    expect((await client.post(`${base}/pagamento`, { method: 'bonifico' }, payment.body)).headers.location).toBe(`${base}/riepilogo`)
    const summary = await client.get(`${base}/riepilogo`)
    const done = await client.post(`${base}/conferma`, {}, summary.body)
    const orderId = done.headers.location!.slice('/ordini/'.length)
    const order = await client.get(`/ordini/${orderId}`)
    expect(order.body).toContain('IT60 X054 2811 1010 0000 0123 456')
    expect(order.body).not.toMatch(/value="(card|paypal)"/)
    const change = await client.post(`/ordini/${orderId}/metodo`, { method: 'paypal' }, order.body)
    expect(change.statusCode).toBe(422) // a value the rules refuse, not a conflict
    expect(change.body).toContain('Questo metodo di pagamento non è disponibile')
  })

  it('R10: with no payment settings at all, nothing is offered and the payment step says so', async () => {
    const { active } = await setup('it', {})
    const client = await signIn()
    const base = `/rinnovo/${active.id}`
    const payment = await toPaymentStep(client, base)
    expect(payment.body).toContain('non è disponibile alcun metodo di pagamento')
    expect(payment.body).not.toMatch(/name="method" value=/)
  })
})
