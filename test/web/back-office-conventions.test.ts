import { and, eq, like } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { FNOMCEO_DEMO, listPrices, saveContract, saveConvention } from '../../src/catalog/queries'
import { loadConfig } from '../../src/config'
import type { CalendarDate } from '../../src/core/calendar'
import type { ManualClock } from '../../src/core/clock'
import { auditLog, contractDocuments, contractVersions, conventionContractDocuments, conventions } from '../../src/db/schema'
import { addOperator } from '../../src/operators/add-operator'
import { buildServices } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { TEST_SESSION_SECRET } from '../support/config'
import { testDatabases, type TestDatabase } from '../support/databases'
import { signInAsOperator } from '../support/office'
import { clockOn } from '../support/seed'
import { WebClient } from '../support/web-client'

const PASSWORD = 'operatore-di-prova-1'

describe.each(testDatabases())('%s: running the convention in the back office', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  let clock: ManualClock
  afterEach(async () => {
    await app?.close()
    await t?.close()
  })

  async function setup() {
    t = await open()
    clock = clockOn('2026-12-05')
    const services = buildServices(loadConfig({ DATABASE_URL: 'memory://', PUBLIC_URL: 'https://rinnovi.example.it', SESSION_SECRET: TEST_SESSION_SECRET }), t.database, clock)
    await saveConvention(t.database.db, FNOMCEO_DEMO)
    await saveContract(t.database.db, {
      document: { code: 'condizioni-generali', titleIt: 'Condizioni generali', titleEn: 'Terms', onerous: false },
      versions: [{ version: '3.1', effectiveFrom: '2025-01-01' as CalendarDate, url: 'https://rinnovi.example.it/contratti/condizioni-generali/3.1', body: 'Testo 3.1' }],
    })
    await addOperator(services.deps, { username: 'ada', displayName: 'Ada', password: PASSWORD, role: 'admin', actor: 'operator:setup' })
    await addOperator(services.deps, { username: 'bice', displayName: 'Bice', password: PASSWORD, role: 'billing', actor: 'operator:setup' })
    app = await buildServer(services)
  }

  it('an admin sees the list and a convention, changes the reminders, adds a price from a later day and a contract version, each audited with the reason', { timeout: 120_000 }, async () => {
    await setup()
    const admin = new WebClient(app)
    await signInAsOperator(admin, clock, 'ada', PASSWORD)
    const list = await admin.get('/ufficio/convenzioni')
    expect(list.statusCode).toBe(200)
    expect(list.body).toContain('href="/ufficio/convenzioni/FNOMCEO"')
    expect(list.body).toMatch(/10,00\s€ \+ IVA 22\s%/)
    expect(list.body).toContain('href="/ufficio/convenzioni"') // in the nav for admins

    const page = await admin.get('/ufficio/convenzioni/FNOMCEO')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('value="60, 30, 15, 7, 1"')
    const form = { name: 'Convenzione FNOMCEO', payer: 'member', durations: '1, 2, 3', offsets: '45, 15, 3', warning: '30', window: '90', late: 'expiry', mode: 'off', reason: 'Nuovo accordo' }

    const unordered = await admin.post('/ufficio/convenzioni/FNOMCEO', { ...form, offsets: '15, 45, 3' }, page.body)
    expect(unordered.statusCode).toBe(422)
    expect(unordered.body).toMatch(/class="error-summary"[\s\S]*href="#offsets"[^>]*>I giorni dei promemoria vanno in ordine decrescente/)
    expect(unordered.body).toContain('value="15, 45, 3"') // the form as sent, to correct
    const noPrice = await admin.post('/ufficio/convenzioni/FNOMCEO', { ...form, durations: '1, 2, 3, 5' }, page.body)
    expect(noPrice.statusCode).toBe(422)
    expect(noPrice.body).toContain('Una durata offerta non ha un prezzo in vigore oggi')
    const noReason = await admin.post('/ufficio/convenzioni/FNOMCEO', { ...form, reason: ' ' }, page.body)
    expect(noReason.body).toMatch(/href="#reason"/)
    expect((await t.database.db.select().from(conventions))[0].reminderOffsetsDays).toEqual([60, 30, 15, 7, 1])

    const saved = await admin.post('/ufficio/convenzioni/FNOMCEO', form, page.body)
    expect(saved.headers.location).toBe('/ufficio/convenzioni/FNOMCEO?fatto=settings')
    expect((await t.database.db.select().from(conventions))[0].reminderOffsetsDays).toEqual([45, 15, 3])
    const again = await admin.post('/ufficio/convenzioni/FNOMCEO', form, page.body)
    expect(again.headers.location).toBe('/ufficio/convenzioni/FNOMCEO?fatto=unchanged')

    const past = await admin.post('/ufficio/convenzioni/FNOMCEO/prezzi', { years: '1', net: '12,00', vat: '22', from: '2026-12-01', reason: 'Listino 2027' }, page.body)
    expect(past.statusCode).toBe(422)
    expect(past.body).toMatch(/href="#price-from"[^>]*>Un nuovo prezzo vale da oggi o da un giorno futuro/)
    const price = await admin.post('/ufficio/convenzioni/FNOMCEO/prezzi', { years: '1', net: '12,00', vat: '22', from: '2027-01-01', reason: 'Listino 2027' }, page.body)
    expect(price.headers.location).toBe('/ufficio/convenzioni/FNOMCEO?fatto=price')
    expect((await listPrices(t.database.db, 'FNOMCEO')).filter((p) => p.years === 1)).toMatchObject([
      { netCents: 1000, effectiveFrom: '2000-01-01' },
      { netCents: 1200, effectiveFrom: '2027-01-01' },
    ])

    const upload = await admin.upload('/ufficio/convenzioni/FNOMCEO/contratti', { document: 'condizioni-generali', version: '3.2', from: '2027-01-01', reason: 'Nuove condizioni' }, { name: 'condizioni-3.2.txt', content: 'Testo 3.2' }, page.body)
    expect(upload.statusCode, upload.body.match(/<main[\s\S]*<\/main>/)?.[0]).toBe(303)
    expect(upload.headers.location).toBe('/ufficio/convenzioni/FNOMCEO?fatto=contract')
    const changed = await admin.upload('/ufficio/convenzioni/FNOMCEO/contratti', { document: 'condizioni-generali', version: '3.1', from: '2027-01-01', reason: 'x' }, { name: 'c.txt', content: 'Altro' }, page.body)
    expect(changed.statusCode).toBe(409)
    expect(changed.body).toContain('una versione accettata non cambia mai')
    expect(await t.database.db.select({ v: contractVersions.version, body: contractVersions.body }).from(contractVersions).where(eq(contractVersions.documentCode, 'condizioni-generali'))).toEqual([
      { v: '3.1', body: 'Testo 3.1' },
      { v: '3.2', body: 'Testo 3.2' },
    ])

    const after = await admin.get('/ufficio/convenzioni/FNOMCEO?fatto=contract')
    expect(after.body).toContain('Nuova versione del documento pubblicata.')
    expect(after.body).toMatch(/prezzo 1 anno 12,00\s€ dal 1º gennaio 2027/)
    expect(after.body).toContain('href="/contratti/condizioni-generali/3.1"')
    expect(after.body).toContain('in vigore dal 1º gennaio 2027 (futura)')
    const audit = await t.database.db.select().from(auditLog).where(and(like(auditLog.actor, 'operator:ada'), like(auditLog.action, 'con%')))
    expect(audit.map((a) => [a.action, a.reason])).toEqual([
      ['convention.updated', 'Nuovo accordo'],
      ['convention.updated', 'Listino 2027'],
      ['contract.version_added', 'Nuove condizioni'],
    ])
  })

  it('an admin creates a convention through the same rules as convention set, then gives it its own contract document', { timeout: 180_000 }, async () => {
    await setup()
    const db = t.database.db
    const admin = new WebClient(app)
    await signInAsOperator(admin, clock, 'ada', PASSWORD)
    expect((await admin.get('/ufficio/convenzioni')).body).toContain('href="/ufficio/convenzioni/nuova"')
    const blank = await admin.get('/ufficio/convenzioni/nuova')
    expect(blank.statusCode).toBe(200)
    expect(blank.body).toContain('value="60, 30, 15, 7, 1"') // the defaults of a file that leaves them out
    const form: Record<string, string> = { code: 'omceo-mi', name: 'Ordine dei Medici di Milano', payer: 'order', durations: '1, 2', offsets: '30, 7', warning: '7', window: '60', late: 'payment', mode: 'off', reason: 'Delibera del 1º dicembre', 'net-1': '12,00', 'vat-1': '22', 'net-2': '20,00', 'vat-2': '22' }

    const unpriced = await admin.post('/ufficio/convenzioni', { ...form, 'net-2': '' }, blank.body)
    expect(unpriced.statusCode).toBe(422)
    expect(unpriced.body).toMatch(/href="#net-2"[^>]*>Una durata offerta non ha un prezzo in vigore oggi/)
    expect(unpriced.body).toContain('value="Ordine dei Medici di Milano"') // the form as sent
    const unordered = await admin.post('/ufficio/convenzioni', { ...form, offsets: '7, 30' }, blank.body)
    expect(unordered.body).toMatch(/href="#offsets"[^>]*>I giorni dei promemoria vanno in ordine decrescente/)
    const noReason = await admin.post('/ufficio/convenzioni', { ...form, reason: '' }, blank.body)
    expect(noReason.body).toMatch(/href="#reason"/)
    const taken = await admin.post('/ufficio/convenzioni', { ...form, code: 'FNOMCEO' }, blank.body)
    expect(taken.statusCode).toBe(409)
    expect(taken.body).toMatch(/href="#code"[^>]*>Esiste già una convenzione con questo codice/)
    expect((await db.select().from(conventions)).map((c) => c.code)).toEqual(['FNOMCEO']) // FNOMCEO untouched, nothing created
    expect((await db.select().from(conventions))[0].payer).toBe('member')

    const created = await admin.post('/ufficio/convenzioni', form, blank.body)
    expect(created.statusCode, created.body.match(/<main[\s\S]*<\/main>/)?.[0]).toBe(303)
    expect(created.headers.location).toBe('/ufficio/convenzioni/OMCEO-MI?fatto=created')
    expect(await listPrices(db, 'OMCEO-MI')).toMatchObject([
      { years: 1, netCents: 1200, vatBasisPoints: 2200, effectiveFrom: '2026-12-05' },
      { years: 2, netCents: 2000, vatBasisPoints: 2200, effectiveFrom: '2026-12-05' },
    ])
    expect((await db.select().from(conventions).where(eq(conventions.code, 'OMCEO-MI')))[0]).toMatchObject({ payer: 'order', reminderOffsetsDays: [30, 7], renewableWindowDays: 60, lateRenewalFrom: 'payment' })
    expect(await db.select({ actor: auditLog.actor, reason: auditLog.reason }).from(auditLog).where(eq(auditLog.action, 'convention.created'))).toEqual([{ actor: 'operator:ada', reason: 'Delibera del 1º dicembre' }])

    // its page: no document yet (FNOMCEO's are FNOMCEO's), a new one uploaded for it
    const page = await admin.get(created.headers.location as string)
    expect(page.body).toContain('Convenzione creata.')
    expect(page.body).toContain('id="no-documents"')
    expect(page.body).not.toContain('href="/contratti/condizioni-generali/3.1"')
    const upload = (fields: Record<string, string>) =>
      admin.upload('/ufficio/convenzioni/OMCEO-MI/contratti', { document: '', version: '1.0', from: '2026-12-05', reason: 'Condizioni di Milano', ...fields }, { name: 'condizioni-mi.txt', content: 'Condizioni di Milano 1.0' }, page.body)
    const other = await upload({ newCode: 'condizioni-generali', titleIt: 'Condizioni', titleEn: 'Terms' })
    expect(other.statusCode).toBe(409)
    expect(other.body).toMatch(/href="#contract-new-code"[^>]*>Questo documento contrattuale è di un’altra convenzione/)
    const notMine = await upload({ document: 'condizioni-generali' })
    expect(notMine.statusCode).toBe(409)
    const untitled = await upload({ newCode: 'condizioni-mi', titleIt: '', titleEn: '' })
    expect(untitled.statusCode).toBe(422)
    const added = await upload({ newCode: 'condizioni-mi', titleIt: 'Condizioni di Milano', titleEn: 'Milan terms', onerous: 'si' })
    expect(added.statusCode, added.body.match(/<main[\s\S]*<\/main>/)?.[0]).toBe(303)
    const after = await admin.get('/ufficio/convenzioni/OMCEO-MI?fatto=contract')
    expect(after.body).toContain('href="/contratti/condizioni-mi/1.0"')
    expect(after.body).not.toContain('id="no-documents"')
    expect(after.body).toContain('Nuova versione 1.0 del documento condizioni-mi')
    const fnomceo = await admin.get('/ufficio/convenzioni/FNOMCEO')
    expect(fnomceo.body).not.toContain('condizioni-mi')
    const [document] = await db.select().from(contractDocuments).where(eq(contractDocuments.code, 'condizioni-mi'))
    expect(document).toMatchObject({ titleIt: 'Condizioni di Milano', onerous: true })
    expect(await db.select().from(conventionContractDocuments).where(eq(conventionContractDocuments.documentCode, 'condizioni-mi'))).toEqual([{ conventionCode: 'OMCEO-MI', documentCode: 'condizioni-mi' }])
  })

  it('a billing operator may not open or change the convention (403), and nothing changes', async () => {
    await setup()
    const billing = new WebClient(app)
    await signInAsOperator(billing, clock, 'bice', PASSWORD)
    const home = await billing.get('/ufficio')
    expect(home.body).not.toContain('href="/ufficio/convenzioni"')
    expect((await billing.get('/ufficio/convenzioni')).statusCode).toBe(403)
    expect((await billing.get('/ufficio/convenzioni/FNOMCEO')).statusCode).toBe(403)
    const post = await billing.post('/ufficio/convenzioni/FNOMCEO/prezzi', { years: '1', net: '1,00', vat: '22', from: '2027-01-01', reason: 'x' }, home.body)
    expect(post.statusCode).toBe(403)
    expect((await billing.get('/ufficio/convenzioni/nuova')).statusCode).toBe(403)
    const create = await billing.post('/ufficio/convenzioni', { code: 'ALTRA', name: 'Altra', payer: 'member', durations: '1', offsets: '30', warning: '7', window: '30', late: 'expiry', mode: 'off', reason: 'x', 'net-1': '1,00', 'vat-1': '22' }, home.body)
    expect(create.statusCode).toBe(403)
    expect((await t.database.db.select().from(conventions)).map((c) => c.code)).toEqual(['FNOMCEO'])
    expect(await listPrices(t.database.db, 'FNOMCEO')).toHaveLength(3)
  })

  it('an unknown convention is a 404 page', async () => {
    await setup()
    const admin = new WebClient(app)
    await signInAsOperator(admin, clock, 'ada', PASSWORD)
    expect((await admin.get('/ufficio/convenzioni/NESSUNA')).statusCode).toBe(404)
  })
})
