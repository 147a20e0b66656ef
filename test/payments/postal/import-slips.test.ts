import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { formatOrderId, ORDER_ID_ALPHABET, type OrderId } from '../../../src/core/order-id'
import { auditLog, mailboxes, orders, outbox, payments } from '../../../src/db/schema'
import { oneSubstitutionAway } from '../../../src/payments/offline/order-reference'
import { codiceClienteFor } from '../../../src/payments/postal/codice-cliente'
import { importSlips, storeSlips } from '../../../src/flows/imports/import-slips'
import { settleImport } from '../../../src/flows/imports/settle-import'
import { PosteReportError } from '../../../src/payments/postal/poste-report'
import { placeOrder } from '../../../src/renewals/place-order'
import { testDatabases, type TestDatabase } from '../../support/databases'
import { testDeps } from '../../support/deps'
import { clockOn, seedConvention, seedMailbox } from '../../support/seed'
import { posteRecord, posteReport, type RecordSpec } from './poste-records'

const dir = mkdtempSync(join(tmpdir(), 'import-slips-'))
let files = 0

function reportFile(records: RecordSpec[]): string {
  const path = join(dir, `report-${++files}.txt`)
  writeFileSync(path, posteReport(records))
  return path
}

/** The same codice cliente with one digit changed: its mod-93 check then fails. */
function mistyped(code: string): string {
  return code.slice(0, 5) + String((Number(code[5]) + 1) % 10) + code.slice(6)
}

/** The order ID with one symbol changed, such that the original is the only valid ID one change away. */
function mistypedOrderId(orderId: OrderId): OrderId {
  for (let position = 0; position < 8; position++) {
    for (const symbol of ORDER_ID_ALPHABET) {
      const typo = (orderId.slice(0, position) + symbol + orderId.slice(position + 1)) as OrderId
      const near = oneSubstitutionAway(typo)
      if (typo !== orderId && near.length === 1 && near[0] === orderId) return typo
    }
  }
  throw new Error(`no unambiguous typo for ${orderId}`)
}

const ACTOR = { actor: 'operator:anna' }

