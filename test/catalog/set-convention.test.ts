import { and, eq, like } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { addContractVersion } from '../../src/catalog/add-contract-version'
import { conventionFileOf, parseConventionFile } from '../../src/catalog/convention-file'
import { conventionHistory, listPrices } from '../../src/catalog/queries'
import { priceInForce, settingsRefusal, type ConventionSettings, type PriceEntry } from '../../src/catalog/rules'
import { setConvention, showConvention, type ConventionInput } from '../../src/catalog/set-convention'
import { instantAt, type CalendarDate } from '../../src/core/calendar'
import { DomainError } from '../../src/core/errors'
import { auditLog, contractVersions, orders } from '../../src/db/schema'
import { currentContracts, findWizardFacts } from '../../src/renewals/queries'
import { placeOrder } from '../../src/renewals/place-order'
import { testDatabases, type TestDatabase } from '../support/databases'
import { testDeps } from '../support/deps'
import { clockOn, seedMailbox } from '../support/seed'

const day = (d: string) => d as CalendarDate
const by = { actor: 'operator:anna', reason: 'Accordo 2027 con la FNOMCEO' }

const SETTINGS: ConventionSettings = {
  code: 'FNOMCEO',
  name: 'Convenzione FNOMCEO',
  payer: 'member',
  durationsYears: [1, 2],
  reminderOffsetsDays: [60, 30, 15, 7, 1],
  registerWarningDays: 30,
  renewableWindowDays: 90,
  lateRenewalFrom: 'expiry',
  deactivationMode: 'off',
}
const PRICES: PriceEntry[] = [
  { years: 1, netCents: 1000, vatBasisPoints: 2200, effectiveFrom: day('2026-01-01') },
  { years: 2, netCents: 1800, vatBasisPoints: 2200, effectiveFrom: day('2026-01-01') },
]

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (error instanceof DomainError) return error.code
    throw error
  }
  throw new Error('expected a refusal')
}

describe('convention rules (issue 11)', () => {
  const today = day('2026-12-05')
  it.each([
    ['offsets not descending', { reminderOffsetsDays: [30, 60, 7] }, 'reminder_offsets_not_descending'],
    ['an offset twice', { reminderOffsetsDays: [30, 30, 7] }, 'reminder_offsets_not_descending'],
    ['an offset beyond a year', { reminderOffsetsDays: [400, 30] }, 'reminder_offsets_invalid'],
    ['no reminder', { reminderOffsetsDays: [] }, 'reminder_offsets_invalid'],
    ['a window as long as the shortest duration', { renewableWindowDays: 365 }, 'renewable_window_inconsistent'],
    ['a negative window', { renewableWindowDays: -1 }, 'renewable_window_inconsistent'],
    ['a duration offered twice', { durationsYears: [1, 1] }, 'convention_durations_invalid'],
    ['a duration without a price', { durationsYears: [1, 2, 3] }, 'duration_without_price'],
    ['a lower-case code', { code: 'fnomceo' }, 'convention_code_invalid'],
    ['no name', { name: ' ' }, 'convention_name_missing'],
  ] as const)('refuses %s', (_what, change, code) => {
    expect(settingsRefusal({ ...SETTINGS, ...change } as ConventionSettings, PRICES, today)?.code).toBe(code)
  })

  it('keeps a window one day shorter than the shortest duration, and a longer one with longer durations', () => {
    expect(settingsRefusal({ ...SETTINGS, renewableWindowDays: 364 }, PRICES, today)).toBeNull()
    expect(settingsRefusal({ ...SETTINGS, durationsYears: [2], renewableWindowDays: 400 }, PRICES, today)).toBeNull()
  })

  it('a price still to come does not price a duration today', () => {
    const future = [PRICES[0], { ...PRICES[1], effectiveFrom: day('2027-01-01') }]
    expect(settingsRefusal(SETTINGS, future, today)).toMatchObject({ code: 'duration_without_price', detail: '2' })
  })

  it('R3: the price in force on a day is the latest effective on or before it', () => {
    const list = [...PRICES, { years: 1, netCents: 1200, vatBasisPoints: 2200, effectiveFrom: day('2027-01-01') }]
    expect(priceInForce(list, 1, day('2026-12-31'))?.netCents).toBe(1000)
    expect(priceInForce(list, 1, day('2027-01-01'))?.netCents).toBe(1200)
    expect(priceInForce(list, 1, day('2025-12-31'))).toBeUndefined()
  })
})

