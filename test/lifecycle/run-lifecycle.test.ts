import { afterEach, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { addDays, businessDate, parseCalendarDate as day, type CalendarDate } from '../../src/core/calendar'
import { ManualClock } from '../../src/core/clock'
import { openDatabase, queryRows, sql, type Db } from '../../src/db/client'
import { mailboxes } from '../../src/accounts/schema'
import { runLifecycle } from '../../src/lifecycle/run-lifecycle'
import { placeOrder } from '../../src/renewals/place-order'
import { registerPayment } from '../../src/flows/register-payment'
import { postgresOnly, testDatabases, type TestDatabase } from '../support/databases'
import { testDeps } from '../support/deps'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'

async function outboxRows(db: Db) {
  return queryRows<{ template: string; mailbox_id: number; params: any; recipient: string; language: string }>(
    db,
    sql`SELECT template, mailbox_id, params, recipient, language FROM outbox ORDER BY id`,
  )
}

async function noticesOf(db: Db, mailboxId: number) {
  return queryRows<{ kind: string; offset_days: number; status: string; run_date: string }>(
    db,
    sql`SELECT kind, offset_days, status, run_date FROM notices WHERE mailbox_id = ${mailboxId} ORDER BY id`,
  )
}

async function statusOf(db: Db, id: number) {
  const [row] = await db.select().from(mailboxes).where(eq(mailboxes.id, id))
  return row
}

describe.each(testDatabases())('%s: the daily lifecycle run', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  async function setup(today: string) {
    t = await open()
    await seedConvention(t.database.db)
    const clock = clockOn(today)
    return { db: t.database.db, clock, deps: testDeps(t.database.db, clock) }
  }

  /** Runs the lifecycle once a day from `from` to `to`, as the scheduler would. */
  async function runDaily(deps: ReturnType<typeof testDeps>, clock: ManualClock, from: string, to: string) {
    for (let d = day(from); d <= to; d = addDays(d, 1)) {
      clock.set(clockOn(d, '00:30').now())
      await runLifecycle(deps, { date: businessDate(clock.now()) })
    }
  }

  it('R2: sends each reminder at its offset, once, over a quarter of daily runs', async () => {
    const { db, clock, deps } = await setup('2026-04-01')
    const mailbox = await seedMailbox(db, { expiresOn: '2026-07-01' })
    await runDaily(deps, clock, '2026-04-01', '2026-07-01')
    const sent = await noticesOf(db, mailbox.id)
    expect(sent).toEqual([
      { kind: 'reminder', offset_days: 60, status: 'queued', run_date: '2026-05-02' },
      { kind: 'reminder', offset_days: 30, status: 'queued', run_date: '2026-06-01' },
      { kind: 'reminder', offset_days: 15, status: 'queued', run_date: '2026-06-16' },
      { kind: 'reminder', offset_days: 7, status: 'queued', run_date: '2026-06-24' },
      { kind: 'reminder', offset_days: 1, status: 'queued', run_date: '2026-06-30' },
    ])
    const mails = await outboxRows(db)
    expect(mails.map((m) => [m.template, m.params.offsetDays])).toEqual([
      ['reminder', 60], ['reminder', 30], ['reminder', 15], ['reminder', 7], ['reminder', 1],
    ])
    expect(mails[0].params).toMatchObject({ mailbox: mailbox.address, expiresOn: '2026-07-01', openOrder: null, registerWarning: false })
    expect(mails[0].recipient).toMatch(/@example\.it$/)
  })

  it('R2/R4: after a renewal the reminders start again for the new expiry date', async () => {
    const { db, deps } = await setup('2026-06-24')
    const mailbox = await seedMailbox(db, { expiresOn: '2026-07-01' })
    expect(await runLifecycle(deps, { date: day('2026-06-24') })).toMatchObject({ reminders: 1 }) // the 7-day one
    const order = await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'card', actor: 'operator:test' })
    await registerPayment(deps, { orderRef: order.orderId, amountCents: order.totalCents, method: 'card', reference: 'tx-1', actor: 'gateway:test' })
    expect(await runLifecycle(deps, { date: day('2026-06-30') })).toMatchObject({ reminders: 0, deactivated: 0 })
    expect(await runLifecycle(deps, { date: day('2027-05-01') })).toMatchObject({ reminders: 0 })
    expect(await runLifecycle(deps, { date: day('2027-05-02') })).toMatchObject({ reminders: 1, skippedReminders: 0 })
    const sent = (await noticesOf(db, mailbox.id)).filter((n) => n.status === 'queued')
    expect(sent.map((n) => [n.offset_days, n.run_date])).toEqual([[7, '2026-06-24'], [60, '2027-05-02']])
  })

  it('R2: after missed runs sends only the nearest offset and records the older ones as skipped', async () => {
    const { db, deps } = await setup('2026-06-20')
    const mailbox = await seedMailbox(db, { expiresOn: '2026-07-01' })
    const first = await runLifecycle(deps, { date: day('2026-06-20') })
    expect(first).toMatchObject({ reminders: 1, skippedReminders: 2 })
    const again = await runLifecycle(deps, { date: day('2026-06-20') })
    expect(again).toMatchObject({ reminders: 0, skippedReminders: 0, deactivated: 0 })
    expect(await noticesOf(db, mailbox.id)).toEqual([
      { kind: 'reminder', offset_days: 15, status: 'queued', run_date: '2026-06-20' },
      { kind: 'reminder', offset_days: 60, status: 'skipped', run_date: '2026-06-20' },
      { kind: 'reminder', offset_days: 30, status: 'skipped', run_date: '2026-06-20' },
    ])
    expect(await outboxRows(db)).toHaveLength(1)
  })

  it.each([
    ['spring forward', '2026-03-29'],
    ['fall back', '2026-10-25'],
  ])('R5: deactivates on E + 1 in Europe/Rome around the %s of %s', async (_label, expiry) => {
    const { db, clock, deps } = await setup(expiry)
    const mailbox = await seedMailbox(db, { expiresOn: expiry })
    // 23:59 local on E: still the expiry day, the mailbox works through the whole of it.
    clock.set(clockOn(expiry, '23:59').now())
    expect(businessDate(clock.now())).toBe(expiry)
    await runLifecycle(deps, { date: businessDate(clock.now()) })
    expect((await statusOf(db, mailbox.id)).status).toBe('active')
    // 00:00:30 local on E + 1 (still the previous day in UTC): deactivated.
    clock.set(new Date(clockOn(addDays(day(expiry), 1), '00:00').now().getTime() + 30_000))
    expect(clock.now().toISOString().slice(0, 10)).toBe(expiry)
    const result = await runLifecycle(deps, { date: businessDate(clock.now()) })
    expect(result.deactivated).toBe(1)
    const after = await statusOf(db, mailbox.id)
    expect(after).toMatchObject({ status: 'deactivated', deactivatedOn: addDays(day(expiry), 1), expiresOn: expiry })
    const audit = await queryRows<{ actor: string; action: string }>(db, sql`SELECT actor, action FROM audit_log WHERE mailbox_id = ${mailbox.id}`)
    expect(audit).toEqual([{ actor: 'system:lifecycle', action: 'mailbox.deactivated' }])
    const commands = await queryRows<{ action: string }>(db, sql`SELECT action FROM provisioning_commands WHERE mailbox_id = ${mailbox.id}`)
    expect(commands).toEqual([{ action: 'disable' }])
    const mails = (await outboxRows(db)).filter((m) => m.template === 'deactivation')
    expect(mails).toHaveLength(1)
    expect(mails[0].params).toMatchObject({ renewableUntil: addDays(day(expiry), 90) })
    expect((await runLifecycle(deps, { date: businessDate(clock.now()) })).deactivated).toBe(0)
  })

  it('R6: ceases after the renewable window, lapses the open order, deletes on the platform', async () => {
    const { db, deps } = await setup('2026-05-01')
    const mailbox = await seedMailbox(db, { expiresOn: '2026-01-31', status: 'deactivated', deactivatedOn: '2026-02-01' })
    await db.execute(sql`INSERT INTO orders (id, mailbox_id, account_id, years, net_cents, vat_cents, total_cents, method, billing, placed_by, placed_at, placed_on)
      VALUES ('ACDE3469' || '00', ${mailbox.id}, ${mailbox.accountId}, 1, 1000, 220, 1220, 'bonifico', '{}'::jsonb, 'operator:test', now(), '2026-01-20')`)
    expect(await runLifecycle(deps, { date: day('2026-05-01') })).toMatchObject({ ceased: 0 })
    expect(await runLifecycle(deps, { date: day('2026-05-02') })).toMatchObject({ ceased: 1 })
    expect(await statusOf(db, mailbox.id)).toMatchObject({ status: 'ceased', ceasedOn: '2026-05-02' })
    const [order] = await queryRows<{ status: string }>(db, sql`SELECT status FROM orders WHERE mailbox_id = ${mailbox.id}`)
    expect(order.status).toBe('lapsed')
    const audit = await queryRows<{ action: string }>(db, sql`SELECT action FROM audit_log WHERE mailbox_id = ${mailbox.id} ORDER BY action`)
    expect(audit.map((a) => a.action)).toEqual(['mailbox.ceased', 'order.lapsed'])
    const commands = await queryRows<{ action: string }>(db, sql`SELECT action FROM provisioning_commands`)
    expect(commands).toEqual([{ action: 'delete' }])
    expect((await outboxRows(db)).map((m) => m.template)).toEqual(['cessation'])
    expect(await runLifecycle(deps, { date: day('2026-05-03') })).toMatchObject({ ceased: 0 })
  })

  it('R7: registered mailboxes carry the register warning in the last reminders and the deactivation notice', async () => {
    const { db, clock, deps } = await setup('2026-04-01')
    const registered = await seedMailbox(db, { expiresOn: '2026-06-15', register: 'ini_pec' })
    await seedMailbox(db, { expiresOn: '2026-06-15' })
    await runDaily(deps, clock, '2026-04-16', '2026-06-16')
    const mails = (await outboxRows(db)).filter((m) => m.mailbox_id === registered.id)
    expect(mails.map((m) => [m.template, m.params.offsetDays ?? null, m.params.registerWarning ?? null])).toEqual([
      ['reminder', 60, false],
      ['reminder', 30, true],
      ['reminder', 15, true],
      ['reminder', 7, true],
      ['reminder', 1, true],
      ['deactivation', null, null],
    ])
    expect(mails[5].params.register).toBe('ini_pec')
  })

  it('R2: a reminder names the open unpaid order with its amount and pay-by date', async () => {
    const { db, deps } = await setup('2026-06-01')
    const mailbox = await seedMailbox(db, { expiresOn: '2026-07-01', language: 'en' })
    await db.execute(sql`INSERT INTO orders (id, mailbox_id, account_id, years, net_cents, vat_cents, total_cents, method, billing, placed_by, placed_at, placed_on)
      VALUES ('ACDE346900', ${mailbox.id}, ${mailbox.accountId}, 1, 1000, 220, 1220, 'bonifico', '{}'::jsonb, 'operator:test', now(), '2026-05-20')`)
    await runLifecycle(deps, { date: day('2026-06-01') })
    const [mail] = await outboxRows(db)
    expect(mail.language).toBe('en')
    expect(mail.params.openOrder).toEqual({ orderId: 'ACDE346900', totalCents: 1220, method: 'bonifico', payBy: '2026-06-28' })
  })

  it('--dry-run lists what it would do and changes nothing', async () => {
    const { db, deps } = await setup('2026-06-20')
    await seedMailbox(db, { expiresOn: '2026-07-01', address: 'a@pec.example.it' })
    await seedMailbox(db, { expiresOn: '2026-06-19', address: 'b@pec.example.it', register: 'registro_imprese' })
    await seedMailbox(db, { expiresOn: '2026-01-01', address: 'c@pec.example.it', status: 'deactivated' })
    const preview = await runLifecycle(deps, { date: day('2026-06-20'), dryRun: true })
    expect(preview).toMatchObject({ reminders: 1, deactivated: 1, ceased: 1, skippedReminders: 2, registerWarnings: 1 })
    expect(preview.actions!.map((a) => [a.address, a.action, a.offsetDays])).toEqual([
      ['c@pec.example.it', 'cease', null],
      ['b@pec.example.it', 'deactivate', null],
      ['a@pec.example.it', 'reminder', 15],
    ])
    const [counts] = await queryRows<{ n: number }>(db, sql`SELECT (SELECT count(*) FROM notices) + (SELECT count(*) FROM outbox) + (SELECT count(*) FROM audit_log) AS n`)
    expect(Number(counts.n)).toBe(0)
    const real = await runLifecycle(deps, { date: day('2026-06-20') })
    expect(real).toMatchObject({ reminders: 1, deactivated: 1, ceased: 1, skippedReminders: 2, registerWarnings: 1 })
  })

  it('works through batches larger than one', async () => {
    const { db, deps } = await setup('2026-06-20')
    for (let i = 0; i < 7; i++) await seedMailbox(db, { expiresOn: '2026-07-01' })
    for (let i = 0; i < 5; i++) await seedMailbox(db, { expiresOn: '2026-06-01' })
    const result = await runLifecycle(deps, { date: day('2026-06-20'), batchSize: 2 })
    expect(result).toMatchObject({ reminders: 7, deactivated: 5 })
    expect(await runLifecycle(deps, { date: day('2026-06-20'), batchSize: 2 })).toMatchObject({ reminders: 0, deactivated: 0 })
  })
})