describe.each(testDatabases())('%s: importSlips (Poste report)', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  async function setup(count: number) {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const clock = clockOn('2026-05-01')
    const deps = testDeps(db, clock)
    const placed = []
    for (let i = 0; i < count; i++) {
      const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30' })
      const order = await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'bollettino', actor: 'operator:anna' })
      placed.push({ mailbox, order, orderId: order.orderId })
    }
    clock.set(clockOn('2026-05-08').now())
    return { db, deps, placed }
  }

  async function expiryOf(id: number) {
    const [row] = await t.database.db.select().from(mailboxes).where(eq(mailboxes.id, id))
    return row.expiresOn
  }

  it('R4/R8: matches TD 896 by codice cliente and TD 674 by causale, holds what it cannot settle, and a second import registers nothing', async () => {
    const { db, deps, placed } = await setup(3)
    const [a, b, c] = placed
    const total = a.order.totalCents
    expect(total).toBe(1220)
    const records: RecordSpec[] = [
      { selection: '1', type: '896', amountCents: total, codiceCliente: codiceClienteFor(a.orderId) },
      { selection: '2', type: '674', amountCents: total, causale: `rinnovo pec ordine ${formatOrderId(b.orderId).toLowerCase().replace(/-/g, ' ')}` },
      { selection: '3', type: '896', amountCents: 1000, codiceCliente: codiceClienteFor(c.orderId) },
      { selection: '4', type: '896', amountCents: total, codiceCliente: mistyped(codiceClienteFor(c.orderId)) },
      { selection: '5', type: '674', amountCents: total, causale: 'QUOTA RINNOVO CASELLA PEC' },
      { selection: '6', type: '674', amountCents: total, causale: `ORDINE ${formatOrderId(mistypedOrderId(c.orderId))}` },
      { selection: '7', type: '896', amountCents: total, codiceCliente: codiceClienteFor(a.orderId) }, // paid twice
      { selection: '8', type: '247', amountCents: 5000 }, // a MAV: not ours to register
    ]
    const file = reportFile(records)

    const first = await importSlips(deps, file, ACTOR)
    expect(first).toMatchObject({ entries: 8, registered: 2, held: 4, duplicates: 1, ignored: 1 })
    expect(first.results.map((r) => [r.entryRef.slice(-7), r.orderId, r.outcome, r.reason])).toEqual([
      ['0000001', a.orderId, 'registered', null],
      ['0000002', b.orderId, 'registered', null],
      ['0000003', c.orderId, 'held', 'amount_mismatch'],
      ['0000004', null, 'held', 'invalid_codice_cliente'],
      ['0000005', null, 'held', 'no_order_id'],
      ['0000006', null, 'held', `probable_typo:${formatOrderId(c.orderId)}`], // reported, never matched automatically
      ['0000007', a.orderId, 'duplicate', 'order_already_paid'],
      ['0000008', null, 'ignored', 'unsupported_document_type'],
    ])
    expect(first.results[0]).toMatchObject({
      entryRef: '000012345678-20260505-00100001-0000001',
      amountCents: 1220,
      paidOn: '2026-05-05',
      documentType: '896',
      line: 1,
    })

    // R4: from the expiry date, however early the slip was paid
    expect(await expiryOf(a.mailbox.id)).toBe('2027-06-30')
    expect(await expiryOf(b.mailbox.id)).toBe('2027-06-30')
    expect(await expiryOf(c.mailbox.id)).toBe('2026-06-30')
    const [orderC] = await db.select().from(orders).where(eq(orders.id, c.orderId))
    expect(orderC.status).toBe('open')

    // every slip that reached registration is stored under its Poste reference; the unmatched ones for an operator
    const stored = await db.select().from(payments).orderBy(payments.id)
    expect(stored).toHaveLength(7)
    expect(stored.every((p) => p.method === 'bollettino' && p.reference.startsWith('poste:000012345678-20260505-'))).toBe(true)
    expect(stored[3]).toMatchObject({ outcome: 'unknownOrder', orderId: null, orderRef: mistyped(codiceClienteFor(c.orderId)), source: 'operator:anna' })
    expect(stored[6]).toMatchObject({ outcome: 'duplicate', refundStatus: 'due' })
    const paidAudit = await db.select().from(auditLog).where(eq(auditLog.action, 'payment.paid'))
    expect(paidAudit.map((row) => row.orderId).sort()).toEqual([a.orderId, b.orderId].sort())
    const receipts = async () => (await db.select().from(outbox)).filter((m) => m.template === 'payment_received')
    expect(await receipts()).toHaveLength(2)

    // R8: the same report again registers nothing: each slip already imported, the MAV ignored again
    const second = await importSlips(deps, file, ACTOR)
    expect(second).toMatchObject({ entries: 8, registered: 0, held: 0, duplicates: 0, ignored: 8 })
    expect(second.results.map((r) => [r.orderId, r.reason])).toEqual(
      first.results.map((r) => [r.orderId, r.outcome === 'ignored' ? r.reason : 'already_imported']),
    )
    expect(await db.select().from(payments)).toHaveLength(7)
    expect(await expiryOf(a.mailbox.id)).toBe('2027-06-30')
    expect(await receipts()).toHaveLength(2)
  })

  it('R8: a report that overlaps an earlier one registers only the new slips', async () => {
    const { deps, placed } = await setup(2)
    const [a, b] = placed
    const slipA = { selection: '1', amountCents: 1220, codiceCliente: codiceClienteFor(a.orderId) }
    await importSlips(deps, reportFile([slipA]), ACTOR)
    const slipB = { selection: '2', amountCents: 1220, codiceCliente: codiceClienteFor(b.orderId) }
    const overlapping = await importSlips(deps, reportFile([slipA, slipB]), ACTOR)
    expect(overlapping).toMatchObject({ entries: 2, registered: 1, ignored: 1 })
    expect(overlapping.results.map((r) => [r.orderId, r.outcome, r.reason])).toEqual([
      [a.orderId, 'ignored', 'already_imported'],
      [b.orderId, 'registered', null],
    ])
    expect(await expiryOf(a.mailbox.id)).toBe('2027-06-30')
    expect(await expiryOf(b.mailbox.id)).toBe('2027-06-30')
  })

  it('issue 10/R8: an import stopped half-way is completed by running it again, each slip registered once', async () => {
    const { db, deps, placed } = await setup(3)
    const file = reportFile(placed.map((p, i) => ({ selection: String(i + 1), amountCents: 1220, codiceCliente: codiceClienteFor(p.orderId) })))
    const stopping = new AbortController()
    const { importId } = await storeSlips(deps, file, ACTOR)
    await settleImport(deps, importId, { batchSize: 1, signal: stopping.signal, onProgress: () => stopping.abort() })
    expect(await db.select().from(payments)).toHaveLength(1)
    const rest = await importSlips(deps, file, ACTOR)
    expect(rest).toMatchObject({ entries: 3, registered: 2, ignored: 1 })
    expect(rest.results[0]).toMatchObject({ outcome: 'ignored', reason: 'already_imported', orderId: placed[0].orderId, line: 1 })
    expect(await db.select().from(payments)).toHaveLength(3)
    for (const p of placed) expect(await expiryOf(p.mailbox.id)).toBe('2027-06-30')
  })

  it('refuses a malformed report as a whole before registering anything', async () => {
    const { db, deps, placed } = await setup(1)
    const good = posteRecord({ amountCents: 1220, codiceCliente: codiceClienteFor(placed[0].orderId) })
    const path = join(dir, `report-${++files}.txt`)
    writeFileSync(path, `${good}\r\n${good.slice(0, 120)}\r\n`) // the second record cut short
    await expect(importSlips(deps, path, ACTOR)).rejects.toThrow(PosteReportError)
    await expect(importSlips(deps, path, ACTOR)).rejects.toThrow(/riga 2: record di 120 caratteri/)
    expect(await db.select().from(payments)).toHaveLength(0)
    expect(await expiryOf(placed[0].mailbox.id)).toBe('2026-06-30')
  })

  it('ignores slips credited to another postal account when the account is given', async () => {
    const { db, deps, placed } = await setup(1)
    const file = reportFile([{ account: '000099999999', amountCents: 1220, codiceCliente: codiceClienteFor(placed[0].orderId) }])
    const result = await importSlips(deps, file, { ...ACTOR, postalAccount: '12345678' })
    expect(result).toMatchObject({ entries: 1, ignored: 1, results: [{ outcome: 'ignored', reason: 'other_postal_account' }] })
    expect(await db.select().from(payments)).toHaveLength(0)
  })
})
