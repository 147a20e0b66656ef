import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asc, eq } from 'drizzle-orm'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { businessDate } from '../../src/core/calendar'
import { newOrderId } from '../../src/core/order-id'
import { openDatabase, queryRows, sql, type Database, type Db } from '../../src/db/client'
import { orders, outbox, payments, statementBatches, statementImports } from '../../src/db/schema'
import { insertBulkMailboxes } from '../../src/demo/bulk-mailboxes'
import { importStatement, storeStatement } from '../../src/flows/imports/import-statement'
import { reportImport } from '../../src/flows/imports/report-import'
import { settleImport, type ImportProgress } from '../../src/flows/imports/settle-import'
import { registerPayment } from '../../src/flows/register-payment'
import { placeOrder } from '../../src/renewals/place-order'
import { runCli, startCli } from '../cli/run-cli'
import { camtStatement, type EntrySpec } from '../payments/offline/statement-builder'
import { lockGate } from '../renewals/lock-gate'
import { postgresOnly, testDatabases, type TestDatabase } from '../support/databases'
import { TEST_SESSION_SECRET, TEST_OFFICE_TOTP_KEY } from '../support/config'
import { testDeps } from '../support/deps'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'

const folder = mkdtempSync(join(tmpdir(), 'settle-import-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))
let files = 0
function file(content: string): string {
  const path = join(folder, `statement-${process.pid}-${++files}.xml`)
  writeFileSync(path, content)
  return path
}

const actor = 'operator:anna'

/** `count` mailboxes, each with an open order of 12.20 €, on `db`. */
async function ordersOn(db: Db, count: number) {
  await seedConvention(db)
  const clock = clockOn('2026-05-02')
  const deps = testDeps(db, clock)
  const placed = []
  for (let i = 0; i < count; i++) {
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30' })
    placed.push({ mailbox, id: (await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'bonifico', actor: 'holder:x' })).orderId })
  }
  return { deps, clock, placed }
}

const pays = (id: string, ref: string): EntrySpec => ({ amountCents: 1220, acctSvcrRef: ref, remittance: [id] })

async function paidOrders(db: Db) {
  return (await db.select({ id: orders.id }).from(orders).where(eq(orders.status, 'paid'))).length
}

