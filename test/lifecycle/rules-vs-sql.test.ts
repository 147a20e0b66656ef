import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { addDays, compareDates, parseCalendarDate, type CalendarDate } from '../../src/core/calendar'
import type { OrderId } from '../../src/core/order-id'

const BASE_ACTIVATION = parseCalendarDate('2020-01-01')
import { queryRows, sql, type Db } from '../../src/db/client'
import { accounts, mailboxes, type MailboxStatus } from '../../src/accounts/schema'
import { orders, type OrderStatus, type PaymentMethod } from '../../src/renewals/schema'
import { FNOMCEO_DEMO, saveConvention } from '../../src/catalog/queries'
import { REGISTERS, type Register } from '../../src/core/vocabulary'
import { carriesRegisterWarning, dueReminder, reminderDueOn, type LifecycleConvention } from '../../src/lifecycle/rules'
import { isRenewable, openOrderFacts, renewableUntil } from '../../src/renewals/rules'
import { runLifecycle } from '../../src/lifecycle/run-lifecycle'
import { testDatabases, type TestDatabase } from '../support/databases'
import { testDeps } from '../support/deps'
import { clockOn } from '../support/seed'

/*
 * One source for each rule (issue 10): the daily run's SQL — the dry run's selection and the run
 * itself — against lifecycle/rules.ts (and renewals/rules.ts) over the same random mailboxes,
 * conventions, open orders and dates. The expected outcome below is written from the rules as
 * DESIGN.md states them (R2 with the `last_reminder_due_on` record, R5 "from E + 1", R6 through
 * isRenewable, R7, the open order's facts through openOrderFacts); any difference fails.
 */

const BASE = '2026-01-01' as CalendarDate

interface MailboxCase {
  convention: number
  status: MailboxStatus
  /** E − today, in days. */
  daysLeft: number
  register: Register
  /** What was recorded before: nothing, the reminder of one of the convention's offsets for this E, or any day. */
  lastReminder: { kind: 'none' } | { kind: 'offset'; index: number } | { kind: 'day'; daysBeforeE: number }
  order: { status: OrderStatus; method: PaymentMethod } | null
}

const conventionArb = fc.record({
  reminderOffsetsDays: fc.uniqueArray(fc.integer({ min: 0, max: 70 }), { maxLength: 5 }),
  registerWarningDays: fc.integer({ min: 0, max: 60 }),
  renewableWindowDays: fc.integer({ min: 0, max: 120 }),
})

const mailboxArb: fc.Arbitrary<MailboxCase> = fc.record({
  convention: fc.nat({ max: 1 }),
  status: fc.constantFrom<MailboxStatus>('active', 'active', 'deactivated', 'ceased'),
  daysLeft: fc.oneof(fc.integer({ min: -160, max: 80 }), fc.integer({ min: -3, max: 3 })),
  register: fc.constantFrom(...REGISTERS),
  lastReminder: fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.record({ kind: fc.constant('offset' as const), index: fc.nat({ max: 4 }) }),
    fc.record({ kind: fc.constant('day' as const), daysBeforeE: fc.integer({ min: -5, max: 200 }) }),
  ),
  order: fc.option(
    fc.record({
      status: fc.constantFrom<OrderStatus>('open', 'open', 'paid', 'lapsed'),
      method: fc.constantFrom<PaymentMethod>('card', 'paypal', 'bonifico', 'bollettino'),
    }),
  ),
})

const scenarioArb = fc.record({
  today: fc.integer({ min: 0, max: 3 * 365 }).map((d) => addDays(BASE, d)),
  conventions: fc.array(conventionArb, { minLength: 2, maxLength: 2 }),
  mailboxes: fc.array(mailboxArb, { minLength: 1, maxLength: 30 }),
  batchSize: fc.integer({ min: 1, max: 8 }),
})

type Scenario = (typeof scenarioArb) extends fc.Arbitrary<infer T> ? T : never

interface Seeded {
  address: string
  convention: LifecycleConvention
  status: MailboxStatus
  expiresOn: CalendarDate
  register: Register
  lastReminderDueOn: CalendarDate | null
  order: { id: string; status: OrderStatus; method: PaymentMethod; totalCents: number } | null
}

