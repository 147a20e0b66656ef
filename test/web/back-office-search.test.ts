import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { accounts } from '../../src/accounts/schema'
import { formatOrderId, type OrderId } from '../../src/core/order-id'
import { placeOrder } from '../../src/renewals/place-order'
import { testDatabases, type TestDatabase } from '../support/databases'
import { serverUnderTest } from '../support/office'
import { seedMailbox } from '../support/seed'
import type { WebClient } from '../support/web-client'

describe.each(testDatabases())('%s: the back office’s search box', (_name, open) => {
  let t: TestDatabase
  const server = serverUnderTest(open)

  async function setup() {
    const office = await server.start({ today: '2026-06-01', operators: [{ username: 'sara', role: 'read-only' }] })
    t = office.t
    const db = t.database.db
    const { services } = office
    await seedMailbox(db, { expiresOn: '2026-07-01', address: 'giulia.verdi@pec.example.it', accountId: 'FNOM000101' })
    const marco = await seedMailbox(db, { expiresOn: '2026-08-01', address: 'marco.neri@pec.example.it', accountId: 'FNOM000102' })
    await db.update(accounts).set({ firstName: 'Giulia', lastName: 'Verdi', fiscalCode: 'VRDGLI80A41H501Z', referenceEmail: 'Giulia@Example.it' }).where(eq(accounts.id, 'FNOM000101'))
    await db.update(accounts).set({ firstName: 'Marco', lastName: 'De Neri', fiscalCode: '01234567890' }).where(eq(accounts.id, 'FNOM000102'))
    const order = await placeOrder(services.deps, { mailboxId: marco.id, years: 1, method: 'bonifico', actor: 'holder:x' })
    return { client: await office.signIn('sara'), orderId: order.orderId as OrderId }
  }
  const found = async (client: WebClient, q: string) => {
    const page = await client.get(`/ufficio/cerca?q=${encodeURIComponent(q)}`)
    expect(page.statusCode).toBe(200)
    return { addresses: [...page.body.matchAll(/<tr><th scope="row">([^<]+)<\/th>/g)].map((m) => m[1]), body: page.body }
  }

  it('finds a mailbox by address prefix, account ID, codice fiscale, partita IVA, name, reference e-mail and order ID (a wrong character tolerated)', async () => {
    const { client, orderId } = await setup()
    expect((await found(client, 'giulia.ver')).addresses).toEqual(['giulia.verdi@pec.example.it'])
    expect((await found(client, 'fnom000102')).addresses).toEqual(['marco.neri@pec.example.it'])
    const byCf = await found(client, ' vrdgli80a41h501z ')
    expect(byCf.addresses).toEqual(['giulia.verdi@pec.example.it'])
    expect(byCf.body).toContain('Trovate 1 caselle per codice fiscale o partita IVA.')
    expect((await found(client, '01234567890')).addresses).toEqual(['marco.neri@pec.example.it'])
    expect((await found(client, 'verdi giu')).addresses).toEqual(['giulia.verdi@pec.example.it'])
    expect((await found(client, 'neri')).addresses).toEqual(['marco.neri@pec.example.it']) // a word inside a compound surname
    expect((await found(client, 'giulia@example.it')).addresses).toEqual(['giulia.verdi@pec.example.it'])
    expect((await found(client, formatOrderId(orderId).toLowerCase())).addresses).toEqual(['marco.neri@pec.example.it'])
    const typo = orderId.slice(0, 9) + String((Number(orderId[9]) + 1) % 10) // the last check digit mistyped
    const byTypo = await found(client, typo)
    expect(byTypo.addresses).toEqual(['marco.neri@pec.example.it'])
    expect(byTypo.body).toContain(orderId)
  })

  it('says when nothing is found, refuses one character, and treats % and _ as letters', async () => {
    const { client } = await setup()
    expect((await found(client, 'zzz')).body).toContain('Nessuna casella trovata per «zzz».')
    expect((await found(client, 'g')).body).toContain('Scrivi almeno due caratteri.')
    expect((await found(client, '%@')).addresses).toEqual([])
    expect((await found(client, '__')).addresses).toEqual([])
  })
})
