import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { eq } from 'drizzle-orm'
import type { ManualClock } from '../../src/core/clock'
import { openDatabase, type Database, type Db } from '../../src/db/client'
import type { Deps } from '../../src/deps'
import { dispatchOutbox, retryDelayMs, startOutboxDispatcher } from '../../src/notifications/dispatch-outbox'
import { listOutbox } from '../../src/notifications/list-outbox'
import { mailContext } from '../../src/notifications/mail-context'
import type { OutgoingMail } from '../../src/notifications/mail-types'
import { enqueueMail } from '../../src/notifications/outbox'
import { outbox } from '../../src/notifications/schema'
import { smtpTransport, type MailMessage, type MailTransport } from '../../src/notifications/transport'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn } from '../support/seed'
import { startSmtpSink, type SmtpSink } from './support/smtp-sink'

const context = mailContext('https://rinnovi.example.it')
const FROM = 'PEC Rinnovi <rinnovi@example.it>'

function reminderTo(recipient: string, mailbox = 'maria.rossi@pec.example.it'): OutgoingMail<'reminder'> {
  return {
    template: 'reminder',
    language: 'it',
    recipient,
    params: {
      holderName: 'Maria Rossi',
      mailbox,
      expiresOn: '2026-06-30',
      offsetDays: 30,
      register: 'none',
      registerWarning: false,
      openOrder: { orderId: 'K7MR4DXP52', totalCents: 1220, method: 'bonifico', payBy: '2026-06-24' },
    },
  }
}

const paymentReceivedTo = (recipient: string): OutgoingMail<'payment_received'> => ({
  template: 'payment_received',
  language: 'en',
  recipient,
  params: {
    holderName: 'John Smith',
    mailbox: 'john.smith@pec.example.it',
    orderId: 'K7MR4DXP52',
    amountCents: 1220,
    method: 'card',
    newExpiresOn: '2027-06-30',
    reactivated: false,
  },
})

async function rowOf(db: Db, id: number) {
  const [row] = await db.select().from(outbox).where(eq(outbox.id, id))
  return row
}

