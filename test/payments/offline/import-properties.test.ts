import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asc, eq, gt } from 'drizzle-orm'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { addYears, type CalendarDate } from '../../../src/core/calendar'
import { formatOrderId, type OrderId } from '../../../src/core/order-id'
import type { Db } from '../../../src/db/client'
import { auditLog, mailboxes, orders, outbox, paymentReversals, payments, provisioningCommands } from '../../../src/db/schema'
import { importStatement } from '../../../src/flows/imports/import-statement'
import { placeOrder } from '../../../src/renewals/place-order'
import { clockOn, seedConvention, seedMailbox } from '../../support/seed'
import { testDatabases, type OpenTestDatabase, type TestDatabase } from '../../support/databases'
import { testDeps } from '../../support/deps'
import { camtStatement, type EntrySpec } from './statement-builder'

const folder = mkdtempSync(join(tmpdir(), 'statement-properties-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))
let files = 0
const file = (content: string) => {
  const path = join(folder, `s-${++files}.xml`)
  writeFileSync(path, content)
  return path
}

const ORDERS = 4
const EXPIRIES = ['2026-06-30', '2026-07-31', '2026-08-31', '2026-09-30']
const PRICE = 1220

type Move =
  | { kind: 'exact'; k: number; formatted: boolean }
  | { kind: 'typo'; k: number; position: number; character: string }
  | { kind: 'mismatch'; k: number; delta: number }
  | { kind: 'noise' }
  | { kind: 'reversal'; of: number }
  | { kind: 'repeat'; of: number }

const order = fc.integer({ min: 0, max: ORDERS - 1 })
const move: fc.Arbitrary<Move> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('exact' as const), k: order, formatted: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('typo' as const), k: order, position: fc.integer({ min: 0, max: 9 }), character: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('mismatch' as const), k: order, delta: fc.constantFrom(-1219, -20, 1, 1220) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'noise' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reversal' as const), of: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('repeat' as const), of: fc.nat() }) },
)
const moves = fc.array(move, { minLength: 1, maxLength: 24 })

interface Planned {
  spec: EntrySpec
  /** The order the payer meant, when the causale names it exactly; null for typos and noise. */
  intended: number | null
}

/** Turns moves into statement entries for the given order IDs (fresh references from `start`). */
function plan(list: Move[], ids: string[], start = 0): Planned[] {
  const planned: Planned[] = []
  const credits: number[] = []
  list.forEach((m, n) => {
    const ref = `R${start + n}`
    switch (m.kind) {
      case 'exact':
        credits.push(planned.length)
        planned.push({ spec: { amountCents: PRICE, acctSvcrRef: ref, endToEndId: `E2E-${ref}`, remittance: [`RINNOVO ${m.formatted ? formatOrderId(ids[m.k] as never) : ids[m.k]}`] }, intended: m.k })
        break
      case 'typo': {
        const id = ids[m.k]
        if (id[m.position] === m.character) return
        const typed = id.slice(0, m.position) + m.character + id.slice(m.position + 1)
        credits.push(planned.length)
        planned.push({ spec: { amountCents: PRICE, acctSvcrRef: ref, remittance: [`ORDINE ${typed}`] }, intended: null })
        break
      }
      case 'mismatch':
        credits.push(planned.length)
        planned.push({ spec: { amountCents: PRICE + m.delta, acctSvcrRef: ref, remittance: [ids[m.k]] }, intended: m.k })
        break
      case 'noise':
        planned.push({ spec: { amountCents: PRICE, acctSvcrRef: ref, remittance: ['GIROCONTO SALDO'] }, intended: null })
        break
      case 'reversal': {
        if (credits.length === 0) return
        const original = planned[credits[m.of % credits.length]]
        planned.push({
          spec: { ...original.spec, acctSvcrRef: `RV${start + n}`, creditDebit: 'DBIT', reversal: true, remittance: ['STORNO', ...(original.spec.remittance ?? [])] },
          intended: null,
        })
        break
      }
      case 'repeat':
        if (planned.length === 0) return
        planned.push(planned[m.of % planned.length]) // the bank lists the same movement twice
        break
    }
  })
  return planned
}

async function ordersFor(t: TestDatabase) {
  const db = t.database.db
  await seedConvention(db)
  const deps = testDeps(db, clockOn('2026-05-02'))
  const ids: OrderId[] = []
  const mailboxIds: number[] = []
  for (let k = 0; k < ORDERS; k++) {
    const mailbox = await seedMailbox(db, { expiresOn: EXPIRIES[k], address: `prop${k}@pec.example.it` })
    ids.push((await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'bonifico', actor: 'holder:x' })).orderId)
    mailboxIds.push(mailbox.id)
  }
  return { db, deps, ids, mailboxIds }
}