describe('the convention file', () => {
  it('reads YAML and JSON alike: prices in cents, VAT in per cent, an optional first day', () => {
    const yaml = `code: FNOMCEO
name: Convenzione FNOMCEO
durations:
  - years: 1
    netCents: 1000
    vatPercent: 22
  - years: 2
    prices:
      - { netCents: 1800, vatPercent: 22, from: 2026-01-01 }
      - { netCents: 1900, vatPercent: 22, from: "2027-01-01" }
reminderOffsetsDays: [60, 30, 7]
`
    const input = parseConventionFile(yaml, 'fnomceo.yaml')
    expect(input.settings).toMatchObject({ code: 'FNOMCEO', durationsYears: [1, 2], reminderOffsetsDays: [60, 30, 7], renewableWindowDays: 90, payer: 'member' })
    expect(input.prices).toEqual([
      { years: 1, netCents: 1000, vatBasisPoints: 2200 },
      { years: 2, netCents: 1800, vatBasisPoints: 2200, effectiveFrom: '2026-01-01' },
      { years: 2, netCents: 1900, vatBasisPoints: 2200, effectiveFrom: '2027-01-01' },
    ])
    expect(parseConventionFile(JSON.stringify({ code: 'X1', name: 'x', durations: [{ years: 1, netCents: 5, vatPercent: 4.5 }] })).prices).toEqual([
      { years: 1, netCents: 5, vatBasisPoints: 450 },
    ])
  })

  it.each([
    ['{"code": "X1", "name": "x", "durations": [{"years": 1, "netCents": 10.5, "vatPercent": 22}]}', 'durations[0].netCents'],
    ['{"code": "X1", "name": "x", "durations": [], "colour": "red"}', 'unknown field: colour'],
    ['{"code": "X1"', 'JSON'],
  ])('refuses a malformed file, naming what: %s', (text, detail) => {
    try {
      parseConventionFile(text, 'x.json')
      throw new Error('expected a refusal')
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError)
      expect((error as DomainError).code).toBe('invalid_input')
      expect((error as DomainError).detail).toContain(detail)
    }
  })
})
/** The prices as a file without days gives them: in force from today. */
const UNDATED = PRICES.map(({ effectiveFrom: _, ...p }) => p)

