import { asc, eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import type { ManualClock } from '../../src/core/clock'
import { auditLog, invoiceCounters, invoices, payments } from '../../src/db/schema'
import { registerPayment } from '../../src/flows/register-payment'
import { checkPayment } from '../../src/flows/settlement/payment'
import { settlePayments } from '../../src/flows/settlement/settle-payments'
import { refundPayment } from '../../src/payments/refund-payment'
import { reversePayment } from '../../src/payments/reverse-payment'
import { placeOrder } from '../../src/renewals/place-order'
import type { InvoiceBilling } from '../../src/renewals/billing'
import type { Deps } from '../../src/deps'
import { postgresOnly, testDatabases, type TestDatabase } from '../support/databases'
import { testDeps } from '../support/deps'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'

const actor = 'operator:anna'
const billing: InvoiceBilling = {
  kind: 'person', name: "Niccolò D'Amico", fiscalCode: 'DMCNCL80A01H501U', email: 'niccolo@example.it', street: "Via dell'Università",
  streetNumber: '3', postalCode: '00185', city: 'Roma', province: 'RM', country: 'Italia', address: "Via dell'Università 3, 00185 Roma (RM)",
}

/** Mailboxes with an open order each, placed on `placedOn`; the clock then stands there. */
async function ordersFor(t: TestDatabase, count: number, opts: { placedOn?: string; expiresOn?: string; years?: number } = {}) {
  const db = t.database.db
  await seedConvention(db)
  const clock: ManualClock = clockOn(opts.placedOn ?? '2026-05-04')
  const deps: Deps = { ...testDeps(db, clock), config: { ...testDeps(db, clock).config, invoicing: { series: 'PEC' } } }
  const orders: Array<{ mailbox: Awaited<ReturnType<typeof seedMailbox>>; order: Awaited<ReturnType<typeof placeOrder>> }> = []
  for (let i = 0; i < count; i++) {
    const mailbox = await seedMailbox(db, { expiresOn: opts.expiresOn ?? '2026-06-30' })
    orders.push({ mailbox, order: await placeOrder(deps, { mailboxId: mailbox.id, years: opts.years ?? 1, method: 'bonifico', actor, billing }) })
  }
  const pay = (i: number, reference = `CRO-${i}`) =>
    registerPayment(deps, { orderRef: orders[i].order.orderId, amountCents: orders[i].order.totalCents, method: 'bonifico', reference, actor })
  return { db, deps, clock, orders, pay }
}

describe.each(testDatabases())('%s: R11 invoices issued by the settlement', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())
  const allInvoices = () => t.database.db.select().from(invoices).orderBy(asc(invoices.id))

  it('a paid order is invoiced in the payment’s transaction, dated the payment date: buyer from the snapshot, one line with the mailbox and the period', async () => {
    t = await open()
    const { orders, pay } = await ordersFor(t, 1, { placedOn: '2026-05-04' })
    const paid = await pay(0)
    expect(paid.outcome).toBe('paid')
    const [invoice] = await allInvoices()
    expect(invoice).toMatchObject({
      kind: 'invoice', year: 2026, series: 'PEC', number: 1, issuedOn: '2026-05-04', orderId: orders[0].order.orderId, paymentId: paid.paymentId,
      method: 'bonifico', buyer: billing, netCents: orders[0].order.netCents, vatCents: orders[0].order.vatCents, totalCents: orders[0].order.totalCents, state: 'issued', refersTo: null,
    })
    expect(invoice.lines).toEqual([{ mailbox: orders[0].mailbox.address, from: '2026-07-01', to: '2027-06-30', years: 1, netCents: orders[0].order.netCents }])
  })

  it('a 3-year order paid on 29 February: one line over three years, numbered in that year', async () => {
    t = await open()
    const { pay } = await ordersFor(t, 1, { placedOn: '2028-02-29', expiresOn: '2028-02-29', years: 3 })
    await pay(0)
    const [invoice] = await allInvoices()
    expect(invoice).toMatchObject({ year: 2028, number: 1, issuedOn: '2028-02-29' })
    expect(invoice.lines).toMatchObject([{ from: '2028-03-01', to: '2031-02-28', years: 3 }])
  })

  it('numbers follow each other per year and restart on 1 January; a duplicate is not invoiced, nor is a payment registered twice (R8)', async () => {
    t = await open()
    const { clock, pay } = await ordersFor(t, 4, { placedOn: '2026-12-30', expiresOn: '2027-01-31' })
    await pay(0)
    await pay(1)
    await pay(1, 'CRO-1-bis') // duplicate: money to refund, never invoiced
    await pay(1) // the same transfer again: replayed
    clock.set(clockOn('2027-01-01').now())
    await pay(2)
    await pay(3)
    expect((await allInvoices()).map((i) => [i.year, i.number, i.issuedOn])).toEqual([
      [2026, 1, '2026-12-30'], [2026, 2, '2026-12-30'], [2027, 1, '2027-01-01'], [2027, 2, '2027-01-01'],
    ])
    expect(await t.database.db.select().from(invoiceCounters).orderBy(asc(invoiceCounters.year))).toEqual([
      { year: 2026, series: 'PEC', lastNumber: 2 }, { year: 2027, series: 'PEC', lastNumber: 2 },
    ])
  })

  it('a batch of payments takes consecutive numbers in its order, one per order paid', async () => {
    t = await open()
    const { deps, orders } = await ordersFor(t, 3)
    const batch = [2, 0, 1, 0].map((i, k) => checkPayment({ orderRef: orders[i].order.orderId, amountCents: orders[i].order.totalCents, method: 'bonifico', reference: `B-${k}`, actor }))
    await deps.db.transaction((tx) => settlePayments(tx, batch, { now: deps.clock.now(), invoiceSeries: 'PEC' }))
    expect((await allInvoices()).map((i) => [i.number, i.orderId])).toEqual([[1, orders[2].order.orderId], [2, orders[0].order.orderId], [3, orders[1].order.orderId]])
  })

  it('a payment rolled back takes no number: the next one gets it', async () => {
    t = await open()
    const { deps, orders, pay } = await ordersFor(t, 2)
    const first = checkPayment({ orderRef: orders[0].order.orderId, amountCents: orders[0].order.totalCents, method: 'bonifico', reference: 'R-1', actor })
    await expect(
      deps.db.transaction(async (tx) => {
        await settlePayments(tx, [first], { now: deps.clock.now(), invoiceSeries: 'PEC' })
        throw new Error('crash after the settlement, before commit')
      }),
    ).rejects.toThrow('crash')
    expect(await allInvoices()).toEqual([])
    await pay(1)
    expect((await allInvoices()).map((i) => [i.number, i.orderId])).toEqual([[1, orders[1].order.orderId]])
  })

  it('a reversal of an invoiced payment issues a credit note (TD04) referring to the invoice; a refunded duplicate issues none', async () => {
    t = await open()
    const { deps, clock, orders, pay } = await ordersFor(t, 1)
    const paid = await pay(0)
    const duplicate = await pay(0, 'CRO-again')
    expect(duplicate.outcome).toBe('duplicate')
    await refundPayment(deps, { byName: () => undefined }, { paymentId: duplicate.paymentId, actor })
    expect(await allInvoices()).toHaveLength(1) // the duplicate was never invoiced: nothing to credit

    clock.set(clockOn('2026-05-20').now())
    const reversal = await reversePayment(deps, { method: 'bonifico', reference: 'CRO-0', actor })
    expect(reversal.outcome).toBe('unpaid')
    const [invoice, creditNote] = await allInvoices()
    expect(creditNote).toMatchObject({
      kind: 'credit_note', year: 2026, series: 'PEC', number: 2, issuedOn: '2026-05-20', refersTo: invoice.id, paymentId: paid.paymentId,
      orderId: orders[0].order.orderId, totalCents: invoice.totalCents, buyer: invoice.buyer, lines: invoice.lines,
    })
    const [logged] = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'invoice.credit_note_issued'))
    expect(logged.data).toEqual({ invoiceId: creditNote.id, number: '2026/000002/PEC' })
    // R8: the same reversal again credits nothing more
    expect((await reversePayment(deps, { method: 'bonifico', reference: 'CRO-0', actor })).replayed).toBe(true)
    expect(await allInvoices()).toHaveLength(2)
    // paid again after the reversal: a new invoice, the next number
    await pay(0, 'CRO-third')
    expect((await allInvoices()).map((i) => [i.kind, i.number])).toEqual([['invoice', 1], ['credit_note', 2], ['invoice', 3]])
  })

  it('a reversal of a payment that was never invoiced (held) issues no credit note', async () => {
    t = await open()
    const { deps, orders } = await ordersFor(t, 1)
    await registerPayment(deps, { orderRef: orders[0].order.orderId, amountCents: 1, method: 'bonifico', reference: 'SHORT', actor })
    await reversePayment(deps, { method: 'bonifico', reference: 'SHORT', actor })
    expect(await allInvoices()).toEqual([])
    expect(await t.database.db.select().from(payments)).toHaveLength(1)
  })
})

