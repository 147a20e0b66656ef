import { describe, expect, it } from 'vitest'
import { auditLog } from '../../src/db/schema'
import { eventEndpoints } from '../../src/events/schema'
import { testDatabases } from '../support/databases'
import { serverUnderTest } from '../support/office'

describe.each(testDatabases())('%s: webhooks in the back office (issue 15)', (_name, open) => {
  const server = serverUnderTest(open)

  it('an admin adds an endpoint (secret shown once), disables, enables and deletes it, each audited; others may not', async () => {
    const office = await server.start({ today: '2026-06-01', operators: [{ username: 'ada', role: 'admin' }, { username: 'sara', role: 'support' }] })
    const db = office.t.database.db
    const admin = await office.signIn('ada')
    const page = await admin.get('/ufficio/webhook')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('href="/ufficio/webhook"')

    const http = await admin.post('/ufficio/webhook', { url: 'http://93.184.215.14/hook', events: 'mailbox.ceased' }, page.body)
    expect(http.statusCode).toBe(422)
    expect(http.body).toContain('Il webhook deve usare https://')
    const internal = await admin.post('/ufficio/webhook', { url: 'https://169.254.169.254/latest/meta-data', events: 'mailbox.ceased' }, page.body)
    expect(internal.statusCode).toBe(422)
    expect(internal.body).toContain('indirizzo interno')
    expect(await db.select().from(eventEndpoints)).toEqual([])

    const added = await admin.post('/ufficio/webhook', { url: 'https://93.184.215.14/hook', events: 'mailbox.deactivated', convention: 'fnomceo' }, page.body)
    expect(added.statusCode).toBe(200)
    const secret = /whsec_[A-Za-z0-9_-]{43}/.exec(added.body)?.[0]
    expect(secret).toBeDefined()
    const [row] = await db.select().from(eventEndpoints)
    expect(row).toMatchObject({ url: 'https://93.184.215.14/hook', conventionCode: 'FNOMCEO', eventTypes: ['mailbox.deactivated'], enabled: true })
    expect(row.secret).not.toContain(secret!.slice(6))
    expect((await admin.get('/ufficio/webhook')).body).not.toContain(secret!) // never shown again

    expect((await admin.post(`/ufficio/webhook/${row.id}/disattiva`, {}, page.body)).headers.location).toBe('/ufficio/webhook?fatto=disabled')
    expect((await admin.post(`/ufficio/webhook/${row.id}/riattiva`, {}, page.body)).statusCode).toBe(303)
    const deliveries = await admin.get(`/ufficio/webhook/${row.id}`)
    expect(deliveries.statusCode).toBe(200)
    expect(deliveries.body).toContain('Nessuna consegna.')
    expect((await admin.get('/ufficio/webhook/999')).statusCode).toBe(404)

    const support = await office.signIn('sara')
    expect((await support.get('/ufficio/webhook')).statusCode).toBe(403)
    expect((await support.post(`/ufficio/webhook/${row.id}/elimina`, {}, (await support.get('/ufficio')).body)).statusCode).toBe(403)

    expect((await admin.post(`/ufficio/webhook/${row.id}/elimina`, {}, page.body)).statusCode).toBe(303)
    expect(await db.select().from(eventEndpoints)).toEqual([])
    const actions = (await db.select().from(auditLog)).filter((a) => a.actor === 'operator:ada' && a.action.startsWith('webhook.')).map((a) => a.action)
    expect(actions).toEqual(['webhook.added', 'webhook.disabled', 'webhook.enabled', 'webhook.deleted'])
    const timeline = await admin.get('/ufficio')
    expect(timeline.body).toContain('queue-disabled-webhooks')
  })
})