async function seed(db: Db, scenario: Scenario): Promise<Seeded[]> {
  const conventions: LifecycleConvention[] = scenario.conventions.map((c, i) => ({ code: `C${i}`, ...c }))
  for (const c of conventions) {
    await saveConvention(db, { convention: { ...FNOMCEO_DEMO.convention, ...c, reminderOffsetsDays: [...c.reminderOffsetsDays], name: c.code }, prices: FNOMCEO_DEMO.prices })
  }
  const now = new Date('2026-01-01T00:00:00Z')
  const seeded = scenario.mailboxes.map((m, i): Seeded => {
    const convention = conventions[m.convention]
    const expiresOn = addDays(scenario.today, m.daysLeft)
    const offsets = convention.reminderOffsetsDays
    const last = m.lastReminder
    const lastReminderDueOn =
      last.kind === 'offset' && offsets.length > 0
        ? reminderDueOn(expiresOn, offsets[last.index % offsets.length])
        : last.kind === 'day'
          ? addDays(expiresOn, -last.daysBeforeE)
          : null
    const order = m.order && { id: `ORDER${i}`, status: m.order.status, method: m.order.method, totalCents: 1220 + i }
    return { address: `m${i}@pec.example.it`, convention, status: m.status, expiresOn, register: m.register, lastReminderDueOn, order }
  })
  await db.insert(accounts).values(
    seeded.map((_, i) => ({
      id: `A${i}`, firstName: 'Maria', lastName: `Rossi ${i}`, fiscalCode: 'RSSMRA85T10A562S',
      referenceEmail: `holder${i}@example.it`, language: 'it' as const, createdAt: now, updatedAt: now,
    })),
  )
  const rows = await db
    .insert(mailboxes)
    .values(
      seeded.map((m, i) => ({
        address: m.address, accountId: `A${i}`, conventionCode: m.convention.code, activatedOn: BASE_ACTIVATION,
        expiresOn: m.expiresOn, status: m.status, register: m.register, updatedAt: now,
        deactivatedOn: m.status === 'deactivated' ? m.expiresOn : null,
        ...(m.lastReminderDueOn ? { lastReminderDueOn: m.lastReminderDueOn } : {}),
      })),
    )
    .returning({ id: mailboxes.id, address: mailboxes.address })
  const ids = new Map(rows.map((r) => [r.address, r.id]))
  const withOrders = seeded.flatMap((m, i) => (m.order ? [{ m, i, order: m.order }] : []))
  if (withOrders.length > 0) {
    await db.insert(orders).values(
      withOrders.map(({ m, i, order }) => ({
        id: order.id as OrderId, mailboxId: ids.get(m.address)!, accountId: `A${i}`, status: order.status, years: 1,
        netCents: 1000, vatCents: order.totalCents - 1000, totalCents: order.totalCents, method: order.method,
        billing: { name: 'Maria Rossi', fiscalCode: 'RSSMRA85T10A562S', email: `holder${i}@example.it` },
        placedBy: 'operator:test', placedAt: now, placedOn: BASE,
      })),
    )
  }
  return seeded
}

interface Expected {
  action: 'reminder' | 'deactivate' | 'cease'
  offsetDays: number | null
  skippedOffsets: number[]
  registerWarning: boolean
}

/** What the rules say the run of `today` does to one mailbox, or null. */
function expectedAction(m: Seeded, today: CalendarDate): Expected | null {
  const registered = m.register !== 'none'
  if (m.status !== 'ceased' && !isRenewable(m, m.convention, today)) {
    return { action: 'cease', offsetDays: null, skippedOffsets: [], registerWarning: registered }
  }
  if (m.status !== 'active') return null
  if (compareDates(today, m.expiresOn) > 0) return { action: 'deactivate', offsetDays: null, skippedOffsets: [], registerWarning: registered }
  const { send, skip } = dueReminder(m.convention.reminderOffsetsDays, m.expiresOn, today)
  // R8: recorded before when the mailbox's latest recorded reminder fell due on or after this one
  const notRecorded = (offset: number) => m.lastReminderDueOn === null || compareDates(reminderDueOn(m.expiresOn, offset), m.lastReminderDueOn) > 0
  if (send === null || !notRecorded(send)) return null
  return {
    action: 'reminder',
    offsetDays: send,
    skippedOffsets: skip.filter(notRecorded),
    registerWarning: carriesRegisterWarning(m.register, send, m.convention.registerWarningDays),
  }
}

