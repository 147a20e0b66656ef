import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import type { ManualClock } from '../../src/core/clock'
import { outbox } from '../../src/notifications/schema'
import { provisioningCommands } from '../../src/provisioning/schema'
import { placeOrder } from '../../src/renewals/place-order'
import { testDatabases, type TestDatabase } from '../support/databases'
import { serverUnderTest } from '../support/office'
import { seedMailbox } from '../support/seed'
import { WebClient } from '../support/web-client'

describe.each(testDatabases())('%s: the back office’s work queues', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  let clock: ManualClock
  const server = serverUnderTest(open)

  /** 1 June 2026: one mailbox expires today (deactivated tomorrow), one has an open bonifico order it can no longer pay in time. */
  async function setup() {
    const office = await server.start({ today: '2026-06-01', operators: [{ username: 'sara', displayName: 'Sara', role: 'read-only' }] })
    ;({ t, app, clock } = office)
    const db = t.database.db
    const { services } = office
    const expiring = await seedMailbox(db, { expiresOn: '2026-06-01', address: 'scade.oggi@pec.example.it' })
    const inTime = await seedMailbox(db, { expiresOn: '2026-07-02', address: 'tra.un.mese@pec.example.it' })
    const overdue = await seedMailbox(db, { expiresOn: '2026-06-03', address: 'in.ritardo@pec.example.it' })
    const late = await placeOrder(services.deps, { mailboxId: overdue.id, years: 1, method: 'bonifico', actor: 'holder:x' })
    await placeOrder(services.deps, { mailboxId: inTime.id, years: 1, method: 'bonifico', actor: 'holder:x' }) // still in time
    const at = clock.now()
    await db.insert(outbox).values({ template: 'reminder', language: 'it', recipient: 'sbagliato@example.it', params: {}, status: 'failed', nextAttemptAt: at, createdAt: at, lastError: '550 5.1.1 user unknown' })
    await db.insert(provisioningCommands).values({ mailboxId: expiring.id, action: 'disable', status: 'failed', createdAt: at, attempts: 8, lastError: 'platform said no' })
    return { client: await office.signIn('sara'), lateOrder: late.orderId }
  }
  const count = (html: string, id: string) => new RegExp(`id="queue-${id}">\\s*<a href="[^"]+"><span class="count">(\\d+)</span>`).exec(html)?.[1]

  it('the home page counts each queue; each queue’s page lists it; tomorrow’s run is a page and CSV', async () => {
    const { client, lateOrder } = await setup()
    const home = await client.get('/ufficio')
    expect(home.statusCode).toBe(200)
    expect(count(home.body, 'overdue-orders')).toBe('1')
    expect(count(home.body, 'tomorrow-deactivations')).toBe('1')
    expect(count(home.body, 'tomorrow-reminders')).toBe('2')
    expect(count(home.body, 'failed-mail')).toBe('1')
    expect(count(home.body, 'failed-commands')).toBe('1')
    expect(home.body).toContain('Caselle che saranno disattivate domani (2 giugno 2026)')
    expect(home.body).not.toContain('href="/ufficio/estratti"') // read-only: no uploads

    const overdue = await client.get('/ufficio/code/ordini-scaduti')
    expect(overdue.body).toContain(lateOrder)
    expect(overdue.body).toContain('in.ritardo@pec.example.it')
    expect(overdue.body).toContain('31 maggio 2026') // pay by: E less a transfer's three days
    expect(overdue.body).not.toContain('tra.un.mese@pec.example.it')

    const mail = await client.get('/ufficio/code/posta-non-consegnata')
    expect(mail.body).toContain('Promemoria di scadenza')
    expect(mail.body).toContain('550 5.1.1 user unknown')
    expect((await client.get('/ufficio/code/comandi-falliti')).body).toMatch(/scade\.oggi@pec\.example\.it<\/a><\/td><td>disattivare/)

    const tomorrow = await client.get('/ufficio/code/domani')
    expect(tomorrow.body).toContain('Domani, 2 giugno 2026')
    expect(tomorrow.body).toContain('Disattivazioni (1)')
    expect(tomorrow.body).toContain('Promemoria (2)')
    const csv = await client.get('/ufficio/code/domani.csv')
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(csv.headers['content-disposition']).toBe('attachment; filename="domani-2026-06-02.csv"')
    const lines = csv.body.trim().split('\r\n')
    expect(lines[0]).toBe('date,action,address,expires_on,offset_days,skipped_offsets,register,register_warning')
    expect(lines).toContain('2026-06-02,deactivate,scade.oggi@pec.example.it,2026-06-01,,,none,false')
    expect(lines.filter((l) => l.includes(',reminder,'))).toHaveLength(2)

    const english = await client.get('/ufficio?lang=en')
    expect(english.body).toContain('Mailboxes deactivating tomorrow (2 June 2026)')
  })

  it('sends a visitor without a session to sign in, the CSV too', async () => {
    await setup()
    const stranger = new WebClient(app)
    for (const path of ['/ufficio/code/domani.csv', '/ufficio/code/ordini-scaduti']) expect((await stranger.get(path)).statusCode).toBe(303)
  })
})
