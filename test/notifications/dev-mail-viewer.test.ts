import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { devMailViewer } from '../../src/notifications/dev-mail-viewer'
import { mailContext } from '../../src/notifications/mail-context'
import { enqueueMail } from '../../src/notifications/outbox'
import { outbox } from '../../src/notifications/schema'
import { eq } from 'drizzle-orm'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn } from '../support/seed'

const context = mailContext('http://localhost:3000')

describe.each(testDatabases())('%s: dev mail viewer', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  afterEach(async () => {
    await app?.close()
    await t?.close()
  })

  async function start() {
    t = await open()
    app = Fastify()
    await app.register(devMailViewer(context, t.database.db))
    await app.ready()
  }

  async function queueTwo() {
    const clock = clockOn('2026-05-01')
    const reminder = await enqueueMail(
      t.database.db,
      {
        template: 'reminder',
        language: 'it',
        recipient: 'maria@example.it',
        params: {
          holderName: '<script>alert(1)</script> Rossi',
          mailbox: 'maria.rossi@pec.example.it',
          expiresOn: '2026-06-30',
          offsetDays: 60,
          register: 'none',
          registerWarning: false,
          openOrder: null,
        },
      },
      clock.now(),
    )
    clock.advanceMs(60_000)
    const deactivation = await enqueueMail(
      t.database.db,
      {
        template: 'deactivation',
        language: 'en',
        recipient: 'john@example.it',
        params: {
          holderName: 'John Smith',
          mailbox: 'john.smith@pec.example.it',
          expiresOn: '2026-04-30',
          renewableUntil: '2026-07-29',
          register: 'ini_pec',
          openOrder: null,
        },
      },
      clock.now(),
    )
    return { reminder, deactivation }
  }

  it('lists the outbox newest first with recipient, subject, status and time', async () => {
    await start()
    const empty = await app.inject({ method: 'GET', url: '/dev/posta' })
    expect(empty.statusCode).toBe(200)
    expect(empty.body).toContain('Nessuna e-mail nella coda')

    const { reminder, deactivation } = await queueTwo()
    await t.database.db.update(outbox).set({ status: 'sent', sentAt: new Date() }).where(eq(outbox.id, reminder))
    const list = await app.inject({ method: 'GET', url: '/dev/posta' })
    expect(list.statusCode).toBe(200)
    expect(list.headers['content-type']).toMatch(/text\/html/)
    expect(list.body).toContain('Posta in uscita')
    const newer = list.body.indexOf('Your PEC mailbox john.smith@pec.example.it has been deactivated')
    const older = list.body.indexOf('La casella PEC maria.rossi@pec.example.it scade il 30 giugno 2026')
    expect(newer).toBeGreaterThan(0)
    expect(older).toBeGreaterThan(newer)
    expect(list.body).toContain('john@example.it')
    expect(list.body).toContain('in coda')
    expect(list.body).toContain('inviata')
    expect(list.body).toContain('01/05/26, 12:01:00') // created, in Europe/Rome
    expect(list.body).toContain(`href="/dev/posta/${deactivation}"`)
  })

  it('shows one mail: its HTML in a sandboxed frame, escaped, and its text version', async () => {
    await start()
    const { reminder } = await queueTwo()
    const page = await app.inject({ method: 'GET', url: `/dev/posta/${reminder}` })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('<h1>La casella PEC maria.rossi@pec.example.it scade il 30 giugno 2026</h1>')
    expect(page.body).toMatch(/<iframe title="Versione HTML" sandbox="[^"]*" srcdoc="&lt;!DOCTYPE html&gt;/)
    expect(page.body).not.toContain('<script>')
    expect(page.body).toContain('Versione testo')
    expect(page.body).toContain('http://localhost:3000/rinnova?casella=maria.rossi%40pec.example.it')
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/)

    const raw = await app.inject({ method: 'GET', url: `/dev/posta/${reminder}/html` })
    expect(raw.statusCode).toBe(200)
    expect(raw.headers['content-security-policy']).toMatch(/^sandbox/)
    expect(raw.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Rossi')
    expect(raw.body).not.toContain('<script>')
  })

  it('answers 404 for a mail that does not exist and 400 for a bad id', async () => {
    await start()
    expect((await app.inject({ method: 'GET', url: '/dev/posta/999' })).statusCode).toBe(404)
    expect((await app.inject({ method: 'GET', url: '/dev/posta/999/html' })).statusCode).toBe(404)
    expect((await app.inject({ method: 'GET', url: '/dev/posta/abc' })).statusCode).toBe(400)
  })
})