describe.each(testDatabases())('%s: setConvention', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  async function setup(today = '2026-12-05') {
    t = await open()
    const db = t.database.db
    const clock = clockOn(today)
    return { db, clock, deps: testDeps(db, clock) }
  }
  const input: ConventionInput = { settings: SETTINGS, prices: PRICES.map(({ effectiveFrom: _, ...p }) => p) }

  it('creates a convention with its prices from today, audited with operator and reason; the same input again changes nothing', async () => {
    const { db, deps } = await setup()
    const first = await setConvention(deps, input, by)
    expect(first).toMatchObject({ kind: 'created', code: 'FNOMCEO' })
    expect(await listPrices(db, 'FNOMCEO')).toMatchObject([
      { years: 1, netCents: 1000, effectiveFrom: '2026-12-05' },
      { years: 2, netCents: 1800, effectiveFrom: '2026-12-05' },
    ])
    expect(await setConvention(deps, input, by)).toEqual({ kind: 'unchanged', code: 'FNOMCEO' })
    // the back office's "new convention" form: the same use case, refused when the code is taken
    expect(await refusal(setConvention(deps, { ...input, mustBeNew: true }, by))).toBe('convention_exists')
    const rows = await db.select().from(auditLog).where(like(auditLog.action, 'convention.%'))
    expect(rows).toMatchObject([{ action: 'convention.created', actor: 'operator:anna', reason: by.reason, data: { convention: 'FNOMCEO' } }])
  })

  it('show → set round trip changes nothing, even days later', async () => {
    const { deps, clock } = await setup()
    await setConvention(deps, input, by)
    clock.set(instantAt(day('2026-12-15'), '12:00'))
    const file = JSON.stringify(conventionFileOf(await showConvention(deps, 'FNOMCEO')))
    expect(await setConvention(deps, parseConventionFile(file, 'x.json'), by)).toEqual({ kind: 'unchanged', code: 'FNOMCEO' })
  })

  it('refuses what breaks a rule with its code, and writes nothing', async () => {
    const { db, deps } = await setup()
    await setConvention(deps, input, by)
    expect(await refusal(setConvention(deps, { ...input, settings: { ...SETTINGS, reminderOffsetsDays: [7, 30] } }, by))).toBe('reminder_offsets_not_descending')
    expect(await refusal(setConvention(deps, { ...input, settings: { ...SETTINGS, durationsYears: [1, 2, 3] } }, by))).toBe('duration_without_price')
    expect(await refusal(setConvention(deps, { ...input, settings: { ...SETTINGS, renewableWindowDays: 400 } }, by))).toBe('renewable_window_inconsistent')
    expect(await refusal(setConvention(deps, { ...input, prices: [{ years: 1, netCents: 900, vatBasisPoints: 2200, effectiveFrom: day('2026-11-01') }] }, by))).toBe('price_date_past')
    expect(await refusal(setConvention(deps, { ...input, prices: [{ years: 1, netCents: 900, vatBasisPoints: 2200, effectiveFrom: day('2026-12-05') }] }, by))).toBe('price_already_in_force')
    expect(await refusal(setConvention(deps, input, { ...by, reason: '  ' }))).toBe('reason_required')
    expect(await db.select().from(auditLog).where(like(auditLog.action, 'convention.%'))).toHaveLength(1)
    expect(await listPrices(db, 'FNOMCEO')).toHaveLength(2)
  })

  it('a new price from a later day prices new orders from that day; an order placed before keeps its price, even resumed', async () => {
    const { db, deps, clock } = await setup()
    await setConvention(deps, input, by)
    const early = await seedMailbox(db, { expiresOn: '2027-03-31' })
    const late = await seedMailbox(db, { expiresOn: '2027-03-31' })
    const before = await placeOrder(deps, { mailboxId: early.id, years: 1, method: 'bonifico', actor: 'operator:anna' })
    expect(before.totalCents).toBe(1220)

    const raise = { ...input, prices: [...input.prices, { years: 1, netCents: 1200, vatBasisPoints: 2200, effectiveFrom: day('2027-01-01') }] }
    expect(await setConvention(deps, raise, by)).toMatchObject({ kind: 'updated', changes: {}, prices: [{ years: 1, netCents: 1200, effectiveFrom: '2027-01-01' }] })
    // a price still to come may be corrected before its day
    const corrected = { ...input, prices: [...input.prices, { years: 1, netCents: 1150, vatBasisPoints: 2200, effectiveFrom: day('2027-01-01') }] }
    expect(await setConvention(deps, corrected, by)).toMatchObject({ kind: 'updated', prices: [{ netCents: 1150 }] })

    clock.set(instantAt(day('2027-01-02'), '12:00'))
    const after = await placeOrder(deps, { mailboxId: late.id, years: 1, method: 'bonifico', actor: 'operator:anna' })
    expect(after.totalCents).toBe(1403) // 11.50 + 22 % = 14.03
    const resumed = await placeOrder(deps, { mailboxId: early.id, years: 1, method: 'card', actor: 'operator:anna' })
    expect(resumed).toMatchObject({ orderId: before.orderId, resumed: true, totalCents: 1220 })
    const [stored] = await db.select().from(orders).where(eq(orders.id, before.orderId))
    expect(stored.totalCents).toBe(1220)
    // once in force, the price cannot be changed any more
    clock.set(instantAt(day('2027-01-02'), '12:00'))
    expect(await refusal(setConvention(deps, { ...corrected, prices: [{ years: 1, netCents: 1300, vatBasisPoints: 2200, effectiveFrom: day('2027-01-01') }] }, by))).toBe('price_already_in_force')
  })

  it('the holder’s renewal wizard offers the price in force on the day it is shown', async () => {
    const { db, deps, clock } = await setup()
    await setConvention(deps, input, by)
    await setConvention(deps, { ...input, prices: [...input.prices, { years: 2, netCents: 2000, vatBasisPoints: 2200, effectiveFrom: day('2027-01-01') }] }, by)
    const mailbox = await seedMailbox(db, { expiresOn: '2027-03-31', accountId: 'FNOM000077' })
    const holder = { accountId: 'FNOM000077', signedInWith: 'account:FNOM000077', language: 'it' as const }
    const twoYears = async (today: string) => (await findWizardFacts(db, holder, mailbox.id, day(today)))!.prices.find((p) => p.years === 2)!.netCents
    expect(await twoYears('2026-12-31')).toBe(1800)
    clock.set(instantAt(day('2027-01-01'), '12:00'))
    expect(await twoYears('2027-01-01')).toBe(2000)
  })

  it('a price without a day that differs from the one in force is a new price from today', async () => {
    const { db, deps, clock } = await setup()
    await setConvention(deps, input, by)
    clock.set(instantAt(day('2026-12-08'), '12:00'))
    await setConvention(deps, { ...input, prices: [{ years: 1, netCents: 1100, vatBasisPoints: 2200 }, input.prices[1]] }, by)
    expect((await listPrices(db, 'FNOMCEO')).filter((p) => p.years === 1)).toMatchObject([
      { netCents: 1000, effectiveFrom: '2026-12-05' },
      { netCents: 1100, effectiveFrom: '2026-12-08' },
    ])
  })

  it('settings changes are audited field by field with the reason', async () => {
    const { db, deps } = await setup()
    await setConvention(deps, input, by)
    await setConvention(deps, { ...input, settings: { ...SETTINGS, reminderOffsetsDays: [45, 15, 3], renewableWindowDays: 60, lateRenewalFrom: 'payment' } }, { actor: 'operator:bruno', reason: 'nuovo accordo' })
    const [row] = await db.select().from(auditLog).where(eq(auditLog.action, 'convention.updated'))
    expect(row).toMatchObject({ actor: 'operator:bruno', reason: 'nuovo accordo' })
    expect(row.data).toMatchObject({
      changes: { reminderOffsetsDays: { from: [60, 30, 15, 7, 1], to: [45, 15, 3] }, renewableWindowDays: { from: 90, to: 60 }, lateRenewalFrom: { from: 'expiry', to: 'payment' } },
      prices: [],
    })
  })
})

