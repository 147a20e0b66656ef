import { describe, expect, it } from 'vitest'
import { apiTokens } from '../../src/db/schema'
import { serverUnderTest } from '../support/office'
import { testDatabases } from '../support/databases'
import { seedMailbox } from '../support/seed'

// Issue 15: API tokens in the back office — admins only; shown once; revoked from the list.
describe.each(testDatabases())('%s: back-office API tokens', (_name, open) => {
  const server = serverUnderTest(open)

  it('an admin creates a partner token (shown once), it opens its convention; revoked, it opens nothing', async () => {
    const office = await server.start({ today: '2026-05-02', operators: [{ username: 'admin', role: 'admin' }, { username: 'luca', role: 'support' }] })
    const mailbox = await seedMailbox(office.t.database.db, { expiresOn: '2026-06-30' })
    const support = await office.signIn('luca')
    expect((await support.get('/ufficio/token-api')).statusCode).toBe(403)

    const admin = await office.signIn('admin')
    const form = await admin.get('/ufficio/token-api')
    expect(form.statusCode).toBe(200)
    expect(form.body).toContain('<option value="FNOMCEO">FNOMCEO</option>')
    const refused = await admin.post('/ufficio/token-api', { name: 'fnomceo', scope: 'payments', convention: 'FNOMCEO' }, form.body)
    expect(refused.statusCode).toBe(422)
    expect(await office.t.database.db.select().from(apiTokens)).toEqual([])

    const created = await admin.post('/ufficio/token-api', { name: 'fnomceo', scope: 'read', convention: 'FNOMCEO' }, form.body)
    expect(created.statusCode).toBe(201)
    expect(created.headers['cache-control']).toBe('no-store')
    const token = /<code id="new-token">(pecr_live_[A-Za-z0-9_-]{43})<\/code>/.exec(created.body)![1]
    const list = await admin.get('/ufficio/token-api')
    expect(list.body).not.toContain(token)
    expect(list.body).toContain(`${token.slice(0, 16)}…`)

    const read = () => office.app.inject({ method: 'GET', url: `/api/v1/mailboxes/${mailbox.address}`, headers: { authorization: `Bearer ${token}` } })
    expect((await read()).statusCode).toBe(200)
    const [row] = await office.t.database.db.select().from(apiTokens)
    const revoked = await admin.post(`/ufficio/token-api/${row.id}/revoca`, {}, list.body)
    expect(revoked.statusCode).toBe(303)
    expect((await admin.get(String(revoked.headers.location))).body).toContain('Token «fnomceo» revocato')
    expect((await read()).statusCode).toBe(401)
  })
})
