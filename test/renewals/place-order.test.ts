import { and, eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { DomainError } from '../../src/core/errors'
import { parseOrderId, type OrderId } from '../../src/core/order-id'
import { openDatabase, type Database } from '../../src/db/client'
import { auditLog, orders } from '../../src/db/schema'
import { saveConvention, FNOMCEO_DEMO } from '../../src/catalog/queries'
import { findOpenOrder, placeOrder } from '../../src/renewals/place-order'
import { uniqueViolation } from '../../src/renewals/queries'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { postgresOnly, testDatabases, type TestDatabase } from '../support/databases'
import { testDeps } from '../support/deps'
import { lockGate } from './lock-gate'

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (error instanceof DomainError) return error.code
    throw error
  }
  throw new Error('expected a refusal')
}

describe.each(testDatabases())('%s: placeOrder', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  async function setup(today = '2026-05-01') {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const clock = clockOn(today)
    return { db, clock, deps: testDeps(db, clock) }
  }

  it('R3: prices from the convention, snapshots billing, projects the renewal from E (R4)', async () => {
    const { db, deps } = await setup()
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30' })
    const placed = await placeOrder(deps, { mailboxId: mailbox.id, years: 2, method: 'bonifico', actor: 'operator:anna' })

    expect(parseOrderId(placed.orderId)).toBe(placed.orderId) // check digits hold
    expect(placed).toMatchObject({
      mailboxAddress: mailbox.address,
      accountId: mailbox.accountId,
      years: 2,
      netCents: 1800,
      vatCents: 396,
      totalCents: 2196,
      method: 'bonifico',
      status: 'open',
      extendsFrom: '2026-06-30',
      newExpiresOn: '2028-06-30',
      resumed: false,
    })
    const [row] = await db.select().from(orders).where(eq(orders.id, placed.orderId))
    expect(row.billing).toEqual({ name: expect.stringMatching(/^Maria Rossi/), fiscalCode: 'RSSMRA85T10A562S', email: expect.stringMatching(/@example\.it$/) })
    expect(row).toMatchObject({ placedBy: 'operator:anna', placedOn: '2026-05-01', acceptedContracts: [] })
    const entries = await db.select().from(auditLog).where(eq(auditLog.orderId, placed.orderId))
    expect(entries).toMatchObject([{ action: 'order.placed', actor: 'operator:anna', mailboxId: mailbox.id }])
    expect((await findOpenOrder(db, mailbox.id))?.id).toBe(placed.orderId)
  })

  it('R3: keeps the billing data and contracts it is given', async () => {
    const { db, deps } = await setup()
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30' })
    const billing = { name: 'Studio Rossi', fiscalCode: 'RSSMRA85T10A562S', email: 'studio@example.it', vatNumber: '01234567897' }
    const acceptedContracts = [{ documentCode: 'conditions', version: '2026-01', acceptedAt: '2026-05-01T10:00:00.000Z', ip: '192.0.2.1', userAgent: 'Firefox' }]
    const placed = await placeOrder(deps, {
      mailboxId: mailbox.id,
      years: 1,
      method: 'card',
      actor: `holder:${mailbox.accountId}`,
      accountId: mailbox.accountId,
      billing,
      acceptedContracts,
    })
    const [row] = await db.select().from(orders).where(eq(orders.id, placed.orderId))
    expect(row.billing).toEqual(billing)
    expect(row.acceptedContracts).toEqual(acceptedContracts)
  })

  it('R3: a holder cannot order a renewal of another account’s mailbox', async () => {
    const { db, deps } = await setup()
    const mine = await seedMailbox(db, { expiresOn: '2026-06-30' })
    const theirs = await seedMailbox(db, { expiresOn: '2026-06-30' })
    const input = { mailboxId: theirs.id, years: 1, method: 'card' as const, actor: `holder:${mine.accountId}`, accountId: mine.accountId }
    expect(await refusal(placeOrder(deps, input))).toBe('mailbox_not_found')
    expect(await db.select().from(orders)).toEqual([])
  })

  it('R3: refuses an unknown mailbox, a duration not offered, an unknown method', async () => {
    const { db, deps } = await setup()
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30' })
    const base = { mailboxId: mailbox.id, years: 1, method: 'card' as const, actor: 'operator:anna' }
    expect(await refusal(placeOrder(deps, { ...base, mailboxId: mailbox.id + 1000 }))).toBe('mailbox_not_found')
    expect(await refusal(placeOrder(deps, { ...base, years: 5 }))).toBe('duration_not_offered')
    expect(await refusal(placeOrder(deps, { ...base, years: 0 }))).toBe('invalid_input')
    expect(await refusal(placeOrder(deps, { ...base, method: 'cash' as never }))).toBe('payment_method_unknown')
  })

  it('R3: a duration the convention offers but has no price for is refused', async () => {
    const { db, deps } = await setup()
    await saveConvention(db, { convention: { ...FNOMCEO_DEMO.convention, durationsYears: [1, 2, 3, 5] }, prices: [] })
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30' })
    expect(await refusal(placeOrder(deps, { mailboxId: mailbox.id, years: 5, method: 'card', actor: 'operator:anna' }))).toBe(
      'price_missing',
    )
  })

  it('R6: a ceased mailbox, or one past its renewable window, cannot be renewed', async () => {
    const { db, deps } = await setup('2026-10-05')
    const ceased = await seedMailbox(db, { expiresOn: '2026-06-30', status: 'ceased' })
    const pastWindow = await seedMailbox(db, { expiresOn: '2026-06-30', status: 'deactivated', deactivatedOn: '2026-07-01' })
    for (const mailbox of [ceased, pastWindow]) {
      expect(await refusal(placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'card', actor: 'operator:anna' }))).toBe(
        'mailbox_ceased',
      )
    }
  })

  it('R6: a deactivated mailbox within its window can be renewed; the projection counts from E', async () => {
    const { db, deps } = await setup('2026-08-15')
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30', status: 'deactivated', deactivatedOn: '2026-07-01' })
    const placed = await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'card', actor: 'operator:anna' })
    expect(placed).toMatchObject({ extendsFrom: '2026-06-30', newExpiresOn: '2027-06-30' })
  })

  it('R6: under the payment policy the projection counts from today', async () => {
    const { db, deps } = await setup('2026-08-15')
    await saveConvention(db, { convention: { ...FNOMCEO_DEMO.convention, lateRenewalFrom: 'payment' }, prices: [] })
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30', status: 'deactivated', deactivatedOn: '2026-07-01' })
    const placed = await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'card', actor: 'operator:anna' })
    expect(placed).toMatchObject({ extendsFrom: '2026-08-15', newExpiresOn: '2027-08-15' })
  })

  it('R1/R4: 29 February 2028 + 1 year projects to 28 February 2029', async () => {
    const { db, deps } = await setup('2028-01-10')
    const mailbox = await seedMailbox(db, { expiresOn: '2028-02-29' })
    const placed = await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'card', actor: 'operator:anna' })
    expect(placed.newExpiresOn).toBe('2029-02-28')
  })

  it('R3: starting again while an order is open resumes it, unchanged and without a new audit row', async () => {
    const { db, deps } = await setup()
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30' })
    const input = { mailboxId: mailbox.id, years: 1, method: 'card' as const, actor: `holder:${mailbox.accountId}` }
    const first = await placeOrder(deps, input)
    const again = await placeOrder(deps, input)
    expect(again).toEqual({ ...first, resumed: true })
    expect(await db.select().from(orders)).toHaveLength(1)
    expect(await db.select().from(auditLog).where(eq(auditLog.action, 'order.updated'))).toEqual([])
  })

  it('R3: the payment method and duration of an open order can change; the price follows', async () => {
    const { db, deps } = await setup()
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30' })
    const first = await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'card', actor: 'holder:x' })
    const changed = await placeOrder(deps, { mailboxId: mailbox.id, years: 3, method: 'bollettino', actor: 'operator:anna' })
    expect(changed).toMatchObject({ orderId: first.orderId, resumed: true, years: 3, method: 'bollettino', totalCents: 3050, newExpiresOn: '2029-06-30' })
    const [row] = await db.select().from(orders).where(eq(orders.id, first.orderId))
    expect(row).toMatchObject({ years: 3, method: 'bollettino', netCents: 2500, vatCents: 550, totalCents: 3050, status: 'open' })
    const [update] = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.orderId, first.orderId), eq(auditLog.action, 'order.updated')))
    expect(update).toMatchObject({
      actor: 'operator:anna',
      data: { years: { from: 1, to: 3 }, method: { from: 'card', to: 'bollettino' }, totalCents: { from: 1220, to: 3050 } },
    })
  })

  it('R3: the database itself refuses a second open order (the retry recognises the violation)', async () => {
    const { db, deps } = await setup()
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30' })
    const first = await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'card', actor: 'holder:x' })
    const [row] = await db.select().from(orders).where(eq(orders.id, first.orderId))
    const error = await db
      .insert(orders)
      .values({ ...row, id: 'K7MR4DXP52' as OrderId }) // any ID: the unique index refuses it first
      .then(() => null, (e: unknown) => e)
    expect(uniqueViolation(error)).toBe('orders_one_open_per_mailbox')
    expect(uniqueViolation(new Error('other'))).toBeNull()
  })
})

describe.each(postgresOnly())('%s: placeOrder, concurrently', (_name, open) => {
  let t: TestDatabase
  let others: Database[] = []
  afterEach(async () => {
    for (const other of others) await other.close()
    others = []
    await t?.close()
  })

  it('R3: concurrent placements on separate connections end with one open order', async () => {
    t = await open()
    await seedConvention(t.database.db)
    const mailbox = await seedMailbox(t.database.db, { expiresOn: '2026-06-30' })
    others = await Promise.all([openDatabase(t.url!), openDatabase(t.url!), openDatabase(t.url!)])
    const clock = clockOn('2026-05-01')
    const methods = ['card', 'paypal', 'bonifico'] as const
    const gate = await lockGate(t.url!, mailbox.id)
    const racing = Promise.all(
      others.map((other, i) => placeOrder(testDeps(other.db, clock), { mailboxId: mailbox.id, years: 1, method: methods[i], actor: 'holder:x' })),
    )
    await gate.queued(3)
    await gate.release()
    const results = await racing
    expect(new Set(results.map((r) => r.orderId)).size).toBe(1)
    expect(results.filter((r) => !r.resumed)).toHaveLength(1)
    expect(await t.database.db.select().from(orders)).toHaveLength(1)
  })
})