describe.each(testDatabases())('%s: addContractVersion', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('publishes versions from today or later, never changes one, and the same one twice changes nothing', async () => {
    t = await open()
    const db = t.database.db
    const deps = testDeps(db, clockOn('2026-12-05'))
    await setConvention(deps, { settings: SETTINGS, prices: UNDATED }, by)
    const first = { documentCode: 'condizioni-generali', version: '1.0', effectiveFrom: day('2026-12-05'), body: 'Testo 1.0', titleIt: 'Condizioni generali', titleEn: 'Terms' }
    expect(await addContractVersion(deps, first, by)).toMatchObject({ kind: 'added', documentCreated: true })
    expect(await addContractVersion(deps, first, by)).toMatchObject({ kind: 'unchanged' })
    expect(await refusal(addContractVersion(deps, { ...first, body: 'Altro testo' }, by))).toBe('contract_version_exists')
    expect(await refusal(addContractVersion(deps, { ...first, version: '1.1', effectiveFrom: day('2026-12-01') }, by))).toBe('contract_date_past')
    expect(await refusal(addContractVersion(deps, { documentCode: 'privacy', version: '1', effectiveFrom: day('2026-12-05'), body: 'x' }, by))).toBe('contract_document_not_found')
    expect(await addContractVersion(deps, { documentCode: 'condizioni-generali', version: '1.1', effectiveFrom: day('2027-01-01'), body: 'Testo 1.1' }, by)).toMatchObject({ kind: 'added', documentCreated: false })
    expect(await db.select({ version: contractVersions.version, body: contractVersions.body }).from(contractVersions)).toEqual([
      { version: '1.0', body: 'Testo 1.0' },
      { version: '1.1', body: 'Testo 1.1' },
    ])
    expect(await db.select().from(auditLog).where(and(eq(auditLog.action, 'contract.version_added'), eq(auditLog.reason, by.reason)))).toHaveLength(2)
  })
})

