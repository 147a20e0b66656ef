import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asc, eq } from 'drizzle-orm'
import pg from 'pg'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { formatOrderId, type OrderId } from '../../../src/core/order-id'
import { openDatabase, type Database, type Db } from '../../../src/db/client'
import { auditLog, mailboxes, orders, outbox, paymentReversals, payments } from '../../../src/db/schema'
import { importStatement } from '../../../src/flows/imports/import-statement'
import { StatementError } from '../../../src/payments/offline/read-statement'
import { registerPayment } from '../../../src/flows/register-payment'
import { reversePayment } from '../../../src/payments/reverse-payment'
import { placeOrder } from '../../../src/renewals/place-order'
import { clockOn, seedConvention, seedMailbox } from '../../support/seed'
import { postgresOnly, testDatabases, type TestDatabase } from '../../support/databases'
import { lockGate } from '../../renewals/lock-gate'
import { testDeps } from '../../support/deps'
import { camtStatement, cbiStatement, type EntrySpec } from './statement-builder'
import { parseCalendarDate } from '../../../src/core/calendar'

const folder = mkdtempSync(join(tmpdir(), 'statements-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))
let files = 0
function file(content: string): string {
  const path = join(folder, `statement-${process.pid}-${++files}`)
  writeFileSync(path, content)
  return path
}

/** Mis-types one character of an order ID the way a payer might (a look-alike outside the alphabet). */
const mistype = (id: string) => `${id.slice(0, 3)}B${id.slice(4)}`
const actor = 'operator:anna'

describe.each(testDatabases())('%s: importStatement', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  async function setup(expiries: string[] = ['2026-06-30', '2026-07-31', '2026-08-31']) {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const clock = clockOn('2026-05-02')
    const deps = testDeps(db, clock)
    const placed = []
    for (const expiresOn of expiries) {
      const mailbox = await seedMailbox(db, { expiresOn })
      const order = await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'bonifico', actor: 'holder:x' })
      placed.push({ mailbox, order, id: order.orderId })
    }
    return { db, deps, clock, placed }
  }

  it('issue 4: registers booked credits by the order ID in the causale; holds typos, mismatches and unknown orders; ignores the rest', async () => {
    const { db, deps, placed } = await setup()
    const [a, b, c] = placed
    const path = file(
      camtStatement([
        { amountCents: 1220, acctSvcrRef: 'R1', remittance: [`RINNOVO PEC ORDINE ${formatOrderId(a.id).toLowerCase().replace(/-/g, ' ')}`, 'ROSSI'] },
        { amountCents: 1220, acctSvcrRef: 'R2', remittance: [`ORDINE ${mistype(b.id)}`] },
        { amountCents: 1000, acctSvcrRef: 'R3', remittance: [c.id] },
        { amountCents: 1220, acctSvcrRef: 'R4', remittance: ['K7MR-4DXP-61'] },
        { amountCents: 1220, acctSvcrRef: 'R5', remittance: [a.id] },
        { amountCents: 1220, acctSvcrRef: 'R6', status: 'PDNG', remittance: [b.id] },
        { amountCents: 1220, acctSvcrRef: 'R7', creditDebit: 'DBIT', remittance: [b.id] },
        { amountCents: 1220, acctSvcrRef: 'R8', currency: 'USD', remittance: [b.id] },
        { amountCents: 1220, acctSvcrRef: 'R9', remittance: ['BONIFICO'] },
      ]),
    )
    const result = await importStatement(deps, path, { actor })
    expect(result).toEqual({
      entries: 9,
      registered: 1,
      held: 4,
      duplicates: 1,
      ignored: 3,
      results: [
        { entryRef: 'R1', amountCents: 1220, orderId: a.id, outcome: 'registered', reason: null },
        { entryRef: 'R2', amountCents: 1220, orderId: null, outcome: 'held', reason: `probable_typo:${formatOrderId(b.id)}` },
        { entryRef: 'R3', amountCents: 1000, orderId: c.id, outcome: 'held', reason: 'amount_mismatch' },
        { entryRef: 'R4', amountCents: 1220, orderId: null, outcome: 'held', reason: 'unknown_order:K7MR-4DXP-61' },
        { entryRef: 'R5', amountCents: 1220, orderId: a.id, outcome: 'duplicate', reason: 'order_already_paid' },
        { entryRef: 'R6', amountCents: 1220, orderId: null, outcome: 'ignored', reason: 'not_booked:PDNG' },
        { entryRef: 'R7', amountCents: 1220, orderId: null, outcome: 'ignored', reason: 'debit' },
        { entryRef: 'R8', amountCents: 1220, orderId: null, outcome: 'ignored', reason: 'currency:USD' },
        { entryRef: 'R9', amountCents: 1220, orderId: null, outcome: 'held', reason: 'no_order_id' },
      ],
    })
    expect(await expiryOf(db, a.mailbox.id)).toBe('2027-06-30') // R4: from E
    expect(await expiryOf(db, b.mailbox.id)).toBe('2026-07-31') // the typo paid nothing
    expect((await orderOf(db, b.id)).status).toBe('open')
    const typo = (await db.select().from(payments).where(eq(payments.reference, 'IT60X0542811101000000123456/R2')))[0]
    expect(typo).toMatchObject({ orderId: null, outcome: 'unknownOrder', raw: { typoCandidate: b.id } })
    expect(await db.select({ refund: payments.refundStatus }).from(payments).where(eq(payments.outcome, 'duplicate'))).toEqual([{ refund: 'due' }])
    expect(await db.select().from(outbox)).toMatchObject([{ template: 'payment_received', orderId: a.id }])
  })

  it('R8: the same file again, or an overlapping statement, registers nothing twice', async () => {
    const { db, deps, placed } = await setup()
    const [a, b, c] = placed
    const first = [
      { amountCents: 1220, acctSvcrRef: 'R1', remittance: [a.id] },
      { amountCents: 1220, acctSvcrRef: 'R2', remittance: [b.id] },
    ]
    await importStatement(deps, file(camtStatement(first, { stmtId: 'S1' })), { actor })
    const snapshot = await state(db)
    const again = await importStatement(deps, file(camtStatement(first, { stmtId: 'S1' })), { actor })
    expect(again).toMatchObject({ entries: 2, registered: 0, ignored: 2, results: [{ reason: 'already_imported', orderId: a.id }, { reason: 'already_imported' }] })
    expect(await state(db)).toEqual(snapshot)

    // the next day's statement repeats R2 and adds R3 (entries without a bank reference too)
    const overlap = [first[1], { amountCents: 1220, acctSvcrRef: 'R3', remittance: [c.id] }, { amountCents: 1220, acctSvcrRef: null, remittance: ['NO REF'] }]
    const second = await importStatement(deps, file(camtStatement(overlap, { stmtId: 'S2', version: 3 })), { actor })
    expect(second).toMatchObject({ registered: 1, held: 1, ignored: 1 })
    const third = await importStatement(deps, file(camtStatement(overlap, { stmtId: 'S3', version: 7 })), { actor })
    expect(third).toMatchObject({ registered: 0, held: 0, ignored: 3 })
    expect(await db.$count(payments)).toBe(4)
    expect(await expiryOf(db, c.mailbox.id)).toBe('2027-08-31')
  })

  it('R4/R8: batches of one entry: a movement listed twice, with or without an order, and an order paid twice, answer as if imported entry by entry', async () => {
    const { db, deps, placed } = await setup()
    const [a, b] = placed
    const entries: EntrySpec[] = [
      { amountCents: 1220, acctSvcrRef: 'A', remittance: [a.id] },
      { amountCents: 1220, acctSvcrRef: 'A', remittance: [a.id] }, // the bank lists the same movement again
      { amountCents: 1220, acctSvcrRef: 'N', remittance: ['BONIFICO'] },
      { amountCents: 1220, acctSvcrRef: 'N', remittance: ['BONIFICO'] },
      { amountCents: 1220, acctSvcrRef: 'B', remittance: [b.id] },
      { amountCents: 1220, acctSvcrRef: 'C', remittance: [a.id] }, // a second transfer for a paid order
    ]
    const result = await importStatement(deps, file(camtStatement(entries)), { actor, batchSize: 1 })
    expect(result.results.map((r) => [r.entryRef, r.outcome, r.reason])).toEqual([
      ['A', 'registered', null],
      ['A', 'ignored', 'already_imported'],
      ['N', 'held', 'no_order_id'],
      ['N', 'ignored', 'already_imported'],
      ['B', 'registered', null],
      ['C', 'duplicate', 'order_already_paid'],
    ])
    expect(await db.$count(payments)).toBe(4)
    expect(await expiryOf(db, a.mailbox.id)).toBe('2027-06-30')
    expect(await expiryOf(db, b.mailbox.id)).toBe('2027-07-31')
    expect(await db.$count(outbox)).toBe(2)
  })

  it('R8: a truncated or hostile file registers nothing, even after valid entries', async () => {
    const { db, deps, placed } = await setup()
    const xml = camtStatement([{ amountCents: 1220, acctSvcrRef: 'R1', remittance: [placed[0].id] }, { amountCents: 1220, acctSvcrRef: 'R2', remittance: [placed[1].id] }])
    await expect(importStatement(deps, file(xml.slice(0, xml.length - 60)), { actor })).rejects.toBeInstanceOf(StatementError)
    await expect(importStatement(deps, file(xml.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]>')), { actor })).rejects.toMatchObject({ code: 'doctype_refused' })
    expect(await db.$count(payments)).toBe(0)
    expect(await expiryOf(db, placed[0].mailbox.id)).toBe('2026-06-30')
  })

  it('imports a CBI RH movements file the same way', async () => {
    const { db, deps, placed } = await setup()
    const path = file(
      cbiStatement([
        { amountCents: 1220, bankRef: 'CRO1', remittance: [`RINNOVO ${formatOrderId(placed[0].id)}`], debtorName: 'ROSSI MARIA' },
        { amountCents: 300, sign: 'D', bankRef: 'CRO2', description: 'COMMISSIONI' },
        { amountCents: 1220, bankRef: 'CRO3', remittance: [`ORDINE ${mistype(placed[1].id)}`] },
      ]),
    )
    const result = await importStatement(deps, path, { actor })
    expect(result).toMatchObject({ entries: 3, registered: 1, held: 1, ignored: 1 })
    expect(await expiryOf(db, placed[0].mailbox.id)).toBe('2027-06-30')
    expect((await importStatement(deps, path, { actor, format: 'cbi-rh' })).registered).toBe(0)
  })

  it('R4 undone: a reversal un-pays the order and puts E back; importing it again changes nothing', async () => {
    const { db, deps, placed } = await setup()
    const [a] = placed
    await importStatement(deps, file(camtStatement([{ amountCents: 1220, acctSvcrRef: 'R1', endToEndId: 'E2E-1', remittance: [a.id] }])), { actor })
    expect(await expiryOf(db, a.mailbox.id)).toBe('2027-06-30')
    const reversal = file(camtStatement([{ amountCents: 1220, acctSvcrRef: 'RV1', creditDebit: 'DBIT', reversal: true, endToEndId: 'E2E-1', remittance: [`STORNO ${a.id}`] }], { stmtId: 'S2' }))
    const result = await importStatement(deps, reversal, { actor })
    expect(result.results).toEqual([{ entryRef: 'RV1', amountCents: 1220, orderId: a.id, outcome: 'registered', reason: 'reversal:unpaid' }])
    expect(await expiryOf(db, a.mailbox.id)).toBe('2026-06-30')
    expect(await orderOf(db, a.id)).toMatchObject({ status: 'open', paidAt: null, newExpiresOn: null })
    expect(await db.select({ outcome: payments.outcome, reason: payments.reason }).from(payments)).toEqual([{ outcome: 'held', reason: 'reversed' }])
    expect(await db.select({ outcome: paymentReversals.outcome }).from(paymentReversals)).toEqual([{ outcome: 'unpaid' }])
    const actions = (await db.select().from(auditLog).where(eq(auditLog.orderId, a.id)).orderBy(asc(auditLog.id))).map((r) => r.action)
    expect(actions.slice(-3)).toEqual(['payment.reversed', 'order.reopened', 'mailbox.renewal_reversed'])
    const snapshot = await state(db)
    expect((await importStatement(deps, reversal, { actor })).results[0]).toMatchObject({ outcome: 'ignored', reason: 'already_imported' })
    expect(await state(db)).toEqual(snapshot)
    // the order can be paid again
    const repaid = await importStatement(deps, file(camtStatement([{ amountCents: 1220, acctSvcrRef: 'R2', remittance: [a.id] }], { stmtId: 'S3' })), { actor })
    expect(repaid.registered).toBe(1)
    expect(await expiryOf(db, a.mailbox.id)).toBe('2027-06-30')
  })

  it('R4/R8: a reversed duplicate is no longer due for refund; a reversal without original is held', async () => {
    const { db, deps, placed } = await setup()
    const [a] = placed
    await importStatement(deps, file(camtStatement([
      { amountCents: 1220, acctSvcrRef: 'R1', remittance: [a.id] },
      { amountCents: 1220, acctSvcrRef: 'R2', remittance: [a.id] },
      { amountCents: 1220, acctSvcrRef: 'RV1', creditDebit: 'DBIT', reversal: true, remittance: [a.id] },
      { amountCents: 999, acctSvcrRef: 'RV2', creditDebit: 'DBIT', reversal: true, remittance: ['SCONOSCIUTO'] },
    ])), { actor }).then((r) =>
      expect(r.results.map((x) => [x.outcome, x.reason])).toEqual([
        ['registered', null],
        ['duplicate', 'order_already_paid'],
        ['registered', 'reversal:refund_cancelled'],
        ['held', 'reversal:original_not_found'],
      ]),
    )
    expect(await expiryOf(db, a.mailbox.id)).toBe('2027-06-30') // the paying transfer stands
    expect(await db.select({ reference: payments.reference, refund: payments.refundStatus }).from(payments).orderBy(asc(payments.id))).toEqual([
      { reference: 'IT60X0542811101000000123456/R1', refund: 'none' },
      { reference: 'IT60X0542811101000000123456/R2', refund: 'none' },
    ])
  })

  it('reversePayment: holds for an operator when E moved since, and reversing twice changes nothing', async () => {
    const { db, deps, placed } = await setup()
    const [a, b] = placed
    await registerPayment(deps, { orderRef: a.id, amountCents: 1220, method: 'bonifico', reference: 'CRO-A', actor })
    await registerPayment(deps, { orderRef: b.id, amountCents: 1220, method: 'bonifico', reference: 'CRO-B', actor })
    await db.update(mailboxes).set({ expiresOn: parseCalendarDate('2028-07-31') }).where(eq(mailboxes.id, b.mailbox.id)) // an operator's change
    expect(await reversePayment(deps, { method: 'bonifico', reference: 'CRO-B', actor })).toMatchObject({ outcome: 'held', reason: 'mailbox_expiry_changed' })
    expect(await expiryOf(db, b.mailbox.id)).toBe('2028-07-31')

    const first = await reversePayment(deps, { method: 'bonifico', reference: 'CRO-A', actor })
    expect(first).toMatchObject({ outcome: 'unpaid', orderId: a.id, expiresOn: '2026-06-30', replayed: false })
    const snapshot = await state(db)
    const [second, third] = await Promise.all([
      reversePayment(deps, { method: 'bonifico', reference: 'CRO-A', actor }),
      reversePayment(deps, { method: 'bonifico', reference: 'CRO-A', actor, reversalReference: 'another' }),
    ])
    expect(second).toMatchObject({ outcome: 'unpaid', replayed: true, reversalId: first.reversalId })
    expect(third).toMatchObject({ replayed: true, reversalId: first.reversalId })
    expect(await state(db)).toEqual(snapshot)
    expect(await reversePayment(deps, { method: 'bonifico', reference: 'NOPE', actor })).toMatchObject({ outcome: 'unmatched' })
  })
})

describe.each(postgresOnly())('%s: importStatement, concurrently', (_name, open) => {
  let t: TestDatabase
  let connections: Database[] = []
  afterEach(async () => {
    for (const connection of connections) await connection.close()
    connections = []
    await t?.close()
  })

  it('R8: the same statement imported twice at once registers each movement once; the later import finds it imported', async () => {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const clock = clockOn('2026-05-02')
    const placed = []
    for (const expiresOn of ['2026-06-30', '2026-07-31', '2026-08-31']) {
      const mailbox = await seedMailbox(db, { expiresOn })
      placed.push({ mailbox, id: (await placeOrder(testDeps(db, clock), { mailboxId: mailbox.id, years: 1, method: 'bonifico', actor: 'holder:x' })).orderId })
    }
    const path = file(
      camtStatement([
        ...placed.map((p, i) => ({ amountCents: 1220, acctSvcrRef: `R${i}`, remittance: [p.id] })),
        { amountCents: 1220, acctSvcrRef: 'R3', remittance: [placed[0].id] },
        { amountCents: 1220, acctSvcrRef: 'R4', remittance: ['BONIFICO'] },
      ]),
    )
    connections = [await openDatabase(t.url!), await openDatabase(t.url!)]
    const [a, b] = connections.map((c) => testDeps(c.db, clock))
    // both imports hold their transaction open, waiting for the first mailbox, before either decides
    const gate = await lockGate(t.url!, placed[0].mailbox.id)
    const racing = Promise.all([importStatement(a, path, { actor }), importStatement(b, path, { actor })])
    await gate.queued(2)
    await gate.release()
    const [first, second] = (await racing).sort((x, y) => y.registered - x.registered)
    expect(first).toMatchObject({ registered: 3, duplicates: 1, held: 1, ignored: 0 })
    expect(second).toMatchObject({ registered: 0, duplicates: 0, held: 0, ignored: 5 })
    expect(second.results.every((r) => r.reason === 'already_imported')).toBe(true)
    expect(await db.$count(payments)).toBe(5)
    expect(await db.$count(outbox)).toBe(3)
    for (const p of placed) expect((await orderOf(db, p.id)).status).toBe('paid')
    expect(await expiryOf(db, placed[0].mailbox.id)).toBe('2027-06-30')
    expect(await db.$count(auditLog, eq(auditLog.action, 'payment.paid'))).toBe(3)
  })

  it('issue 11: a pipelined import never queries its connection while another query waits on it (pg 8 warns, pg 9 throws), and registers the same', async () => {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const clock = clockOn('2026-05-02')
    const deps = testDeps(db, clock)
    const ids: OrderId[] = []
    for (const expiresOn of ['2026-06-30', '2026-07-31', '2026-08-31']) {
      const mailbox = await seedMailbox(db, { expiresOn })
      ids.push((await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'bonifico', actor: 'holder:x' })).orderId)
    }
    const [a, b, c] = ids
    const entries: EntrySpec[] = [
      { amountCents: 1220, acctSvcrRef: 'R1', remittance: [a] },
      { amountCents: 1220, acctSvcrRef: 'R2', endToEndId: 'E2E-B', remittance: [b] },
      { amountCents: 1220, acctSvcrRef: 'R3', remittance: [a] },
      { amountCents: 1220, acctSvcrRef: 'R4', remittance: ['BONIFICO'] },
      { amountCents: 1220, acctSvcrRef: 'RV1', creditDebit: 'DBIT', reversal: true, endToEndId: 'E2E-B', remittance: [`STORNO ${b}`] },
      { amountCents: 1220, acctSvcrRef: 'R5', remittance: [b] },
      { amountCents: 1000, acctSvcrRef: 'R6', remittance: [c] },
      { amountCents: 1220, acctSvcrRef: 'R7', remittance: [c] },
      ...Array.from({ length: 10 }, (_, i) => ({ amountCents: 1220, acctSvcrRef: `D${i}`, remittance: [ids[i % 3]] })),
    ]
    // pg warns once per process (util.deprecate), so the condition it warns on is watched as well:
    // a query issued while another already waits in the connection's queue
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(warning.message)
    process.on('warning', onWarning)
    const overlapping: string[] = []
    const query = pg.Client.prototype.query
    pg.Client.prototype.query = function (this: { _queryQueue?: unknown[] }, ...args: unknown[]) {
      if ((this._queryQueue?.length ?? 0) > 0) overlapping.push(String((args[0] as { text?: string })?.text ?? args[0]).slice(0, 60))
      return (query as (...a: unknown[]) => unknown).apply(this, args)
    } as typeof query
    let result
    try {
      result = await importStatement(deps, file(camtStatement(entries)), { actor, batchSize: 2 })
      await new Promise((resolve) => setImmediate(resolve)) // a warning is emitted on the next tick
    } finally {
      pg.Client.prototype.query = query
      process.off('warning', onWarning)
    }
    expect(overlapping).toEqual([])
    expect(warnings.filter((w) => w.includes('already executing a query'))).toEqual([])
    expect(result.results.map((r) => [r.entryRef, r.outcome, r.reason])).toEqual([
      ['R1', 'registered', null],
      ['R2', 'registered', null],
      ['R3', 'duplicate', 'order_already_paid'],
      ['R4', 'held', 'no_order_id'],
      ['RV1', 'registered', 'reversal:unpaid'],
      ['R5', 'registered', null],
      ['R6', 'held', 'amount_mismatch'],
      ['R7', 'registered', null],
      ...Array.from({ length: 10 }, (_, i) => [`D${i}`, 'duplicate', 'order_already_paid']),
    ])
    expect(await db.$count(payments)).toBe(17) // the reversed payment stays, held as reversed
    expect(await db.$count(outbox, eq(outbox.template, 'payment_received'))).toBe(4)
    for (const id of ids) expect((await orderOf(db, id)).status).toBe('paid')
  })
})

async function expiryOf(db: Db, mailboxId: number) {
  const [row] = await db.select({ expiresOn: mailboxes.expiresOn }).from(mailboxes).where(eq(mailboxes.id, mailboxId))
  return row.expiresOn
}

async function orderOf(db: Db, id: OrderId) {
  const [row] = await db.select().from(orders).where(eq(orders.id, id))
  return row
}

/** Everything an import may change, for before/after comparisons. */
export async function state(db: Db) {
  return {
    payments: await db.select().from(payments).orderBy(asc(payments.id)),
    reversals: await db.select().from(paymentReversals).orderBy(asc(paymentReversals.id)),
    orders: await db.select().from(orders).orderBy(asc(orders.id)),
    mailboxes: await db.select().from(mailboxes).orderBy(asc(mailboxes.id)),
    audit: await db.$count(auditLog),
    outbox: await db.$count(outbox),
  }
}

export type { EntrySpec }