describe.each(postgresOnly())('%s: concurrent lifecycle runs', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('R8: two runs of the same date started together produce each reminder and deactivation once', async () => {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    for (let i = 0; i < 60; i++) await seedMailbox(db, { expiresOn: addDays(day('2026-06-20'), (i % 40) - 5) })
    const today: CalendarDate = day('2026-06-20')
    const [a, b] = [await openDatabase(t.url!), await openDatabase(t.url!)]
    try {
      const clock = clockOn(today)
      const [ra, rb] = await Promise.all([
        runLifecycle(testDeps(a.db, clock), { date: today, batchSize: 3 }),
        runLifecycle(testDeps(b.db, clock), { date: today, batchSize: 3 }),
      ])
      const solo = await runLifecycle(testDeps(db, clock), { date: today, dryRun: true })
      expect(solo).toMatchObject({ reminders: 0, deactivated: 0 })
      const [counts] = await queryRows<{ reminders: number; deactivations: number; mails: number; audits: number; dupes: number }>(
        db,
        sql`SELECT (SELECT count(*) FROM notices WHERE kind = 'reminder' AND status = 'queued')::int AS reminders,
                   (SELECT count(*) FROM notices WHERE kind = 'deactivation')::int AS deactivations,
                   (SELECT count(*) FROM outbox)::int AS mails,
                   (SELECT count(*) FROM audit_log)::int AS audits,
                   (SELECT count(*) FROM (SELECT mailbox_id FROM outbox GROUP BY mailbox_id, template HAVING count(*) > 1) d)::int AS dupes`,
      )
      expect(counts.deactivations).toBe(ra.deactivated + rb.deactivated)
      expect(counts.reminders).toBe(ra.reminders + rb.reminders)
      expect(counts.deactivations).toBe(10) // offsets −5…−1, two mailboxes each
      expect(counts.mails).toBe(counts.reminders + counts.deactivations)
      expect(counts.audits).toBe(counts.deactivations)
      expect(counts.dupes).toBe(0)
    } finally {
      await a.close()
      await b.close()
    }
  })
})
