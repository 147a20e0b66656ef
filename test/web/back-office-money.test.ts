import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { afterAll, describe, expect, it } from 'vitest'
import { formatOrderId, type OrderId } from '../../src/core/order-id'
import { auditLog, orders, outbox, payments } from '../../src/db/schema'
import { importStatement } from '../../src/flows/imports/import-statement'
import { addOperator } from '../../src/operators/add-operator'
import { placeOrder } from '../../src/renewals/place-order'
import type { Services } from '../../src/services'
import { camtStatement } from '../payments/offline/statement-builder'
import { testDatabases, type TestDatabase } from '../support/databases'
import { seedMailbox } from '../support/seed'
import { csrfToken, WebClient } from '../support/web-client'
import { OPERATOR_PASSWORD, signInAsOperator, serverUnderTest } from '../support/office'
import type { ManualClock } from '../../src/core/clock'

const PASSWORD = OPERATOR_PASSWORD
const folder = mkdtempSync(join(tmpdir(), 'money-pages-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

describe.each(testDatabases())('%s: back-office money pages (issue 11)', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  let services: Services
  let clock: ManualClock
  let secret: string | undefined
  const server = serverUnderTest(open)

  async function setup() {
    ;({ t, services, clock, app } = await server.start({ today: '2026-05-02', operators: [{ username: 'anna', displayName: 'Anna Bianchi', role: 'billing' }] }))
    const db = t.database.db
    secret = undefined
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30' })
    const order = await placeOrder(services.deps, { mailboxId: mailbox.id, years: 1, method: 'bonifico', actor: 'holder:x' })
    const path = join(folder, `s-${process.pid}-${Math.random().toString(16).slice(2)}.xml`)
    writeFileSync(
      path,
      camtStatement([
        { amountCents: 1000, acctSvcrRef: 'B-1', remittance: [`ordine ${order.orderId}`], debtorName: 'Mario Rossi' },
        { amountCents: 1220, acctSvcrRef: 'B-2', remittance: ['quota <b>annuale</b>'], debtorName: 'Luigi Verdi' },
      ]),
    )
    await importStatement(services.deps, path, { actor: 'operator:anna', fileName: 'maggio.xml' })
    const client = new WebClient(app)
    const held = await db.select().from(payments).orderBy(payments.id)
    return { db, client, order, short: held[0], stray: held[1] }
  }

  // billing signs in with its second factor: enrolled at the first sign-in, asked at the next ones
  async function signIn(client: WebClient) {
    secret = await signInAsOperator(client, clock, 'anna', PASSWORD, secret)
  }

  it('an outsider reaches none of the pages or actions: sign-in first; a forged form is refused', async () => {
    const { client, short, db } = await setup()
    for (const url of ['/ufficio/pagamenti-da-risolvere', `/ufficio/pagamenti-da-risolvere/${short.id}`, '/ufficio/rimborsi', '/ufficio/pagamenti/registra']) {
      const response = await client.get(url)
      expect(response.statusCode, url).toBe(303)
      expect(response.headers.location).toMatch(/^\/ufficio\/accedi\?next=/)
    }
    const post = await client.post(`/ufficio/pagamenti-da-risolvere/${short.id}/non-nostro`, { reason: 'x', _csrf: 'forged' })
    expect([303, 403]).toContain(post.statusCode)
    await signIn(client)
    const forged = await client.post(`/ufficio/pagamenti-da-risolvere/${short.id}/non-nostro`, { reason: 'x', _csrf: 'forged' })
    expect(forged.statusCode).toBe(403)
    expect((await db.select().from(payments).where(eq(payments.id, short.id)))[0].resolution).toBeNull()
  })

  it('a support or read-only operator is refused every money page and action (403), and nothing changes', async () => {
    const { client, short, db } = await setup()
    for (const role of ['support', 'read-only'] as const) {
      await addOperator(services.deps, { username: `luca-${role}`, displayName: 'Luca Neri', password: PASSWORD, role, actor: 'operator:setup' })
      const own = new WebClient(app)
      await signInAsOperator(own, clock, `luca-${role}`, PASSWORD)
      for (const url of ['/ufficio/pagamenti-da-risolvere', `/ufficio/pagamenti-da-risolvere/${short.id}`, '/ufficio/rimborsi', '/ufficio/pagamenti/registra']) {
        expect((await own.get(url)).statusCode, `${role} ${url}`).toBe(403)
      }
      const home = await own.get('/ufficio')
      const post = await own.post(`/ufficio/pagamenti-da-risolvere/${short.id}/non-nostro`, { reason: 'non è nostro' }, home.body)
      expect(post.statusCode, role).toBe(403)
    }
    const [after] = await db.select().from(payments).where(eq(payments.id, short.id))
    expect(after.outcome).toBe(short.outcome)
    void client
  })

  it('the queue shows both entries with their facts; assigning asks for the difference and a reason, then pays; not ours moves it to refunds; the bank refund is recorded', async () => {
    const { client, order, short, stray, db } = await setup()
    await signIn(client)
    const list = await client.get('/ufficio/pagamenti-da-risolvere')
    expect(list.statusCode).toBe(200)
    expect(list.body).toContain('Pagamenti da risolvere')
    expect(list.body).toContain('10,00')
    expect(list.body).toContain('Mario Rossi')
    expect(list.body).toContain('maggio.xml, voce 1')
    expect(list.body).toContain('Nessun numero d’ordine nella causale')
    expect(list.body).toContain('quota &lt;b&gt;annuale&lt;/b&gt;') // escaped: a payer's words never become markup
    expect(list.body).toContain(`/ufficio/pagamenti-da-risolvere/${stray.id}`)

    const entry = await client.get(`/ufficio/pagamenti-da-risolvere/${short.id}`)
    expect(entry.body).toContain(`value="${formatOrderId(order.orderId as OrderId)}"`) // the candidate, to confirm
    const noAccept = await client.post(`/ufficio/pagamenti-da-risolvere/${short.id}/assegna`, { order: formatOrderId(order.orderId as OrderId), reason: 'commissione trattenuta' }, entry.body)
    expect(noAccept.statusCode).toBe(422)
    expect(noAccept.body).toContain('accetta la differenza')
    const noReason = await client.post(`/ufficio/pagamenti-da-risolvere/${short.id}/assegna`, { order: order.orderId, reason: ' ', accept: 'si' }, entry.body)
    expect(noReason.statusCode).toBe(422)
    expect(noReason.body).toContain('Scrivi il motivo')
    const done = await client.post(`/ufficio/pagamenti-da-risolvere/${short.id}/assegna`, { order: order.orderId, reason: 'commissione trattenuta', accept: 'si' }, entry.body)
    expect(done.statusCode).toBe(303)
    expect((await db.select().from(orders).where(eq(orders.id, order.orderId)))[0].status).toBe('paid')
    const after = await client.get(done.headers.location as string)
    expect(after.body).toContain('Pagamento assegnato')
    expect(after.body).not.toContain(`/ufficio/pagamenti-da-risolvere/${short.id}"`)
    const [assigned] = await db.select().from(auditLog).where(eq(auditLog.action, 'payment.assigned'))
    expect(assigned).toMatchObject({ actor: 'operator:anna', reason: 'commissione trattenuta' })
    // the same form again (a second tab) is refused, nothing changes
    const again = await client.post(`/ufficio/pagamenti-da-risolvere/${short.id}/assegna`, { order: order.orderId, reason: 'di nuovo', accept: 'si' }, entry.body)
    expect(again.statusCode).toBe(409)
    expect(again.body).toContain('già stato risolto')

    const strayPage = await client.get(`/ufficio/pagamenti-da-risolvere/${stray.id}`)
    const noted = await client.post(`/ufficio/pagamenti-da-risolvere/${stray.id}/nota`, { note: 'Telefonato a Luigi Verdi' }, strayPage.body)
    expect(noted.statusCode).toBe(303)
    expect((await client.get(noted.headers.location as string)).body).toContain('Telefonato a Luigi Verdi')
    const empty = await client.post(`/ufficio/pagamenti-da-risolvere/${stray.id}/non-nostro`, { reason: '' }, strayPage.body)
    expect(empty.statusCode).toBe(422)
    expect(empty.body).toContain('id="notOursReason-error"')
    const notOurs = await client.post(`/ufficio/pagamenti-da-risolvere/${stray.id}/non-nostro`, { reason: 'Quota dell’Ordine, non nostra' }, strayPage.body)
    expect(notOurs.headers.location).toBe('/ufficio/rimborsi?fatto=non-nostro')

    const refunds = await client.get('/ufficio/rimborsi?lang=en')
    expect(refunds.body).toContain('Refunds to make')
    expect(refunds.body).toContain('€12.20 to Luigi Verdi')
    const noCro = await client.post(`/ufficio/rimborsi/${stray.id}`, { refundedOn: '2026-05-03', iban: '', transferRef: '' }, refunds.body)
    expect(noCro.statusCode).toBe(422)
    expect(noCro.body).toContain(`id="transferRef-${stray.id}-error"`)
    const badIban = await client.post(`/ufficio/rimborsi/${stray.id}`, { refundedOn: '2026-05-03', iban: 'IT00X0000', transferRef: 'TRN-1' }, refunds.body)
    expect(badIban.statusCode).toBe(422)
    expect(badIban.body).toContain('Invalid IBAN')
    const recorded = await client.post(`/ufficio/rimborsi/${stray.id}`, { refundedOn: '2026-05-03', iban: 'IT60X0542811101000000123456', transferRef: 'TRN-1' }, refunds.body)
    expect(recorded.statusCode).toBe(303)
    expect((await client.get(recorded.headers.location as string)).body).toContain('No refund to make.')
    expect((await db.select().from(payments).where(eq(payments.id, stray.id)))[0].refundStatus).toBe('refunded')
    const [refunded] = await db.select().from(auditLog).where(eq(auditLog.action, 'payment.refunded'))
    expect(refunded).toMatchObject({ actor: 'operator:anna', reason: 'not_ours' })
    expect(refunded.data).toMatchObject({ refundRef: 'TRN-1', refundedOn: '2026-05-03' })
    // the holder of the assigned order is told it is paid; the stray payment had no holder to tell
    const mails = await db.select().from(outbox)
    expect(mails.filter((m) => m.template === 'payment_received').map((m) => m.orderId)).toEqual([order.orderId])
    expect(mails.filter((m) => m.template === 'payment_refunded')).toEqual([])
  })

  it('a payment registered by hand goes through the settlement, with its reason audited', async () => {
    const { client, db } = await setup()
    await signIn(client)
    const form = await client.get('/ufficio/pagamenti/registra')
    const missing = await client.post('/ufficio/pagamenti/registra', { order: '', amount: 'dodici', method: 'bonifico', reference: '', reason: '' }, form.body)
    expect(missing.statusCode).toBe(422)
    for (const id of ['order-error', 'amount-error', 'reference-error', 'reason-error']) expect(missing.body).toContain(`id="${id}"`)
    const second = await placeOrder(services.deps, { mailboxId: (await seedMailbox(db, { expiresOn: '2026-07-31' })).id, years: 1, method: 'bonifico', actor: 'holder:y' })
    const done = await client.post('/ufficio/pagamenti/registra', { order: second.orderId, amount: '12,20', method: 'bonifico', reference: 'CRO-99', reason: 'contabile inviata dal titolare' }, csrfToken(form.body) && form.body)
    expect(done.statusCode).toBe(200)
    expect(done.body).toContain('Pagamento registrato')
    expect(done.body).toContain('31 luglio 2027')
    const [audited] = await db.select().from(auditLog).where(eq(auditLog.action, 'payment.registered_by_hand'))
    expect(audited).toMatchObject({ actor: 'operator:anna', reason: 'contabile inviata dal titolare', orderId: second.orderId })
  })
})
