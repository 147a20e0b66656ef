import { eq } from 'drizzle-orm'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { parseCalendarDate, addYears, type CalendarDate } from '../../src/core/calendar'
import type { ManualClock } from '../../src/core/clock'
import { DomainError } from '../../src/core/errors'
import { formatOrderId, type OrderId } from '../../src/core/order-id'
import { openDatabase, type Database, type Db } from '../../src/db/client'
import { accounts, auditLog, mailboxes, orders, outbox, payments, provisioningCommands } from '../../src/db/schema'
import { FNOMCEO_DEMO, saveConvention } from '../../src/catalog/queries'
import { listPaymentsForOrder, registerPayment, type IncomingPayment } from '../../src/flows/register-payment'
import { placeOrder } from '../../src/renewals/place-order'
import { clockOn, seedConvention, seedMailbox, type MailboxSeed } from '../support/seed'
import { postgresOnly, testDatabases, type TestDatabase } from '../support/databases'
import { testDeps } from '../support/deps'
import { lockGate } from '../renewals/lock-gate'

const at = (date: string) => clockOn(date).now()

async function mailboxRow(db: Db, id: number) {
  const [row] = await db.select().from(mailboxes).where(eq(mailboxes.id, id))
  return row
}

async function orderRow(db: Db, id: OrderId) {
  const [row] = await db.select().from(orders).where(eq(orders.id, id))
  return row
}

async function actionsFor(db: Db, orderId: string) {
  const rows = await db.select().from(auditLog).where(eq(auditLog.orderId, orderId)).orderBy(auditLog.id)
  return rows.map((r) => r.action)
}