describe.each(testDatabases())('%s: settling an import in batches', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('issue 10: each batch is its own transaction, recording its results and the import’s progress; progress is reported after each (entries settled of total)', async () => {
    t = await open()
    const db = t.database.db
    const { deps, placed } = await ordersOn(db, 4)
    const [a, b, c, d] = placed
    const entries: EntrySpec[] = [pays(a.id, 'R1'), pays(b.id, 'R2'), { ...pays(c.id, 'R3'), status: 'PDNG' }, pays(a.id, 'R4'), pays(c.id, 'R5'), pays(d.id, 'R6'), pays(d.id, 'R7')]
    const progress: ImportProgress[] = []
    const result = await importStatement(deps, file(camtStatement(entries)), { actor, batchSize: 3, onProgress: (p) => void progress.push(p) })

    expect(progress.filter((p) => p.phase === 'settling')).toEqual([
      { phase: 'settling', settled: 3, entries: 7 },
      { phase: 'settling', settled: 6, entries: 7 },
      { phase: 'settling', settled: 7, entries: 7 },
    ])
    expect(progress[0]).toEqual({ phase: 'storing', stored: 7 }) // stored whole before anything settles
    expect(result.results.map((r) => [r.entryRef, r.outcome])).toEqual([
      ['R1', 'registered'],
      ['R2', 'registered'],
      ['R3', 'ignored'],
      ['R4', 'duplicate'],
      ['R5', 'registered'],
      ['R6', 'registered'],
      ['R7', 'duplicate'],
    ])
    const batches = await db.select().from(statementBatches).orderBy(asc(statementBatches.first))
    expect(batches.map((b) => [b.first, b.count])).toEqual([
      [0, 3],
      [3, 3],
      [6, 1],
    ])
    const [row] = await db.select().from(statementImports)
    expect(row).toMatchObject({ entries: 7, settled: 7, registered: 4, duplicates: 2, ignored: 1, held: 0, actor })
    expect(row.settledAt).not.toBeNull()
  })

  it('issue 10/R8: an import stopped after a batch is completed by importing the same file again, registering nothing twice', async () => {
    t = await open()
    const db = t.database.db
    const { deps, placed } = await ordersOn(db, 4)
    const [a, b, c, d] = placed
    const path = file(camtStatement([pays(a.id, 'R1'), pays(b.id, 'R2'), pays(a.id, 'R3'), pays(c.id, 'R4'), pays(d.id, 'R5'), pays(c.id, 'R6')]))
    // the process stops once the first batch is committed, as a crash between batches would leave it
    const stopping = new AbortController()
    const { importId } = await storeStatement(deps, path, { actor })
    await settleImport(deps, importId, { batchSize: 2, signal: stopping.signal, onProgress: () => stopping.abort() })
    expect((await db.select().from(statementImports))[0]).toMatchObject({ entries: 6, settled: 2, settledAt: null })
    expect([await db.$count(payments), await paidOrders(db)]).toEqual([2, 2])

    const again = await importStatement(deps, path, { actor, batchSize: 2 })
    // what this run did: the rest; what the stopped run did is already imported
    expect(again.results.map((r) => [r.entryRef, r.outcome, r.reason])).toEqual([
      ['R1', 'ignored', 'already_imported'],
      ['R2', 'ignored', 'already_imported'],
      ['R3', 'duplicate', 'order_already_paid'],
      ['R4', 'registered', null],
      ['R5', 'registered', null],
      ['R6', 'duplicate', 'order_already_paid'],
    ])
    // the import as a whole: every entry once, as if never stopped
    expect((await reportImport(db, importId)).results.map((r) => r.outcome)).toEqual(['registered', 'registered', 'duplicate', 'registered', 'registered', 'duplicate'])
    expect([await db.$count(payments), await paidOrders(db), await db.$count(outbox)]).toEqual([6, 4, 4])
    expect(await db.$count(statementImports)).toBe(1) // the same file is the same import
  })

  it('issue 10: a webhook for an order further down the file registers between two batches, not after the whole file; the entry then finds the order paid', async () => {
    t = await open()
    const db = t.database.db
    const { deps, placed } = await ordersOn(db, 3)
    const [a, b, c] = placed
    let webhook: Awaited<ReturnType<typeof registerPayment>> | undefined
    let settledWhenPaid = -1
    const result = await importStatement(deps, file(camtStatement([pays(a.id, 'R1'), pays(b.id, 'R2'), pays(c.id, 'R3')])), {
      actor,
      batchSize: 1,
      // the import goes on only once the webhook is registered: it would never be, were it to wait for the file
      onProgress: async (p) => {
        if (p.phase !== 'settling' || webhook) return
        webhook = await registerPayment(deps, { orderRef: c.id, amountCents: 1220, method: 'card', reference: 'pi_c', actor: 'gateway:sandbox' })
        settledWhenPaid = p.settled
      },
    })
    expect(webhook).toMatchObject({ outcome: 'paid', orderId: c.id, replayed: false })
    expect(settledWhenPaid).toBe(1) // one entry of three settled
    expect(result.results.map((r) => [r.entryRef, r.outcome, r.reason])).toEqual([
      ['R1', 'registered', null],
      ['R2', 'registered', null],
      ['R3', 'duplicate', 'order_already_paid'], // R4: never a second extension
    ])
    expect(await db.$count(outbox)).toBe(3)
  })
})