describe.each(postgresOnly())('%s: R11 numbering under concurrent payments', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('payments on several connections at once, some rolled back: numbers 1…N, no gap, no duplicate, in commit order', async () => {
    t = await open()
    const { deps, orders } = await ordersFor(t, 40)
    // every fourth transaction fails after its settlement (a crash before commit): it must give its number back
    const results = await Promise.allSettled(
      orders.map(({ order }, i) =>
        deps.db.transaction(async (tx) => {
          const payment = checkPayment({ orderRef: order.orderId, amountCents: order.totalCents, method: 'bonifico', reference: `C-${i}`, actor })
          await settlePayments(tx, [payment], { now: deps.clock.now(), invoiceSeries: 'PEC' })
          if (i % 4 === 3) throw new Error('rolled back')
        }),
      ),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(30)
    const rows = await t.database.db.select().from(invoices).orderBy(asc(invoices.number))
    expect(rows.map((r) => r.number)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    expect(new Set(rows.map((r) => r.orderId)).size).toBe(30)
    expect(rows.every((r, i) => i === 0 || r.id > rows[i - 1].id)).toBe(true) // numbers follow the order they were written in
    const [counter] = await t.database.db.select().from(invoiceCounters)
    expect(counter.lastNumber).toBe(30)
  })
})