describe.each(testDatabases())('%s: registerPayment', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  /** A mailbox with an order placed on `placedOn`; the clock then stands on `paidOn`. */
  async function orderFor(seed: MailboxSeed, opts: { placedOn?: string; paidOn?: string; years?: number } = {}) {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const mailbox = await seedMailbox(db, seed)
    const clock: ManualClock = clockOn(opts.placedOn ?? '2026-05-01')
    const deps = testDeps(db, clock)
    const order = await placeOrder(deps, { mailboxId: mailbox.id, years: opts.years ?? 1, method: 'bonifico', actor: 'operator:anna' })
    clock.set(at(opts.paidOn ?? opts.placedOn ?? '2026-05-01'))
    const pay = (over: Partial<IncomingPayment> = {}) =>
      registerPayment(deps, {
        orderRef: order.orderId,
        amountCents: order.totalCents,
        method: 'bonifico',
        reference: 'CRO-0001',
        actor: 'operator:anna',
        ...over,
      })
    return { db, deps, clock, mailbox, order, pay }
  }

  it('R4: an early payment extends from E, never from the payment date, with audit rows and one mail', async () => {
    const { db, mailbox, order, pay } = await orderFor({ expiresOn: '2026-06-30' }, { placedOn: '2026-02-01' })
    // quoted as a person types it: lower case, spaces instead of dashes
    const result = await pay({ orderRef: formatOrderId(order.orderId).toLowerCase().replace(/-/g, ' ') })

    expect(result).toMatchObject({ outcome: 'paid', orderId: order.orderId, expiresOn: '2027-06-30', replayed: false })
    expect(await mailboxRow(db, mailbox.id)).toMatchObject({ expiresOn: '2027-06-30', status: 'active' })
    expect(await orderRow(db, order.orderId)).toMatchObject({
      status: 'paid',
      paidAt: at('2026-02-01'),
      extendedFrom: '2026-06-30',
      newExpiresOn: '2027-06-30',
    })
    expect(await listPaymentsForOrder(db, order.orderId)).toMatchObject([
      { id: result.paymentId, outcome: 'paid', amountCents: 1220, refundStatus: 'none', reference: 'CRO-0001', source: 'operator:anna' },
    ])
    // R9: one row says what the payment did to the payment, the order and the mailbox, by whom
    expect(await actionsFor(db, order.orderId)).toEqual(['order.placed', 'payment.paid'])
    expect((await db.select().from(auditLog).where(eq(auditLog.action, 'payment.paid')))[0]).toMatchObject({
      actor: 'operator:anna',
      at: at('2026-02-01'),
      mailboxId: mailbox.id,
      orderId: order.orderId,
      paymentId: result.paymentId,
      data: { amountCents: 1220, method: 'bonifico', reference: 'CRO-0001', from: '2026-06-30', to: '2027-06-30', extendedFrom: '2026-06-30', years: 1 },
    })
    const [account] = await db.select().from(accounts).where(eq(accounts.id, mailbox.accountId))
    expect(await db.select().from(outbox)).toMatchObject([
      {
        template: 'payment_received',
        language: 'it',
        recipient: account.referenceEmail,
        mailboxId: mailbox.id,
        orderId: order.orderId,
        params: {
          holderName: `${account.firstName} ${account.lastName}`,
          mailbox: mailbox.address,
          orderId: order.orderId,
          amountCents: 1220,
          method: 'bonifico',
          newExpiresOn: '2027-06-30',
          reactivated: false,
        },
      },
    ])
    expect(await db.select().from(provisioningCommands)).toEqual([])
  })

  it('R6: a late payment within the window reactivates the mailbox and extends from E', async () => {
    const { db, mailbox, order, pay } = await orderFor(
      { expiresOn: '2026-06-30', status: 'deactivated', deactivatedOn: '2026-07-01', language: 'en' },
      { placedOn: '2026-07-10', paidOn: '2026-08-15' },
    )
    expect(await pay()).toMatchObject({ outcome: 'paid', expiresOn: '2027-06-30' })
    expect(await mailboxRow(db, mailbox.id)).toMatchObject({ status: 'active', deactivatedOn: null, expiresOn: '2027-06-30' })
    expect(await db.select().from(provisioningCommands)).toMatchObject([{ mailboxId: mailbox.id, action: 'enable', status: 'pending' }])
    expect(await actionsFor(db, order.orderId)).toContain('mailbox.reactivated')
    expect(await db.select().from(outbox)).toMatchObject([{ language: 'en', params: { reactivated: true, newExpiresOn: '2027-06-30' } }])
  })

  it('R6: under the payment policy a late payment extends from the payment date', async () => {
    const { db, mailbox, pay, order } = await orderForPolicy('payment')
    expect(await pay()).toMatchObject({ outcome: 'paid', expiresOn: '2027-08-15' })
    expect(await mailboxRow(db, mailbox.id)).toMatchObject({ expiresOn: '2027-08-15', status: 'active' })
    expect(await orderRow(db, order.orderId)).toMatchObject({ extendedFrom: '2026-08-15', newExpiresOn: '2027-08-15' })
  })

  async function orderForPolicy(lateRenewalFrom: 'expiry' | 'payment') {
    t = await open()
    const db = t.database.db
    await saveConvention(db, { convention: { ...FNOMCEO_DEMO.convention, lateRenewalFrom }, prices: FNOMCEO_DEMO.prices })
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30', status: 'deactivated', deactivatedOn: '2026-07-01' })
    const clock = clockOn('2026-07-10')
    const deps = testDeps(db, clock)
    const order = await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'card', actor: 'holder:x' })
    clock.set(at('2026-08-15'))
    const pay = () => registerPayment(deps, { orderRef: order.orderId, amountCents: 1220, method: 'card', reference: 'pi_1', actor: 'gateway:sandbox' })
    return { db, mailbox, order, pay }
  }

  it('R1/R4: 29 February 2028 + 1 year = 28 February 2029', async () => {
    const { db, mailbox, pay } = await orderFor({ expiresOn: '2028-02-29' }, { placedOn: '2028-01-20' })
    expect(await pay()).toMatchObject({ outcome: 'paid', expiresOn: '2029-02-28' })
    expect((await mailboxRow(db, mailbox.id)).expiresOn).toBe('2029-02-28')
  })

  it('R4: a second payment with another reference is a duplicate to refund, never a second extension', async () => {
    const { db, mailbox, order, pay } = await orderFor({ expiresOn: '2026-06-30' }, { years: 2 })
    await pay({ reference: 'CRO-1' })
    const second = await pay({ reference: 'CRO-2' })
    expect(second).toMatchObject({ outcome: 'duplicate', reason: 'order_already_paid', orderId: order.orderId, expiresOn: '2028-06-30', replayed: false })
    expect((await mailboxRow(db, mailbox.id)).expiresOn).toBe('2028-06-30')
    expect(await listPaymentsForOrder(db, order.orderId)).toMatchObject([
      { reference: 'CRO-1', outcome: 'paid', refundStatus: 'none' },
      { reference: 'CRO-2', outcome: 'duplicate', refundStatus: 'due' },
    ])
    expect(await actionsFor(db, order.orderId)).toEqual(['order.placed', 'payment.paid', 'payment.duplicate'])
    expect(await db.select().from(outbox)).toHaveLength(1)
  })

  it('R8: the same notification replayed answers as the first time and changes nothing', async () => {
    const { db, mailbox, order, pay } = await orderFor({ expiresOn: '2026-06-30' })
    const first = await pay()
    const auditCount = (await db.select().from(auditLog)).length
    const again = await pay({ amountCents: 1 }) // same (method, reference): the stored answer wins
    expect(again).toEqual({ ...first, replayed: true })
    expect(await db.select().from(payments)).toHaveLength(1)
    expect(await db.select().from(auditLog)).toHaveLength(auditCount)
    expect(await db.select().from(outbox)).toHaveLength(1)
    expect((await mailboxRow(db, mailbox.id)).expiresOn).toBe('2027-06-30')
    expect((await orderRow(db, order.orderId)).status).toBe('paid')
  })

  it('R8: a replayed held payment keeps its reason', async () => {
    const { pay } = await orderFor({ expiresOn: '2026-06-30' })
    const first = await pay({ amountCents: 1000 })
    expect(await pay({ amountCents: 1000 })).toEqual({ ...first, replayed: true, reason: 'amount_mismatch' })
  })

  it('R4: a payment that does not match the total is held and extends nothing; the exact one then pays', async () => {
    const { db, mailbox, order, pay } = await orderFor({ expiresOn: '2026-06-30' })
    const held = await pay({ amountCents: 1200, reference: 'CRO-short' })
    expect(held).toMatchObject({ outcome: 'held', reason: 'amount_mismatch', orderId: order.orderId, expiresOn: '2026-06-30' })
    expect((await mailboxRow(db, mailbox.id)).expiresOn).toBe('2026-06-30')
    expect((await orderRow(db, order.orderId)).status).toBe('open')
    expect(await listPaymentsForOrder(db, order.orderId)).toMatchObject([{ outcome: 'held', reason: 'amount_mismatch', refundStatus: 'none' }])
    expect(await db.select().from(outbox)).toEqual([])
    expect(await actionsFor(db, order.orderId)).toEqual(['order.placed', 'payment.held'])

    expect(await pay({ reference: 'CRO-exact' })).toMatchObject({ outcome: 'paid', expiresOn: '2027-06-30' })
  })

  it('R3/R8: an unknown, mistyped or unreadable order ID is kept for an operator, matched to nothing', async () => {
    const { db, order, pay } = await orderFor({ expiresOn: '2026-06-30' })
    const mistyped = order.orderId.slice(0, 3) + (order.orderId[3] === '3' ? '4' : '3') + order.orderId.slice(4)
    const refs = ['K7MR4DXP52', mistyped, 'rinnovo pec mario rossi']
    for (const [i, orderRef] of refs.entries()) {
      const result = await pay({ orderRef, reference: `CRO-U${i}` })
      expect(result).toMatchObject({ outcome: 'unknownOrder', orderId: null, expiresOn: null, replayed: false })
    }
    const rows = await db.select().from(payments).orderBy(payments.id)
    expect(rows.map((r) => [r.orderRef, r.orderId, r.outcome])).toEqual(refs.map((ref) => [ref, null, 'unknownOrder']))
    expect((await db.select().from(auditLog).where(eq(auditLog.action, 'payment.unknown_order'))).length).toBe(3)
    expect((await orderRow(db, order.orderId)).status).toBe('open')
  })

  it('R6: after cessation a payment is recorded for refund and extends nothing', async () => {
    const { db, mailbox, order, pay } = await orderFor({ expiresOn: '2026-06-30' }, { placedOn: '2026-06-20', paidOn: '2026-10-05' })
    await db.update(mailboxes).set({ status: 'ceased', ceasedOn: parseCalendarDate('2026-09-29') }).where(eq(mailboxes.id, mailbox.id))
    expect(await pay()).toMatchObject({ outcome: 'held', reason: 'mailbox_ceased', expiresOn: '2026-06-30' })
    expect(await listPaymentsForOrder(db, order.orderId)).toMatchObject([{ outcome: 'held', reason: 'mailbox_ceased', refundStatus: 'due' }])
    expect(await mailboxRow(db, mailbox.id)).toMatchObject({ status: 'ceased', expiresOn: '2026-06-30' })
  })

  it('R6: a payment on a lapsed order is recorded for refund', async () => {
    const { db, mailbox, order, pay } = await orderFor({ expiresOn: '2026-06-30' }, { placedOn: '2026-06-20', paidOn: '2026-10-05' })
    await db.update(mailboxes).set({ status: 'ceased', ceasedOn: parseCalendarDate('2026-09-29') }).where(eq(mailboxes.id, mailbox.id))
    await db.update(orders).set({ status: 'lapsed' }).where(eq(orders.id, order.orderId))
    expect(await pay()).toMatchObject({ outcome: 'held', reason: 'order_lapsed' })
    expect(await listPaymentsForOrder(db, order.orderId)).toMatchObject([{ refundStatus: 'due' }])
  })

  it('R6: after the window, even before the daily run ceased the mailbox, nothing is reactivated', async () => {
    const { db, mailbox, pay } = await orderFor(
      { expiresOn: '2026-06-30', status: 'deactivated', deactivatedOn: '2026-07-01' },
      { placedOn: '2026-07-10', paidOn: '2026-09-29' },
    )
    expect(await pay()).toMatchObject({ outcome: 'held', reason: 'mailbox_ceased' })
    expect(await mailboxRow(db, mailbox.id)).toMatchObject({ status: 'deactivated', expiresOn: '2026-06-30' })
    expect(await db.select().from(provisioningCommands)).toEqual([])
  })

  it('refuses a malformed notification with a coded error, storing nothing', async () => {
    const { db, pay } = await orderFor({ expiresOn: '2026-06-30' })
    for (const over of [{ amountCents: 0 }, { amountCents: -5 }, { amountCents: 12.2 }, { reference: '  ' }, { method: 'cash' as never }]) {
      await expect(pay(over)).rejects.toBeInstanceOf(DomainError)
    }
    expect(await db.select().from(payments)).toEqual([])
  })

  it('R4/R8 property: any sequence of payments (amounts, duplicates, replays) extends at most once, by the duration from E', async () => {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const clock = clockOn('2026-01-01')
    const deps = testDeps(db, clock)
    let run = 0
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 364 }),
        fc.array(fc.record({ exact: fc.boolean(), amountCents: fc.integer({ min: 1, max: 5000 }), reference: fc.integer({ min: 1, max: 4 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        async (years, expiryOffset, sequence) => {
          run++
          const e = shift('2026-02-01' as CalendarDate, expiryOffset)
          const mailbox = await seedMailbox(db, { expiresOn: e })
          clock.set(at('2026-01-01'))
          const order = await placeOrder(deps, { mailboxId: mailbox.id, years, method: 'card', actor: 'holder:x' })
          const answers = new Map<string, number>()
          for (const step of sequence) {
            const reference = `run${run}-ref${step.reference}`
            const result = await registerPayment(deps, {
              orderRef: order.orderId,
              amountCents: step.exact ? order.totalCents : step.amountCents,
              method: 'card',
              reference,
              actor: 'gateway:sandbox',
            })
            // R8: a reference answers with the same payment every time
            expect(result.replayed).toBe(answers.has(reference))
            if (answers.has(reference)) expect(result.paymentId).toBe(answers.get(reference))
            answers.set(reference, result.paymentId)
          }
          const stored = await listPaymentsForOrder(db, order.orderId)
          expect(stored).toHaveLength(answers.size)
          const paid = stored.filter((p) => p.outcome === 'paid')
          expect(paid.length).toBeLessThanOrEqual(1)
          expect((await mailboxRow(db, mailbox.id)).expiresOn).toBe(paid.length ? addYears(e, years) : e)
          expect(await db.select().from(outbox).where(eq(outbox.orderId, order.orderId))).toHaveLength(paid.length)
        },
      ),
      { numRuns: 25 },
    )
  })
})