describe.each(testDatabases())('%s: dispatchOutbox', (_name, open) => {
  let t: TestDatabase
  let sink: SmtpSink
  let clock: ManualClock
  let deps: Deps
  const transports: MailTransport[] = []
  const extraDatabases: Database[] = []

  const transport = () => {
    const created = smtpTransport(sink.url, FROM, { allowInsecureTls: true })
    transports.push(created)
    return created
  }

  beforeEach(async () => {
    t = await open()
    sink = await startSmtpSink()
    clock = clockOn('2026-05-01')
    deps = { db: t.database.db, clock, config: { publicUrl: context.publicUrl, businessTimeZone: 'Europe/Rome' } }
  })

  afterEach(async () => {
    for (const created of transports.splice(0)) await created.close?.()
    for (const database of extraDatabases.splice(0)) await database.close()
    await sink?.close()
    await t?.close()
  })

  it('R8: sends each due mail once, with its headers and both bodies, and records it as sent', async () => {
    const first = await enqueueMail(t.database.db, reminderTo('holder1@example.it'), clock.now())
    const second = await enqueueMail(t.database.db, paymentReceivedTo('holder2@example.it'), clock.now())
    const later = await enqueueMail(t.database.db, reminderTo('holder3@example.it'), new Date(clock.now().getTime() + 3_600_000))

    const smtp = transport()
    expect(await dispatchOutbox(deps, smtp, context)).toEqual({ sent: 2, retried: 0, failed: 0 })
    expect(await dispatchOutbox(deps, smtp, context)).toEqual({ sent: 0, retried: 0, failed: 0 })

    expect(sink.received).toHaveLength(2)
    const reminder = sink.received.find((r) => r.envelopeTo[0] === 'holder1@example.it')!
    expect(reminder.envelopeFrom).toBe('rinnovi@example.it')
    expect(reminder.mail.from?.value).toEqual([{ name: 'PEC Rinnovi', address: 'rinnovi@example.it' }])
    expect(reminder.mail.to && !Array.isArray(reminder.mail.to) && reminder.mail.to.text).toBe('holder1@example.it')
    expect(reminder.mail.subject).toBe('La casella PEC maria.rossi@pec.example.it scade il 30 giugno 2026')
    expect(reminder.mail.messageId).toMatch(new RegExp(`^<outbox-${first}\\.[0-9a-z]+@rinnovi\\.example\\.it>$`))
    expect(reminder.mail.text).toContain('K7MR-4DXP-52')
    expect(reminder.mail.html).toContain('IT44 T099 9901 0000 0000 0123 456')

    const payment = sink.received.find((r) => r.envelopeTo[0] === 'holder2@example.it')!
    expect(payment.mail.subject).toBe('Payment received: your PEC mailbox john.smith@pec.example.it is renewed until 30 June 2027')
    expect(payment.mail.text).toContain('€12.20')

    const sentRow = await rowOf(t.database.db, first)
    expect(sentRow).toMatchObject({ status: 'sent', attempts: 1, lastError: null, messageId: reminder.mail.messageId })
    expect(sentRow.sentAt).toEqual(clock.now())
    expect((await rowOf(t.database.db, second)).status).toBe('sent')
    expect(await rowOf(t.database.db, later)).toMatchObject({ status: 'pending', attempts: 0 })

    const listed = await listOutbox(t.database.db)
    expect(listed.map((r) => [r.id, r.status])).toEqual([
      [later, 'pending'],
      [second, 'sent'],
      [first, 'sent'],
    ])
    expect(listed[2].subject).toBe(reminder.mail.subject)
    expect(await listOutbox(t.database.db, { status: 'pending' })).toHaveLength(1)
  })

  it('R8: an SMTP 4xx answer is retried after the backoff, then the mail goes out once', async () => {
    const id = await enqueueMail(t.database.db, reminderTo('greylisted@example.it'), clock.now())
    sink.answerRecipients(() => ({ code: 451, message: 'Greylisted, try again later' }))
    const smtp = transport()

    expect(await dispatchOutbox(deps, smtp, context)).toEqual({ sent: 0, retried: 1, failed: 0 })
    const deferred = await rowOf(t.database.db, id)
    expect(deferred).toMatchObject({ status: 'pending', attempts: 1 })
    expect(deferred.lastError).toMatch(/451/)
    expect(deferred.nextAttemptAt).toEqual(new Date(clock.now().getTime() + retryDelayMs(1)))

    sink.answerRecipients(() => null)
    expect(await dispatchOutbox(deps, smtp, context)).toEqual({ sent: 0, retried: 0, failed: 0 }) // not due yet
    clock.advanceMs(retryDelayMs(1))
    expect(await dispatchOutbox(deps, smtp, context)).toEqual({ sent: 1, retried: 0, failed: 0 })

    expect(sink.received).toHaveLength(1)
    expect(await rowOf(t.database.db, id)).toMatchObject({ status: 'sent', attempts: 2, lastError: null })
  })

  it('an SMTP 5xx answer fails the mail for good, with the server’s error', async () => {
    const id = await enqueueMail(t.database.db, reminderTo('nobody@example.it'), clock.now())
    const ok = await enqueueMail(t.database.db, reminderTo('somebody@example.it'), clock.now())
    sink.answerRecipients((to) => (to === 'nobody@example.it' ? { code: 550, message: 'No such user here' } : null))

    expect(await dispatchOutbox(deps, transport(), context)).toEqual({ sent: 1, retried: 0, failed: 1 })
    const failed = await rowOf(t.database.db, id)
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, sentAt: null })
    expect(failed.lastError).toMatch(/550.*No such user here/)
    expect((await rowOf(t.database.db, ok)).status).toBe('sent')

    clock.advanceMs(24 * 3_600_000)
    expect(await dispatchOutbox(deps, transport(), context)).toEqual({ sent: 0, retried: 0, failed: 0 })
    expect(sink.received.map((r) => r.envelopeTo[0])).toEqual(['somebody@example.it'])
  })

  it('gives up after maxAttempts temporary failures', async () => {
    const id = await enqueueMail(t.database.db, reminderTo('busy@example.it'), clock.now())
    sink.answerRecipients(() => ({ code: 452, message: 'Mailbox full' }))
    const smtp = transport()
    expect(await dispatchOutbox(deps, smtp, context, { maxAttempts: 3 })).toMatchObject({ retried: 1 })
    clock.advanceMs(retryDelayMs(1))
    expect(await dispatchOutbox(deps, smtp, context, { maxAttempts: 3 })).toMatchObject({ retried: 1 })
    expect((await rowOf(t.database.db, id)).nextAttemptAt).toEqual(new Date(clock.now().getTime() + retryDelayMs(2)))
    clock.advanceMs(retryDelayMs(2))
    expect(await dispatchOutbox(deps, smtp, context, { maxAttempts: 3 })).toEqual({ sent: 0, retried: 0, failed: 1 })
    const row = await rowOf(t.database.db, id)
    expect(row).toMatchObject({ status: 'failed', attempts: 3 })
    expect(row.lastError).toMatch(/gave up after 3 attempts.*452/)
  })

  it('a connection refused is temporary', async () => {
    const id = await enqueueMail(t.database.db, reminderTo('holder@example.it'), clock.now())
    await sink.close()
    const unreachable = smtpTransport(sink.url, FROM)
    transports.push(unreachable)
    expect(await dispatchOutbox(deps, unreachable, context)).toEqual({ sent: 0, retried: 1, failed: 0 })
    expect((await rowOf(t.database.db, id)).lastError).toMatch(/ECONNREFUSED|connect/i)
    sink = await startSmtpSink() // for afterEach
  })

  it('a row that cannot be rendered fails without being sent', async () => {
    const [row] = await t.database.db
      .insert(outbox)
      .values({ template: 'welcome', language: 'it', recipient: 'x@example.it', params: {}, nextAttemptAt: clock.now(), createdAt: clock.now() })
      .returning()
    expect(await dispatchOutbox(deps, transport(), context)).toEqual({ sent: 0, retried: 0, failed: 1 })
    expect((await rowOf(t.database.db, row.id)).lastError).toMatch(/unknown mail template "welcome"/)
    expect(sink.received).toHaveLength(0)
  })

  it('keeps the transport fed: the next batch is claimed and handed over while a mail of this one is still out; each row sent and recorded once', async () => {
    const ids: number[] = []
    for (let i = 0; i < 5; i++) ids.push(await enqueueMail(t.database.db, reminderTo(`holder${i}@example.it`), clock.now()))
    let releaseFirst!: () => void
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve))
    const handed: string[] = []
    const slow: MailTransport = {
      async send(message) {
        handed.push(message.to)
        if (message.to === 'holder0@example.it') await firstHeld // a slow server on the batch's first mail
      },
    }

    const pass = dispatchOutbox(deps, slow, context, { batchSize: 2 })
    // batch 1 = rows 0, 1 (row 0 held); batch 2 = rows 2, 3 goes to the transport meanwhile, batch 3 is claimed
    await vi.waitFor(() => expect(handed).toEqual(['holder0@example.it', 'holder1@example.it', 'holder2@example.it', 'holder3@example.it']))
    await vi.waitFor(async () => expect((await rowOf(t.database.db, ids[4])).attempts).toBe(1))
    expect(handed).not.toContain('holder4@example.it') // two batches in the transport at most
    expect((await rowOf(t.database.db, ids[1])).status).toBe('pending') // recorded with its batch, once row 0 is done

    releaseFirst()
    expect(await pass).toEqual({ sent: 5, retried: 0, failed: 0 })
    expect(handed.sort()).toEqual(ids.map((_, i) => `holder${i}@example.it`))
    const rows = await t.database.db.select().from(outbox)
    expect(rows.map((r) => [r.status, r.attempts, r.sentAt])).toEqual(ids.map(() => ['sent', 1, clock.now()]))
    expect(new Set(rows.map((r) => r.messageId)).size).toBe(5)
  })

  it('R8: two dispatchers running at once never send a row twice', async () => {
    const count = 120
    const ids: number[] = []
    for (let i = 0; i < count; i++) ids.push(await enqueueMail(t.database.db, reminderTo(`holder${i}@example.it`), clock.now()))
    // On PostgreSQL the second worker has its own connection pool, as a second process would.
    let otherDb = t.database.db
    if (t.url) {
      const other = await openDatabase(t.url, { maxConnections: 4 })
      extraDatabases.push(other)
      otherDb = other.db
    }
    const otherDeps: Deps = { ...deps, db: otherDb }

    const results = await Promise.all([
      dispatchOutbox(deps, transport(), context, { batchSize: 7 }),
      dispatchOutbox(otherDeps, transport(), context, { batchSize: 7 }),
      dispatchOutbox(deps, transport(), context, { batchSize: 7 }),
    ])

    expect(results.reduce((sum, r) => sum + r.sent, 0)).toBe(count)
    const messageIds = sink.received.map((r) => r.mail.messageId)
    expect(messageIds).toHaveLength(count)
    expect(new Set(messageIds).size).toBe(count)
    const recipients = sink.received.map((r) => r.envelopeTo[0]).sort()
    expect(recipients).toEqual(ids.map((_, i) => `holder${i}@example.it`).sort())
    const rows = await t.database.db.select().from(outbox)
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true)
  })
})

describe.each(testDatabases())('%s: startOutboxDispatcher', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('drains the outbox as soon as it starts, and stop() waits for the pass in progress', async () => {
    t = await open()
    const clock = clockOn('2026-05-01')
    const deps: Deps = { db: t.database.db, clock, config: { publicUrl: context.publicUrl, businessTimeZone: 'Europe/Rome' } }
    const id = await enqueueMail(t.database.db, reminderTo('holder@example.it'), clock.now())
    const sent: MailMessage[] = []
    const memory: MailTransport = { send: async (message) => void sent.push(message) } // a fake: no network

    const dispatcher = startOutboxDispatcher(deps, memory, context, { intervalMs: 3_600_000 })
    await dispatcher.stop()

    expect(sent.map((m) => [m.to, m.subject])).toEqual([['holder@example.it', 'La casella PEC maria.rossi@pec.example.it scade il 30 giugno 2026']])
    expect((await rowOf(t.database.db, id)).status).toBe('sent')
  })
})