describe.each(postgresOnly())('%s: settling an import beside other transactions', (_name, open) => {
  let t: TestDatabase
  let connections: Database[] = []
  afterEach(async () => {
    for (const connection of connections) await connection.close()
    connections = []
    await t?.close()
  })

  it('issue 10: a batch stops before an order another transaction holds (SKIP LOCKED), commits what comes before it, then waits for that order alone', async () => {
    t = await open()
    const db = t.database.db
    const { clock, placed } = await ordersOn(db, 4)
    const path = file(camtStatement(placed.map((p, i) => pays(p.id, `R${i}`))))
    connections = [await openDatabase(t.url!)]
    const deps = testDeps(connections[0].db, clock)
    // a webhook's transaction holds the third order's mailbox
    const gate = await lockGate(t.url!, placed[2].mailbox.id)
    const importing = importStatement(deps, path, { actor, batchSize: 100 })
    await gate.queued(1) // the import waits, and only for that mailbox
    const [progress] = await queryRows<{ settled: number }>(db, sql`SELECT settled FROM statement_imports`)
    expect(progress.settled).toBe(2) // the two entries before it are settled and committed, seen from another connection
    expect(await paidOrders(db)).toBe(2)
    await gate.release()
    const result = await importing
    expect(result).toMatchObject({ registered: 4 })
    expect(await paidOrders(db)).toBe(4)
    expect(await db.select({ first: statementBatches.first, count: statementBatches.count }).from(statementBatches).orderBy(asc(statementBatches.first))).toEqual([
      { first: 0, count: 2 },
      { first: 2, count: 2 },
    ])
  })

  it('R8: a statements import killed mid-settlement (kill -9), then run again: every payment, renewal and mail exactly once', async () => {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const count = 600
    const today = businessDate(new Date())
    await insertBulkMailboxes(db, { count, today, fromDays: 30, toDays: 365 })
    const ids = new Set<string>()
    while (ids.size < count) ids.add(newOrderId())
    await db.execute(sql`INSERT INTO orders (id, mailbox_id, account_id, status, years, net_cents, vat_cents, total_cents, method, billing, placed_by, placed_at, placed_on)
      SELECT v.id, m.id, m.account_id, 'open', 1, 1000, 220, 1220, 'bonifico', '{}'::jsonb, 'holder:x', now(), ${today}::date
        FROM jsonb_array_elements_text(${JSON.stringify([...ids])}::jsonb) WITH ORDINALITY AS v(id, n)
        JOIN mailboxes m ON m.address = 'casella' || v.n || '@pec.example.it'`)
    // every order paid once; every tenth paid a second time (a duplicate to refund)
    const entries = [...ids].flatMap((id, i) => (i % 10 === 9 ? [pays(id, `K${i}`), pays(id, `KD${i}`)] : [pays(id, `K${i}`)]))
    const path = file(camtStatement(entries))
    const env = { DATABASE_URL: t.url!, SESSION_SECRET: TEST_SESSION_SECRET, OFFICE_TOTP_KEY: TEST_OFFICE_TOTP_KEY, PEC_OPERATOR: 'anna' }

    const run = startCli(['statements', 'import', path, '--batch-size', '10', '--json'], env)
    // kill once some batches are committed, long before the import can finish
    for (;;) {
      if ((await db.$count(statementBatches)) >= 2) break
      if (run.child.exitCode !== null) throw new Error(`the import ended before it could be killed: ${(await run.done).stderr}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    run.child.kill('SIGKILL')
    expect((await run.done).code).toBeNull() // died by the signal
    const [partial] = await db.select().from(statementImports)
    expect(partial.settled).toBeGreaterThan(0)
    expect(partial.settled).toBeLessThan(entries.length)

    const again = await runCli(['statements', 'import', path, '--json'], env)
    expect(again.code, again.stderr).toBe(0)
    const report = JSON.parse(again.stdout)
    expect(report.entries).toBe(entries.length)
    expect(report.registered + report.duplicates).toBeLessThan(entries.length) // what the killed run settled is already imported
    const [whole] = await db.select().from(statementImports)
    expect(whole).toMatchObject({ settled: entries.length, registered: count, duplicates: count / 10, held: 0, ignored: 0 })
    expect([await db.$count(payments), await paidOrders(db), await db.$count(outbox)]).toEqual([entries.length, count, count])
    const [dupes] = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM (SELECT order_id FROM outbox GROUP BY order_id HAVING count(*) > 1) d`)
    expect(dupes.n).toBe(0)
  })
})