function shift(date: CalendarDate, days: number): CalendarDate {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10) as CalendarDate
}

describe.each(postgresOnly())('%s: registerPayment, concurrently', (_name, open) => {
  let t: TestDatabase
  let connections: Database[] = []
  afterEach(async () => {
    for (const connection of connections) await connection.close()
    connections = []
    await t?.close()
  })

  async function ordersOnTwoConnections(count: number) {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const clock = clockOn('2026-05-01')
    const placed = []
    for (let i = 0; i < count; i++) {
      const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30' })
      placed.push({ mailbox, order: await placeOrder(testDeps(db, clock), { mailboxId: mailbox.id, years: 1, method: 'card', actor: 'holder:x' }) })
    }
    connections = [await openDatabase(t.url!), await openDatabase(t.url!)]
    const [a, b] = connections.map((c) => testDeps(c.db, clock))
    return { db, placed, a, b }
  }

  it('R8: two concurrent registrations of the same payment store it once and extend once', async () => {
    const { db, placed, a, b } = await ordersOnTwoConnections(5)
    for (const { mailbox, order } of placed) {
      const payment = { orderRef: order.orderId, amountCents: order.totalCents, method: 'card' as const, reference: `pi_${order.orderId}`, actor: 'gateway:sandbox' }
      const gate = await lockGate(t.url!, mailbox.id)
      const racing = Promise.all([registerPayment(a, payment), registerPayment(b, payment)])
      await gate.queued(2) // both inside their transactions, neither finished
      await gate.release()
      const results = await racing
      expect(results.map((r) => r.replayed).sort()).toEqual([false, true])
      expect(results.every((r) => r.outcome === 'paid' && r.expiresOn === '2027-06-30')).toBe(true)
      expect(results[0].paymentId).toBe(results[1].paymentId)
      expect(await listPaymentsForOrder(db, order.orderId)).toHaveLength(1)
      expect((await mailboxRow(db, mailbox.id)).expiresOn).toBe('2027-06-30')
      expect(await db.select().from(outbox).where(eq(outbox.orderId, order.orderId))).toHaveLength(1)
    }
  })

  it('R4: two concurrent payments with different references: one paid, one duplicate, one extension', async () => {
    const { db, placed, a, b } = await ordersOnTwoConnections(5)
    for (const { mailbox, order } of placed) {
      const payment = { orderRef: order.orderId, amountCents: order.totalCents, method: 'card' as const, actor: 'gateway:sandbox' }
      const gate = await lockGate(t.url!, mailbox.id)
      const racing = Promise.all([
        registerPayment(a, { ...payment, reference: `pi_a_${order.orderId}` }),
        registerPayment(b, { ...payment, reference: `pi_b_${order.orderId}` }),
      ])
      await gate.queued(2) // both payments stored, both waiting for the mailbox
      await gate.release()
      const results = await racing
      expect(results.map((r) => r.outcome).sort()).toEqual(['duplicate', 'paid'])
      expect((await mailboxRow(db, mailbox.id)).expiresOn).toBe('2027-06-30')
      expect(await db.select().from(outbox).where(eq(outbox.orderId, order.orderId))).toHaveLength(1)
      expect((await listPaymentsForOrder(db, order.orderId)).map((p) => p.refundStatus).sort()).toEqual(['due', 'none'])
    }
  })
})