/** R4/R8 invariants: payments only to the order the causale names exactly, each order paid at most once, E moved once. */
async function expectInvariants(db: Db, planned: Planned[], ids: OrderId[], mailboxIds: number[]) {
  const intended = new Map(planned.filter((p) => !p.spec.reversal).map((p) => [`IT60X0542811101000000123456/${p.spec.acctSvcrRef}`, p.intended]))
  const rows = await db.select().from(payments)
  for (const p of rows) {
    const meant = intended.get(p.reference)
    expect(meant).not.toBeUndefined()
    expect(p.orderId).toBe(meant === null ? null : ids[meant!]) // never the wrong order
  }
  // each bank movement stored once
  expect(rows.length).toBe(new Set(planned.filter((p) => !p.spec.reversal).map((p) => p.spec.acctSvcrRef)).size)
  for (let k = 0; k < ORDERS; k++) {
    const paying = rows.filter((p) => p.orderId === ids[k] && p.outcome === 'paid')
    expect(paying.length).toBeLessThanOrEqual(1) // never twice
    const [o] = await db.select().from(orders).where(eq(orders.id, ids[k]))
    const [m] = await db.select().from(mailboxes).where(eq(mailboxes.id, mailboxIds[k]))
    expect(o.status).toBe(paying.length === 1 ? 'paid' : 'open')
    expect(m.expiresOn).toBe(paying.length === 1 ? addYears(EXPIRIES[k] as CalendarDate, 1) : EXPIRIES[k])
  }
}

/** Everything an import writes, without the ids and names that differ between two databases. */
async function normalized(db: Db, sinceAudit: number) {
  const paymentRows = await db.select().from(payments).orderBy(asc(payments.id))
  const refOf = new Map(paymentRows.map((p) => [p.id, p.reference]))
  return {
    payments: paymentRows.map(({ id: _id, receivedAt: _r, ...rest }) => rest),
    reversals: (await db.select().from(paymentReversals).orderBy(asc(paymentReversals.id))).map(({ id: _id, paymentId, ...rest }) => ({ ...rest, payment: refOf.get(paymentId!) })),
    orders: (await db.select().from(orders).orderBy(asc(orders.id))).map((o) => [o.id, o.status, o.extendedFrom, o.newExpiresOn, o.paidAt]),
    mailboxes: (await db.select().from(mailboxes).orderBy(asc(mailboxes.id))).map((m) => [m.id, m.expiresOn, m.status]),
    audit: (await db.select().from(auditLog).where(gt(auditLog.id, sinceAudit)).orderBy(asc(auditLog.id))).map(({ id: _id, paymentId, ...rest }) => ({ ...rest, payment: refOf.get(paymentId!) })),
    outbox: (await db.select().from(outbox).orderBy(asc(outbox.id))).map((m) => {
      const { holderName: _h, ...params } = m.params as Record<string, unknown>
      return [m.template, m.orderId, m.mailboxId, params]
    }),
    commands: await db.$count(provisioningCommands),
  }
}

async function lastAuditId(db: Db) {
  const [row] = await db.select({ id: auditLog.id }).from(auditLog).orderBy(asc(auditLog.id)).limit(1).offset((await db.$count(auditLog)) - 1)
  return row?.id ?? 0
}

describe.each(testDatabases())('%s: statement imports, property-based', (name, open: OpenTestDatabase) => {
  const runs = name === 'pglite' ? 10 : 6

  it('R4/R8: random statements (typos, mismatches, duplicates, reversals) never pay the wrong order, never twice, also imported again or overlapping', async () => {
    await fc.assert(
      fc.asyncProperty(moves, moves, fc.integer({ min: 1, max: 6 }), async (list, more, batchSize) => {
        const t = await open()
        try {
          const { db, deps, ids, mailboxIds } = await ordersFor(t)
          const planned = plan(list, ids)
          const path = file(camtStatement(planned.map((p) => p.spec), { stmtId: 'S1' }))
          await importStatement(deps, path, { actor: 'operator:prop', batchSize })
          await expectInvariants(db, planned, ids, mailboxIds)
          const before = await normalized(db, 0)
          const again = await importStatement(deps, path, { actor: 'operator:prop', batchSize })
          expect(again.registered + again.held + again.duplicates).toBe(0)
          expect(await normalized(db, 0)).toEqual(before)
          // an overlapping statement: the second half of the first, then new movements
          const overlap = [...planned.slice(Math.floor(planned.length / 2)), ...plan(more, ids, 1000)]
          await importStatement(deps, file(camtStatement(overlap.map((p) => p.spec), { stmtId: 'S2', version: 5 })), { actor: 'operator:prop', batchSize })
          await expectInvariants(db, [...planned, ...overlap], ids, mailboxIds)
        } finally {
          await t.close()
        }
      }),
      { numRuns: runs },
    )
  })

  it('R4/R8: the batched registration writes exactly what registerPayment writes entry by entry', async () => {
    await fc.assert(
      fc.asyncProperty(moves, fc.integer({ min: 1, max: 5 }), async (list, batchSize) => {
        const batched = await open()
        const single = await open()
        try {
          const a = await ordersFor(batched)
          const b = await ordersFor(single)
          // the same order IDs in both databases, so the same statement reads the same
          for (let k = 0; k < ORDERS; k++) await b.db.update(orders).set({ id: a.ids[k] }).where(eq(orders.id, b.ids[k]))
          const sinceA = await lastAuditId(a.db)
          const sinceB = await lastAuditId(b.db)
          const path = file(camtStatement(plan(list, a.ids).map((p) => p.spec)))
          const ra = await importStatement(a.deps, path, { actor: 'operator:prop', batchSize })
          const rb = await importStatement(b.deps, path, { actor: 'operator:prop', registration: 'single' })
          expect(ra).toEqual(rb)
          expect(await normalized(a.db, sinceA)).toEqual(await normalized(b.db, sinceB))
        } finally {
          await batched.close()
          await single.close()
        }
      }),
      { numRuns: runs },
    )
  })
})
