import { and, eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { saveContract } from '../../src/catalog/queries'
import { loadConfig } from '../../src/config'
import { parseCalendarDate } from '../../src/core/calendar'
import type { ManualClock } from '../../src/core/clock'
import { formatOrderId } from '../../src/core/order-id'
import { accounts, auditLog, expiryExtensions, mailboxes, orders, outbox, provisioningCommands, signInFailures } from '../../src/db/schema'
import { enqueueMail } from '../../src/notifications/outbox'
import { addOperator } from '../../src/operators/add-operator'
import type { OperatorRole } from '../../src/operators/roles'
import { placeOrder } from '../../src/renewals/place-order'
import { buildServices, type Services } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { BANK_ENV, TEST_SESSION_SECRET } from '../support/config'
import { testDatabases, type TestDatabase } from '../support/databases'
import { signInAsOperator } from '../support/office'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { WebClient } from '../support/web-client'

const PASSWORD = 'operatore-di-prova-1'
const OPERATORS: Array<[string, OperatorRole]> = [
  ['anna', 'billing'],
  ['bruno', 'billing'],
  ['carla', 'support'],
  ['dario', 'read-only'],
]

describe.each(testDatabases())('%s: back-office actions (issue 11)', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  let services: Services
  let clock: ManualClock
  const secrets = new Map<string, string | undefined>()
  afterEach(async () => {
    await app?.close()
    await t?.close()
  })

  async function setup() {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    for (const [code, onerous] of [['condizioni-generali', false], ['clausole-vessatorie', true]] as const) {
      await saveContract(db, {
        document: { code, titleIt: `Documento ${code}`, titleEn: `Document ${code}`, onerous },
        versions: [{ version: '2.0', effectiveFrom: parseCalendarDate('2026-01-01'), url: '-', body: 'Testo.' }],
      })
    }
    const config = loadConfig({ DATABASE_URL: 'memory://', PUBLIC_URL: 'https://rinnovi.example.it', SESSION_SECRET: TEST_SESSION_SECRET, ...BANK_ENV })
    clock = clockOn('2026-05-02')
    secrets.clear()
    services = buildServices(config, t.database, clock)
    const active = await seedMailbox(db, { expiresOn: '2026-06-30', accountId: 'FNOM000001', address: 'mario.rossi@pec.example.it' })
    const deactivated = await seedMailbox(db, { expiresOn: '2026-04-20', status: 'deactivated', deactivatedOn: '2026-04-21', accountId: 'FNOM000002', address: 'luigi.verdi@pec.example.it' })
    for (const [username, role] of OPERATORS) await addOperator(services.deps, { username, displayName: username, password: PASSWORD, role, actor: 'operator:setup' })
    app = await buildServer(services)
    return { db, active, deactivated }
  }

  /** A browser of its own, signed in as `username` (second factor for billing: enrolled once, then asked). */
  async function as(username: string): Promise<WebClient> {
    const client = new WebClient(app)
    secrets.set(username, await signInAsOperator(client, clock, username, PASSWORD, secrets.get(username)))
    return client
  }

  async function audits(action: string) {
    return t.database.db.select().from(auditLog).where(eq(auditLog.action, action))
  }

  async function mails(template: string) {
    return t.database.db.select().from(outbox).where(eq(outbox.template, template))
  }

  /** An e-mail the holder of `mailbox` was sent (an order cancelled), to send again. */
  async function seedMail(mailbox: { id: number; address: string }, orderId: string, recipient: string) {
    return enqueueMail(
      t.database.db,
      { template: 'order_cancelled', language: 'it', recipient, mailboxId: mailbox.id, orderId, params: { holderName: 'Maria Rossi', mailbox: mailbox.address, orderId, totalCents: 1220, method: 'bonifico', expiresOn: '2026-06-30' } },
      clock.now(),
    )
  }

  const extendUrl = (address: string) => `/ufficio/caselle/${encodeURIComponent(address)}/proroga`

  it('an extension within the limit applies at once: expiry moved, audited with operator and reason, the holder told', async () => {
    const { db, active } = await setup()
    const anna = await as('anna')
    const page = await anna.get(extendUrl(active.address))
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Proroga la scadenza di mario.rossi@pec.example.it')
    expect(page.body).toContain('Oltre 30 giorni')
    const done = await anna.post(extendUrl(active.address), { days: '10', reason: 'disservizio di marzo' }, page.body)
    expect(done.statusCode).toBe(303)
    const after = await anna.get(done.headers.location as string)
    expect(after.body).toContain('Proroga applicata: la casella ora scade il 10 luglio 2026.')
    expect((await db.select().from(mailboxes).where(eq(mailboxes.id, active.id)))[0].expiresOn).toBe('2026-07-10')
    const [row] = await audits('mailbox.extended')
    expect(row).toMatchObject({ actor: 'operator:anna', reason: 'disservizio di marzo', mailboxId: active.id })
    expect(row.data).toMatchObject({ days: 10, from: '2026-06-30', to: '2026-07-10' })
    const [mail] = await mails('expiry_extended')
    expect(mail.mailboxId).toBe(active.id)
    expect(mail.params).toMatchObject({ expiresOn: '2026-06-30', newExpiresOn: '2026-07-10', reactivated: false })
  })

  it('a deactivated mailbox extended past today is re-enabled through the platform commands', async () => {
    const { db, deactivated } = await setup()
    const anna = await as('anna')
    const page = await anna.get(extendUrl(deactivated.address))
    const done = await anna.post(extendUrl(deactivated.address), { days: '20', reason: 'pagamento arrivato in ritardo per colpa nostra' }, page.body)
    expect((await anna.get(done.headers.location as string)).body).toContain('ed è stata riattivata')
    const [mailbox] = await db.select().from(mailboxes).where(eq(mailboxes.id, deactivated.id))
    expect(mailbox).toMatchObject({ status: 'active', expiresOn: '2026-05-10', deactivatedOn: null })
    const commands = await db.select().from(provisioningCommands).where(eq(provisioningCommands.mailboxId, deactivated.id))
    expect(commands.map((c) => c.action)).toEqual(['enable'])
    expect(await audits('mailbox.reactivated')).toMatchObject([{ actor: 'operator:anna', mailboxId: deactivated.id }])
    expect((await mails('expiry_extended'))[0].params).toMatchObject({ reactivated: true })
  })

  it('above the limit the extension waits; the requester cannot approve it; another operator approves it once', async () => {
    const { db, active } = await setup()
    const anna = await as('anna')
    const page = await anna.get(extendUrl(active.address))
    const asked = await anna.post(extendUrl(active.address), { days: '60', reason: 'accordo commerciale' }, page.body)
    expect((await anna.get(asked.headers.location as string)).body).toContain('Proroga di 60 giorni richiesta')
    expect((await db.select().from(mailboxes).where(eq(mailboxes.id, active.id)))[0].expiresOn).toBe('2026-06-30')
    expect(await mails('expiry_extended')).toEqual([])
    expect(await audits('mailbox.extension_requested')).toMatchObject([{ actor: 'operator:anna', reason: 'accordo commerciale' }])

    const home = await anna.get('/ufficio')
    expect(home.body).toMatch(/id="queue-pending-extensions"[\s\S]*?<span class="count">1<\/span> Proroghe da approvare/)
    const list = await anna.get('/ufficio/proroghe')
    const [request] = await db.select().from(expiryExtensions)
    expect(list.body).toContain(`/ufficio/proroghe/${request.id}`)
    const own = await anna.get(`/ufficio/proroghe/${request.id}`)
    expect(own.body).toContain('Questa proroga l’hai chiesta tu')
    const refused = await anna.post(`/ufficio/proroghe/${request.id}/approva`, { reason: 'mi approvo' }, list.body)
    expect(refused.statusCode).toBe(409)
    expect(refused.body).toContain('serve un altro operatore')
    expect((await db.select().from(mailboxes).where(eq(mailboxes.id, active.id)))[0].expiresOn).toBe('2026-06-30')

    const bruno = await as('bruno')
    const decision = await bruno.get(`/ufficio/proroghe/${request.id}`)
    expect(decision.body).toContain('29 agosto 2026') // the expiry once approved
    // the approval's reason is required, as the rejection's: refused beside its field, nothing applied
    const noReason = await bruno.post(`/ufficio/proroghe/${request.id}/approva`, { reason: '   ' }, decision.body)
    expect(noReason.statusCode).toBe(422)
    expect(noReason.body).toContain('id="approveReason-error"')
    expect(noReason.body).toContain('Scrivi perché approvi la proroga: il motivo è obbligatorio')
    const noRejectReason = await bruno.post(`/ufficio/proroghe/${request.id}/respingi`, { reason: '' }, decision.body)
    expect(noRejectReason.statusCode).toBe(422)
    expect(noRejectReason.body).toContain('Scrivi perché respingi la proroga')
    expect((await db.select().from(expiryExtensions))[0].status).toBe('pending')
    const approved = await bruno.post(`/ufficio/proroghe/${request.id}/approva`, { reason: 'visto' }, decision.body)
    expect(approved.statusCode).toBe(303)
    expect((await bruno.get(approved.headers.location as string)).body).toContain('Proroga approvata: mario.rossi@pec.example.it ora scade il 29 agosto 2026.')
    const again = await bruno.post(`/ufficio/proroghe/${request.id}/approva`, { reason: 'di nuovo' }, decision.body)
    expect(again.statusCode).toBe(409)
    expect(again.body).toContain('già stata decisa')
    expect((await db.select().from(mailboxes).where(eq(mailboxes.id, active.id)))[0].expiresOn).toBe('2026-08-29')
    const [extended] = await audits('mailbox.extended')
    expect(extended).toMatchObject({ actor: 'operator:bruno', reason: 'accordo commerciale' })
    expect(extended.data).toMatchObject({ requestedBy: 'operator:anna', approvedBy: 'operator:bruno', approvalReason: 'visto', days: 60 })
    expect(await mails('expiry_extended')).toHaveLength(1)
    expect((await db.select().from(expiryExtensions))[0]).toMatchObject({ status: 'approved', decidedBy: 'operator:bruno', decisionReason: 'visto' })
  })

  it('a pending extension rejected asks a reason and changes nothing else', async () => {
    const { db, active } = await setup()
    const anna = await as('anna')
    const page = await anna.get(extendUrl(active.address))
    await anna.post(extendUrl(active.address), { days: '365', reason: 'un anno gratis' }, page.body)
    const [request] = await db.select().from(expiryExtensions)
    const bruno = await as('bruno')
    const decision = await bruno.get(`/ufficio/proroghe/${request.id}`)
    const empty = await bruno.post(`/ufficio/proroghe/${request.id}/respingi`, { reason: ' ' }, decision.body)
    expect(empty.statusCode).toBe(422)
    expect(empty.body).toContain('id="rejectReason-error"')
    const rejected = await bruno.post(`/ufficio/proroghe/${request.id}/respingi`, { reason: 'non previsto dalla convenzione' }, decision.body)
    expect((await bruno.get(rejected.headers.location as string)).body).toContain('Proroga per mario.rossi@pec.example.it respinta.')
    expect(await audits('mailbox.extension_rejected')).toMatchObject([{ actor: 'operator:bruno', reason: 'non previsto dalla convenzione' }])
    expect((await db.select().from(mailboxes).where(eq(mailboxes.id, active.id)))[0].expiresOn).toBe('2026-06-30')
    expect(await mails('expiry_extended')).toEqual([])
  })

  it('the register flag is set with a reason, audited, and the holder told; the same value again is refused', async () => {
    const { db, active } = await setup()
    const anna = await as('anna')
    const url = `/ufficio/caselle/${encodeURIComponent(active.address)}/registro`
    const page = await anna.get(url)
    expect(page.body).toContain('INI-PEC (tramite l’Ordine)')
    const done = await anna.post(url, { register: 'ini_pec', reason: 'comunicato dall’Ordine di Roma' }, page.body)
    expect((await anna.get(done.headers.location as string)).body).toContain('Registro aggiornato: INI-PEC (tramite l’Ordine).')
    expect((await db.select().from(mailboxes).where(eq(mailboxes.id, active.id)))[0].register).toBe('ini_pec')
    const [row] = await audits('mailbox.register_changed')
    expect(row).toMatchObject({ actor: 'operator:anna', reason: 'comunicato dall’Ordine di Roma', data: { from: 'none', to: 'ini_pec' } })
    expect((await mails('register_changed'))[0].params).toMatchObject({ register: 'ini_pec', mailbox: active.address })
    const same = await anna.post(url, { register: 'ini_pec', reason: 'di nuovo' }, page.body)
    expect(same.statusCode).toBe(422)
    expect(same.body).toContain('ha già questa indicazione')
  })

  it('a phone order: the portal’s billing checks, contracts accepted on the phone, the order e-mails, the reason audited', async () => {
    const { db, active } = await setup()
    const anna = await as('anna')
    const url = `/ufficio/caselle/${encodeURIComponent(active.address)}/ordine-telefonico`
    const page = await anna.get(url)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('value="RSSMRA85T10A562S"') // pre-filled from the account
    expect(page.body).toContain('Documento clausole-vessatorie (2.0)')
    const billing = { kind: 'person', name: 'Maria Rossi', fiscalCode: 'RSSMRA85T10A562S', vatNumber: '', street: '', streetNumber: '12', postalCode: '00184', city: 'Roma', province: 'RM', country: 'Italia', sdiCode: '', pecAddress: '' }
    const missing = await anna.post(url, { ...billing, years: '2', method: 'bonifico', reason: 'telefonata del 2 maggio' }, page.body)
    expect(missing.statusCode).toBe(422)
    expect(missing.body).toContain('id="street-error"')
    expect(missing.body).toContain('Inserisci la via o la piazza.')
    expect(missing.body).toContain('id="accepted-error"')
    expect(await db.select().from(orders)).toEqual([])
    const placed = await anna.post(url, { ...billing, street: 'Via Merulana', years: '2', method: 'bonifico', accepted: 'si', reason: 'telefonata del 2 maggio' }, page.body)
    expect(placed.statusCode).toBe(303)
    const [order] = await db.select().from(orders)
    expect((await anna.get(placed.headers.location as string)).body).toContain(`Ordine ${formatOrderId(order.id)} fatto: 21,96`)
    expect(order).toMatchObject({ years: 2, method: 'bonifico', placedBy: 'operator:anna', totalCents: 2196 })
    expect(order.billing).toMatchObject({ street: 'Via Merulana', streetNumber: '12', postalCode: '00184', city: 'Roma', province: 'RM', address: 'Via Merulana 12, 00184 Roma (RM)' })
    expect(order.acceptedContracts.map((c) => [c.documentCode, c.version, c.acceptedByPhoneWith])).toEqual([
      ['condizioni-generali', '2.0', 'operator:anna'],
      ['clausole-vessatorie', '2.0', 'operator:anna'],
    ])
    expect(await audits('order.placed')).toMatchObject([{ actor: 'operator:anna', reason: 'telefonata del 2 maggio', orderId: order.id }])
    expect((await db.select().from(outbox).where(eq(outbox.orderId, order.id))).map((m) => m.template).sort()).toEqual(['order_confirmation', 'order_summary'])
    // the billing profile now starts the next order from this address
    const next = await anna.get(url)
    expect(next.body).toContain('value="Via Merulana"')
  })

  it('an open order cancelled by the office: reason required, audited, the holder told it was the office', async () => {
    const { db, active } = await setup()
    const order = await placeOrder(services.deps, { mailboxId: active.id, years: 1, method: 'bonifico', actor: 'holder:FNOM000001' })
    const anna = await as('anna')
    const url = `/ufficio/ordini/${formatOrderId(order.orderId)}/annulla`
    const page = await anna.get(url)
    expect(page.body).toContain('aperto, da pagare')
    const done = await anna.post(url, { reason: 'il titolare ha chiamato: rinnova con un altro gestore' }, page.body)
    expect(done.statusCode).toBe(303)
    const after = await anna.get(done.headers.location as string)
    expect(after.body).toContain('annullato: il titolare è stato avvisato')
    expect(after.body).toContain('Questo ordine non è aperto')
    expect((await db.select().from(orders).where(eq(orders.id, order.orderId)))[0].status).toBe('cancelled')
    expect(await audits('order.cancelled')).toMatchObject([{ actor: 'operator:anna', reason: 'il titolare ha chiamato: rinnova con un altro gestore', orderId: order.orderId }])
    expect((await mails('order_cancelled'))[0].params).toMatchObject({ byOffice: true, orderId: order.orderId })
    const again = await anna.post(url, { reason: 'di nuovo' }, page.body)
    expect(again.statusCode).toBe(409)
  })

  it('support changes the reference e-mail (validated); the old and the new address are told', async () => {
    const { db } = await setup()
    const carla = await as('carla')
    const url = '/ufficio/conti/FNOM000001/email'
    const page = await carla.get(url)
    expect(page.statusCode).toBe(200)
    const [before] = await db.select().from(accounts).where(eq(accounts.id, 'FNOM000001'))
    const bad = await carla.post(url, { email: 'non-un-indirizzo', reason: 'richiesta al telefono' }, page.body)
    expect(bad.statusCode).toBe(422)
    expect(bad.body).toContain('id="email-error"')
    const done = await carla.post(url, { email: 'Mario.Rossi@Example.org', reason: 'richiesta al telefono' }, page.body)
    expect((await carla.get(done.headers.location as string)).body).toContain('ora è mario.rossi@example.org')
    expect((await db.select().from(accounts).where(eq(accounts.id, 'FNOM000001')))[0].referenceEmail).toBe('mario.rossi@example.org')
    const [row] = await audits('account.email_changed')
    expect(row).toMatchObject({ actor: 'operator:carla', reason: 'richiesta al telefono', data: { accountId: 'FNOM000001', from: before.referenceEmail, to: 'mario.rossi@example.org' } })
    expect((await mails('reference_email_changed')).map((m) => m.recipient)).toEqual([before.referenceEmail, 'mario.rossi@example.org'])
  })

  it('support lifts a holder’s sign-in lock; with nothing counted there is nothing to unlock', async () => {
    const { db, active } = await setup()
    await db.insert(signInFailures).values([
      { identifier: 'fnom000001', failures: 100, windowStartedAt: clock.now() },
      { identifier: active.address, failures: 7, windowStartedAt: clock.now() },
    ])
    const carla = await as('carla')
    const url = '/ufficio/conti/FNOM000001/sblocca'
    const page = await carla.get(url)
    expect(page.body).toContain('100, accesso bloccato')
    const done = await carla.post(url, { reason: 'verificata l’identità al telefono' }, page.body)
    expect(done.statusCode).toBe(303)
    const after = await carla.get(done.headers.location as string)
    expect(after.body).toContain('Accesso sbloccato')
    expect(after.body).toContain('non c’è nulla da sbloccare')
    expect(await db.select().from(signInFailures)).toEqual([])
    const [row] = await audits('account.unlocked')
    expect(row).toMatchObject({ actor: 'operator:carla', reason: 'verificata l’identità al telefono' })
    expect(await mails('sign_in_unlocked')).toHaveLength(1)
    const nothing = await carla.post(url, { reason: 'ancora' }, page.body)
    expect(nothing.statusCode).toBe(409)
    expect(nothing.body).toContain('non è bloccato')
  })

  it('support re-sends a failed e-mail to the corrected reference address, as a new outbox row', async () => {
    const { db, active } = await setup()
    const order = await placeOrder(services.deps, { mailboxId: active.id, years: 1, method: 'bonifico', actor: 'holder:FNOM000001' })
    const mailId = await seedMail(active, order.orderId, 'sbagliato@example.it')
    await db.update(outbox).set({ status: 'failed', lastError: '550 no such user' }).where(eq(outbox.id, mailId))
    await db.update(accounts).set({ referenceEmail: 'giusto@example.it' }).where(eq(accounts.id, 'FNOM000001'))
    const carla = await as('carla')
    const url = `/ufficio/posta/${mailId}/reinvia`
    expect((await carla.get('/ufficio/code/posta-non-consegnata')).body).toContain(`href="${url}"`) // the failed-mail queue leads here
    const page = await carla.get(url)
    expect(page.body).toContain('550 no such user')
    expect(page.body).toContain('giusto@example.it')
    const done = await carla.post(url, { reason: 'indirizzo corretto' }, page.body)
    expect((await carla.get(done.headers.location as string)).body).toContain('Copia in coda per giusto@example.it.')
    const copies = await db.select().from(outbox).where(and(eq(outbox.template, 'order_cancelled'), eq(outbox.status, 'pending')))
    expect(copies).toMatchObject([{ recipient: 'giusto@example.it', orderId: order.orderId, mailboxId: active.id }])
    expect(copies[0].id).not.toBe(mailId)
    expect((await db.select().from(outbox).where(eq(outbox.id, mailId)))[0].status).toBe('failed')
    expect(await audits('mail.resent')).toMatchObject([{ actor: 'operator:carla', reason: 'indirizzo corretto', data: { mailId, newMailId: copies[0].id } }])
  })

  it('every action asks a reason: without one the form comes back (422) and nothing changes', async () => {
    const { db, active } = await setup()
    const order = await placeOrder(services.deps, { mailboxId: active.id, years: 1, method: 'bonifico', actor: 'holder:FNOM000001' })
    await db.insert(signInFailures).values({ identifier: 'fnom000001', failures: 100, windowStartedAt: clock.now() })
    const mail = { id: await seedMail(active, order.orderId, 'holder@example.it') }
    const anna = await as('anna')
    const a = encodeURIComponent(active.address)
    const posts: Array<[string, Record<string, string>]> = [
      [`/ufficio/caselle/${a}/proroga`, { days: '5' }],
      [`/ufficio/caselle/${a}/registro`, { register: 'registro_imprese' }],
      [`/ufficio/ordini/${order.orderId}/annulla`, {}],
      ['/ufficio/conti/FNOM000001/email', { email: 'nuovo@example.it' }],
      ['/ufficio/conti/FNOM000001/sblocca', {}],
      [`/ufficio/posta/${mail.id}/reinvia`, {}],
    ]
    const auditsBefore = (await db.select().from(auditLog)).length
    for (const [url, fields] of posts) {
      const page = await anna.get(url)
      const response = await anna.post(url, { ...fields, reason: '   ' }, page.body)
      expect(response.statusCode, url).toBe(422)
      expect(response.body, url).toContain('id="reason-error"')
      expect(response.body, url).toContain('Scrivi il motivo')
    }
    expect((await db.select().from(auditLog)).length).toBe(auditsBefore)
    expect((await db.select().from(mailboxes).where(eq(mailboxes.id, active.id)))[0]).toMatchObject({ expiresOn: '2026-06-30', register: 'none' })
  })

  it('roles: support is refused billing actions, read-only every action (403); a forged CSRF token is refused (403); nothing changes', async () => {
    const { db, active } = await setup()
    const order = await placeOrder(services.deps, { mailboxId: active.id, years: 1, method: 'bonifico', actor: 'holder:FNOM000001' })
    const mail = { id: await seedMail(active, order.orderId, 'holder@example.it') }
    const a = encodeURIComponent(active.address)
    const billingUrls = [`/ufficio/caselle/${a}/proroga`, `/ufficio/caselle/${a}/registro`, `/ufficio/caselle/${a}/ordine-telefonico`, `/ufficio/ordini/${order.orderId}/annulla`, '/ufficio/proroghe']
    const supportUrls = ['/ufficio/conti/FNOM000001/email', '/ufficio/conti/FNOM000001/sblocca', `/ufficio/posta/${mail.id}/reinvia`]
    const carla = await as('carla')
    const home = await carla.get('/ufficio')
    for (const url of billingUrls) {
      expect((await carla.get(url)).statusCode, url).toBe(403)
      if (url === '/ufficio/proroghe') continue // a list: no form
      expect((await carla.post(url, { days: '5', register: 'ini_pec', reason: 'prova' }, home.body)).statusCode, url).toBe(403)
    }
    for (const url of supportUrls) expect((await carla.get(url)).statusCode, url).toBe(200)
    const dario = await as('dario')
    const darioHome = await dario.get('/ufficio')
    for (const url of [...billingUrls, ...supportUrls]) {
      expect((await dario.get(url)).statusCode, url).toBe(403)
      if (url === '/ufficio/proroghe') continue
      expect((await dario.post(url, { email: 'x@example.it', reason: 'prova' }, darioHome.body)).statusCode, url).toBe(403)
    }
    const anna = await as('anna')
    await anna.get('/ufficio')
    for (const url of [...billingUrls.slice(0, 4), ...supportUrls]) {
      const forged = await anna.post(url, { days: '5', register: 'ini_pec', email: 'x@example.it', reason: 'prova', _csrf: 'forged' })
      expect(forged.statusCode, url).toBe(403)
    }
    const outsider = new WebClient(app)
    const redirected = await outsider.get(billingUrls[0])
    expect(redirected.statusCode).toBe(303)
    expect(redirected.headers.location).toMatch(/^\/ufficio\/accedi\?next=/)
    expect(await db.select().from(auditLog).where(eq(auditLog.actor, 'operator:carla'))).toEqual([])
    expect((await db.select().from(mailboxes).where(eq(mailboxes.id, active.id)))[0]).toMatchObject({ expiresOn: '2026-06-30', register: 'none' })
    expect((await db.select().from(orders).where(eq(orders.id, order.orderId)))[0].status).toBe('open')
    expect((await db.select().from(accounts).where(eq(accounts.id, 'FNOM000001')))[0].referenceEmail).not.toBe('x@example.it')
  })

  it('English: the same pages and refusals in English', async () => {
    const { active } = await setup()
    const anna = await as('anna')
    const page = await anna.get(`${extendUrl(active.address)}?lang=en`)
    expect(page.body).toContain('Extend the expiry of mario.rossi@pec.example.it')
    const bad = await anna.post(extendUrl(active.address), { days: '0', reason: 'x' }, page.body)
    expect(bad.statusCode).toBe(422)
    expect(bad.body).toContain('Give the days of extension')
  })
})
