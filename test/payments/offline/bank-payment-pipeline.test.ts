import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { businessDate } from '../../../src/core/calendar'
import type { Db } from '../../../src/db/client'
import { mailboxes, orders, outbox, payments } from '../../../src/db/schema'
import { BankPaymentPipeline } from '../../../src/payments/offline/register-bank-payments'
import type { IncomingPayment } from '../../../src/payments/register-payment'
import { placeOrder } from '../../../src/renewals/place-order'
import { clockOn, seedConvention, seedMailbox } from '../../support/seed'
import { testDatabases, type TestDatabase } from '../../support/databases'
import { testDeps } from '../../support/deps'

const pay = (orderRef: string, reference: string, amountCents = 1220): IncomingPayment => ({
  orderRef,
  amountCents,
  method: 'bonifico',
  reference,
  actor: 'operator:anna',
})

describe.each(testDatabases())('%s: BankPaymentPipeline', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  async function setup() {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const clock = clockOn('2026-05-02')
    const deps = testDeps(db, clock)
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30' })
    const order = await placeOrder(deps, { mailboxAddress: mailbox.address, years: 1, method: 'bonifico', actor: 'holder:x' })
    return { db, clock, mailbox, orderId: order.orderId }
  }

  it('R4/R8: a claim sent before the batch ahead is decided still sees that batch: its order paid, its movement stored', async () => {
    const { db, clock, mailbox, orderId } = await setup()
    const now = clock.now()
    const [first, second] = await db.transaction(async (tx) => {
      const pipeline = new BankPaymentPipeline(tx, now, businessDate(now))
      // both claims go out before either batch is decided: the second reads the order still open
      const one = pipeline.claim([pay(orderId, 'IT/R1')])
      const two = pipeline.claim([pay(orderId, 'IT/R2'), pay(orderId, 'IT/R1')])
      return [await pipeline.settle(one), await pipeline.settle(two)]
    })
    expect(first).toEqual([{ outcome: 'paid', reason: undefined, orderId, replayed: false }])
    // the order the first batch paid is paid for the second; the movement it stored answers as stored
    expect(second).toEqual([
      { outcome: 'duplicate', reason: 'order_already_paid', orderId, replayed: false },
      { outcome: 'paid', reason: undefined, orderId, replayed: true },
    ])
    expect(await expiryOf(db, mailbox.id)).toBe('2027-06-30') // extended once
    expect((await db.select().from(payments)).map((p) => [p.reference, p.outcome, p.refundStatus])).toEqual([
      ['IT/R1', 'paid', 'none'],
      ['IT/R2', 'duplicate', 'due'],
    ])
    expect(await db.$count(outbox, eq(outbox.template, 'payment_received'))).toBe(1)
    const [order] = await db.select().from(orders).where(eq(orders.id, orderId))
    expect(order).toMatchObject({ status: 'paid', extendedFrom: '2026-06-30', newExpiresOn: '2027-06-30' })
  })

  it('a claim sent after the batch ahead was written reads it from the database, and batches settle only in order', async () => {
    const { db, clock, mailbox, orderId } = await setup()
    const now = clock.now()
    await db.transaction(async (tx) => {
      const pipeline = new BankPaymentPipeline(tx, now, businessDate(now))
      const one = pipeline.claim([pay(orderId, 'IT/R1')])
      const two = pipeline.claim([pay(orderId, 'IT/R2')])
      await expect(pipeline.settle(two)).rejects.toThrow(/out of order/)
      expect((await pipeline.settle(one))[0].outcome).toBe('paid')
      expect((await pipeline.settle(two))[0].outcome).toBe('duplicate')
      const three = pipeline.claim([pay(orderId, 'IT/R1'), pay(orderId, 'IT/R3', 999)])
      expect(await pipeline.settle(three)).toEqual([
        { outcome: 'paid', reason: undefined, orderId, replayed: true },
        { outcome: 'duplicate', reason: 'order_already_paid', orderId, replayed: false },
      ])
    })
    expect(await expiryOf(db, mailbox.id)).toBe('2027-06-30')
    expect(await db.$count(payments)).toBe(3)
  })
})

async function expiryOf(db: Db, mailboxId: number) {
  const [row] = await db.select({ expiresOn: mailboxes.expiresOn }).from(mailboxes).where(eq(mailboxes.id, mailboxId))
  return row.expiresOn
}