describe.each(testDatabases())('%s: contract documents per convention (issue 11)', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('a new document goes to the only convention, or to the one named; each convention’s holders accept only its own', async () => {
    t = await open()
    const db = t.database.db
    const deps = testDeps(db, clockOn('2026-12-05'))
    const today = day('2026-12-05')
    const doc = (documentCode: string, extra: Partial<Parameters<typeof addContractVersion>[1]> = {}) => ({ documentCode, version: '1.0', effectiveFrom: today, body: `Testo ${documentCode}`, titleIt: documentCode, titleEn: documentCode, ...extra })
    expect(await refusal(addContractVersion(deps, doc('condizioni-generali'), by))).toBe('convention_not_found') // no convention yet
    await setConvention(deps, { settings: SETTINGS, prices: UNDATED }, by)
    // one convention: a new document without --convention is that convention's
    expect(await addContractVersion(deps, doc('condizioni-generali'), by)).toMatchObject({ kind: 'added', conventions: ['FNOMCEO'] })
    await setConvention(deps, { settings: { ...SETTINGS, code: 'OMCEO-MI', name: 'Ordine di Milano' }, prices: UNDATED }, by)
    // two conventions: a new document must say whose it is; an existing one keeps its convention
    expect(await refusal(addContractVersion(deps, doc('privacy'), by))).toBe('contract_convention_required')
    expect(await addContractVersion(deps, doc('condizioni-mi', { conventionCode: 'OMCEO-MI' }), by)).toMatchObject({ kind: 'added', conventions: ['OMCEO-MI'] })
    expect(await addContractVersion(deps, doc('condizioni-generali', { version: '1.1', titleIt: undefined, titleEn: undefined }), by)).toMatchObject({ kind: 'added', conventions: ['FNOMCEO'] })
    // another convention's document is refused by name, and the same code cannot be taken twice
    expect(await refusal(addContractVersion(deps, doc('condizioni-generali', { version: '2.0', conventionCode: 'OMCEO-MI' }), by))).toBe('contract_document_other_convention')
    expect(await refusal(addContractVersion(deps, doc('nuovo', { conventionCode: 'NESSUNA' }), by))).toBe('convention_not_found')
    expect(await refusal(addContractVersion(deps, doc('Codice Non Valido'), by))).toBe('contract_document_code_invalid')
    expect((await currentContracts(db, 'FNOMCEO', today)).map((c) => `${c.code}@${c.version}`)).toEqual(['condizioni-generali@1.1'])
    expect((await currentContracts(db, 'OMCEO-MI', today)).map((c) => `${c.code}@${c.version}`)).toEqual(['condizioni-mi@1.0'])
    // the holder's wizard offers the mailbox's convention's documents
    const mailbox = await seedMailbox(db, { expiresOn: '2027-01-31', conventionCode: 'OMCEO-MI' })
    const facts = await findWizardFacts(db, { accountId: mailbox.accountId, signedInWith: `account:${mailbox.accountId}`, language: 'it' }, mailbox.id, today)
    expect(facts?.contracts.map((c) => c.code)).toEqual(['condizioni-mi'])
    // each convention's history shows its own documents' versions
    expect((await conventionHistory(db, 'OMCEO-MI')).filter((h) => h.action === 'contract.version_added')).toHaveLength(1)
    expect((await conventionHistory(db, 'FNOMCEO')).filter((h) => h.action === 'contract.version_added')).toHaveLength(2)
  })
})