describe.each(testDatabases())('%s: the daily run selects and writes what lifecycle/rules.ts decides', (_name, open) => {
  let t: TestDatabase | undefined
  afterEach(() => t?.close())

  it('on random mailboxes, conventions, open orders and dates: the dry run, then the run', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        await t?.close()
        t = await open()
        const db = t.database.db
        const seeded = await seed(db, scenario)
        const today = scenario.today
        const deps = testDeps(db, clockOn(today))
        const expected = new Map(seeded.flatMap((m) => {
          const e = expectedAction(m, today)
          return e ? [[m.address, e] as const] : []
        }))

        // The dry run's selection, mailbox by mailbox.
        const preview = await runLifecycle(deps, { date: today, dryRun: true })
        const previewed = new Map(preview.actions!.map(({ address, action, offsetDays, skippedOffsets, registerWarning }) =>
          [address, { action, offsetDays, skippedOffsets, registerWarning }]))
        expect(previewed).toEqual(expected)

        // The run: the same mailboxes change, with the mails the rules describe.
        const run = await runLifecycle(deps, { date: today, batchSize: scenario.batchSize })
        expect(run).toMatchObject({ reminders: preview.reminders, deactivated: preview.deactivated, ceased: preview.ceased, skippedReminders: preview.skippedReminders })
        const after = await queryRows<{ address: string; status: MailboxStatus; template: string | null; params: any; skipped: number[] | null; order_status: string | null }>(
          db,
          sql`SELECT m.address, m.status, ob.template, ob.params,
                     (SELECT array_agg(n.offset_days ORDER BY n.offset_days DESC) FROM notices n WHERE n.mailbox_id = m.id AND n.status = 'skipped') AS skipped,
                     (SELECT o.status FROM orders o WHERE o.mailbox_id = m.id) AS order_status
                FROM mailboxes m LEFT JOIN outbox ob ON ob.mailbox_id = m.id ORDER BY m.id`,
        )
        expect(after).toHaveLength(seeded.length) // at most one mail each
        for (const [i, row] of after.entries()) {
          const m = seeded[i]
          const e = expected.get(m.address)
          const status = e?.action === 'cease' ? 'ceased' : e?.action === 'deactivate' ? 'deactivated' : m.status
          const openOrder = m.order?.status === 'open' && status !== 'ceased'
            ? openOrderFacts(m.order, { status, expiresOn: m.expiresOn }, m.convention)
            : null
          const template = e && { reminder: 'reminder', deactivate: 'deactivation', cease: 'cessation' }[e.action]
          const mail =
            e?.action === 'reminder'
              ? { offsetDays: e.offsetDays, registerWarning: e.registerWarning, openOrder }
              : e?.action === 'deactivate'
                ? { renewableUntil: renewableUntil(m.expiresOn, m.convention.renewableWindowDays), openOrder }
                : e?.action === 'cease'
                  ? { ceasedOn: today }
                  : undefined
          expect({ address: row.address, status: row.status, template: row.template, skipped: row.skipped ?? [], orderStatus: row.order_status }).toEqual({
            address: m.address,
            status,
            template: template ?? null,
            skipped: e?.skippedOffsets ?? [],
            orderStatus: m.order ? (e?.action === 'cease' && m.order.status === 'open' ? 'lapsed' : m.order.status) : null,
          })
          if (mail) expect(row.params).toMatchObject({ mailbox: m.address, expiresOn: m.expiresOn, register: m.register, ...mail })
        }
      }),
      { numRuns: 25 },
    )
  }, 300_000)
})
