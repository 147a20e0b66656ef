import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { accounts } from '../../src/accounts/schema'
import { loadConfig } from '../../src/config'
import type { ManualClock } from '../../src/core/clock'
import { formatOrderId, type OrderId } from '../../src/core/order-id'
import { importStatement } from '../../src/flows/imports/import-statement'
import { addOperator } from '../../src/operators/add-operator'
import { placeOrder } from '../../src/renewals/place-order'
import { buildServices } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { TEST_SESSION_SECRET } from '../support/config'
import { testDatabases, type TestDatabase } from '../support/databases'
import { signInAsOperator } from '../support/office'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { WebClient } from '../support/web-client'
import { camtStatement } from '../payments/offline/statement-builder'

const PASSWORD = 'operatore-di-prova-1'
const PAYER_IBAN = 'IT98Z1234512345123456789012'

describe.each(testDatabases())('%s: the back office’s search box', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  let clock: ManualClock
  afterEach(async () => {
    await app?.close()
    await t?.close()
  })

  async function setup() {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    clock = clockOn('2026-06-01')
    const services = buildServices(loadConfig({ DATABASE_URL: 'memory://', PUBLIC_URL: 'https://rinnovi.example.it', SESSION_SECRET: TEST_SESSION_SECRET }), t.database, clock)
    await seedMailbox(db, { expiresOn: '2026-07-01', address: 'giulia.verdi@pec.example.it', accountId: 'FNOM000101' })
    const marco = await seedMailbox(db, { expiresOn: '2026-08-01', address: 'marco.neri@pec.example.it', accountId: 'FNOM000102' })
    await db.update(accounts).set({ firstName: 'Giulia', lastName: 'Verdi', fiscalCode: 'VRDGLI80A41H501Z', referenceEmail: 'Giulia@Example.it' }).where(eq(accounts.id, 'FNOM000101'))
    await db.update(accounts).set({ firstName: 'Marco', lastName: 'De Neri', fiscalCode: '01234567890' }).where(eq(accounts.id, 'FNOM000102'))
    await seedMailbox(db, { expiresOn: '2026-09-01', address: 'ana.cruz@pec.example.it', accountId: 'FNOM000103' })
    await db.update(accounts).set({ firstName: 'Ana María', lastName: 'De La Cruz' }).where(eq(accounts.id, 'FNOM000103'))
    const order = await placeOrder(services.deps, { mailboxId: marco.id, years: 1, method: 'bonifico', actor: 'holder:x' })
    // a transfer from Marco's IBAN for his order, and one of 10,00 € with no order ID from the same IBAN
    const statement = join(mkdtempSync(join(tmpdir(), 'search-')), 'estratto.xml')
    writeFileSync(statement, camtStatement([
      { amountCents: 1220, acctSvcrRef: 'BANK-7781', endToEndId: 'E2E-NERI-1', remittance: [`ordine ${order.orderId}`], debtorName: 'Marco De Neri', debtorIban: PAYER_IBAN },
      { amountCents: 1000, acctSvcrRef: 'BANK-7782', remittance: ['quota'], debtorName: 'Marco De Neri', debtorIban: PAYER_IBAN },
    ]))
    await importStatement(services.deps, statement, { actor: 'operator:setup' })
    await addOperator(services.deps, { username: 'sara', password: PASSWORD, role: 'read-only', actor: 'operator:setup' })
    app = await buildServer(services)
    const client = new WebClient(app)
    await signInAsOperator(client, clock, 'sara', PASSWORD)
    return { client, orderId: order.orderId as OrderId }
  }
  const found = async (client: WebClient, q: string) => {
    const page = await client.get(`/ufficio/cerca?q=${encodeURIComponent(q)}`)
    expect(page.statusCode).toBe(200)
    return { addresses: [...page.body.matchAll(/<tr><th scope="row">(?:<a href="\/ufficio\/caselle\/[^"]+">)?([^<]+)(?:<\/a>)?<\/th>/g)].map((m) => m[1]), body: page.body }
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

  it('finds payments by their reference (the bank\'s, or the payer\'s end-to-end ID) and by the payer\'s IBAN, as typed on paper', async () => {
    const { client, orderId } = await setup()
    const byReference = await found(client, 'BANK-7781')
    expect(byReference.addresses).toEqual(['BANK-7781'])
    expect(byReference.body).toContain('Trovati 1 pagamenti per riferimento del pagamento.')
    expect(byReference.body).toContain(formatOrderId(orderId))
    expect(byReference.body).toContain('marco.neri@pec.example.it')
    expect(byReference.body).toContain('registrato')
    expect((await found(client, 'E2E-NERI-1')).addresses).toEqual(['BANK-7781'])
    const byIban = await found(client, 'it98 z123 4512 3451 2345 6789 012')
    expect(byIban.addresses.sort()).toEqual(['BANK-7781', 'BANK-7782'])
    expect(byIban.body).toContain('Trovati 2 pagamenti per IBAN di chi ha pagato.')
    expect(byIban.body).toContain('senza ordine')
    expect((await found(client, 'BANK-0000')).body).toContain('Nessuna casella trovata per «BANK-0000».')
  })

  it('finds a holder by the start of the first name, of the surname, or of any word of a compound surname', async () => {
    const { client } = await setup()
    expect((await found(client, 'ana')).addresses).toEqual(['ana.cruz@pec.example.it'])
    expect((await found(client, 'la')).addresses).toEqual(['ana.cruz@pec.example.it'])
    expect((await found(client, 'cru an')).addresses).toEqual(['ana.cruz@pec.example.it'])
    expect((await found(client, 'de')).addresses).toEqual(['ana.cruz@pec.example.it', 'marco.neri@pec.example.it'])
    expect((await found(client, 'de neri')).addresses).toEqual(['marco.neri@pec.example.it'])
    expect((await found(client, 'maría')).addresses).toEqual([]) // the second word of a first name is not a start
  })

  it('reads names without case, accents or apostrophes, a hyphen as a space, the words in either order', async () => {
    const { client } = await setup()
    const db = t.database.db
    await seedMailbox(db, { expiresOn: '2026-10-01', address: 'nicolo.damico@pec.example.it', accountId: 'FNOM000104' })
    await db.update(accounts).set({ firstName: 'Nicolò', lastName: "D'Amico" }).where(eq(accounts.id, 'FNOM000104'))
    await seedMailbox(db, { expiresOn: '2026-10-01', address: 'elena.rossi@pec.example.it', accountId: 'FNOM000105' })
    await db.update(accounts).set({ firstName: 'ÉLENA', lastName: 'Rossi-Bianchi' }).where(eq(accounts.id, 'FNOM000105'))
    const nicolo = ['nicolo.damico@pec.example.it']
    for (const q of ['nicolo', 'NICOLÒ', 'Nicolo d’amico', "d'amico nicolò", 'damico', 'DAMI nic']) expect((await found(client, q)).addresses, q).toEqual(nicolo)
    const elena = ['elena.rossi@pec.example.it']
    for (const q of ['elena', 'élena', 'bianchi', 'rossi-bianchi', 'rossi bianchi', 'bianchi elena', 'Bian El']) expect((await found(client, q)).addresses, q).toEqual(elena)
    expect((await found(client, 'María')).addresses).toEqual([]) // still not a start
    expect((await found(client, 'Ana Maria')).addresses).toEqual([]) // Maria is the first name's second word, not a start
    expect((await found(client, 'cruz ána')).addresses).toEqual(['ana.cruz@pec.example.it'])
    expect((await found(client, 'VERD')).addresses).toEqual(['giulia.verdi@pec.example.it']) // a partial surname
    expect((await found(client, 'nicolo verdi')).addresses).toEqual([]) // every word must match
  })

  it('takes a text with a digit for no name: an address by its first letters, else nothing', async () => {
    const { client } = await setup()
    expect((await found(client, 'giulia2')).body).toContain('Nessuna casella trovata per «giulia2».')
    expect((await found(client, 'marco.neri@pec')).addresses).toEqual(['marco.neri@pec.example.it'])
    expect((await found(client, 'marco neri 7781')).addresses).toEqual([])
  })

  it('says when nothing is found, refuses one character, and treats % and _ as letters', async () => {
    const { client } = await setup()
    expect((await found(client, 'zzz')).body).toContain('Nessuna casella trovata per «zzz».')
    expect((await found(client, 'g')).body).toContain('Scrivi almeno due caratteri.')
    expect((await found(client, '%@')).addresses).toEqual([])
    expect((await found(client, '__')).addresses).toEqual([])
  })
})
