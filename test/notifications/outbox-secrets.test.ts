import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import type { Deps } from '../../src/deps'
import { dispatchOutbox } from '../../src/notifications/dispatch-outbox'
import { mailContext } from '../../src/notifications/mail-context'
import type { OutgoingMail } from '../../src/notifications/mail-types'
import { enqueueMail } from '../../src/notifications/outbox'
import { deleteOldSentMail } from '../../src/notifications/prune-outbox'
import { renderMail } from '../../src/notifications/render-mail'
import { outbox } from '../../src/notifications/schema'
import { MailDeliveryError, type MailMessage, type MailTransport } from '../../src/notifications/transport'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn } from '../support/seed'

const context = mailContext('https://rinnovi.example.it')
const TOKEN = 'Zk3v9QhT1bWcX7sLr2pN5yAe8uJd0mGf4oKiHtBqRwE'

const resetMail = (recipient: string): OutgoingMail<'password_reset'> => ({
  template: 'password_reset',
  language: 'it',
  recipient,
  params: { holderName: 'Maria Rossi', accountId: 'FNOM000010', token: TOKEN, expiresAt: '2026-06-01T11:00:00.000Z' },
})

/** Takes every message, or refuses one recipient for good. */
function transport(refuse?: string): MailTransport & { sent: MailMessage[] } {
  const sent: MailMessage[] = []
  return {
    sent,
    async send(message) {
      if (message.to === refuse) throw new MailDeliveryError('550 no such user', true, 550)
      sent.push(message)
    },
  }
}

describe.each(testDatabases())('%s: outbox secrets and retention', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  async function deps(date = '2026-06-01'): Promise<Deps> {
    t ??= await open()
    return { db: t.database.db, clock: clockOn(date), config: { publicUrl: 'https://rinnovi.example.it', businessTimeZone: 'Europe/Rome' } }
  }

  it('a reset link leaves in the mail, and its token is gone from the outbox once delivered or given up', async () => {
    t = await open()
    const d = await deps()
    const delivered = await enqueueMail(d.db, resetMail('maria@example.it'), d.clock.now())
    const refused = await enqueueMail(d.db, resetMail('nobody@example.it'), d.clock.now())
    const smtp = transport('nobody@example.it')
    expect(await dispatchOutbox(d, smtp, context)).toEqual({ sent: 1, retried: 0, failed: 1 })

    // the holder got the working link
    expect(smtp.sent[0].text).toContain(`https://rinnovi.example.it/nuova-password?t=${TOKEN}`)
    // whoever reads the outbox afterwards (a backup, an operator's view) does not
    for (const id of [delivered, refused]) {
      const [row] = await d.db.select().from(outbox).where(eq(outbox.id, id))
      expect(JSON.stringify(row.params)).not.toContain(TOKEN)
      expect(row.params).toMatchObject({ accountId: 'FNOM000010', holderName: 'Maria Rossi' })
      const shown = renderMail(row, context)
      expect(shown.text).not.toContain('nuova-password?t=')
      expect(shown.text).toContain('[Link personale: consegnato al destinatario e non più conservato]')
    }
  })

  it('keeps the token while the mail may still go out (a temporary failure)', async () => {
    t = await open()
    const d = await deps()
    const id = await enqueueMail(d.db, resetMail('maria@example.it'), d.clock.now())
    const flaky: MailTransport = {
      async send() {
        throw new MailDeliveryError('451 try later', false, 451)
      },
    }
    expect(await dispatchOutbox(d, flaky, context)).toMatchObject({ retried: 1 })
    const [row] = await d.db.select().from(outbox).where(eq(outbox.id, id))
    expect(row.params).toMatchObject({ token: TOKEN })
  })

  it('deletes sent mail older than the retention, and nothing else', async () => {
    t = await open()
    const old = await deps('2025-01-10')
    const oldSent = await enqueueMail(old.db, resetMail('a@example.it'), old.clock.now())
    const oldFailed = await enqueueMail(old.db, resetMail('nobody@example.it'), old.clock.now())
    await dispatchOutbox(old, transport('nobody@example.it'), context)
    const recent = await deps('2026-05-20')
    const recentSent = await enqueueMail(recent.db, resetMail('b@example.it'), recent.clock.now())
    await dispatchOutbox(recent, transport(), context)
    const pending = await enqueueMail(recent.db, resetMail('c@example.it'), new Date('2025-01-10T10:00:00Z'))

    expect(await deleteOldSentMail(recent.db, new Date('2026-06-01T10:00:00Z'), 400)).toBe(1)
    const left = (await recent.db.select({ id: outbox.id }).from(outbox)).map((r) => r.id).sort((a, b) => a - b)
    expect(left).toEqual([oldFailed, recentSent, pending].sort((a, b) => a - b))
    expect(left).not.toContain(oldSent)
    expect(await deleteOldSentMail(recent.db, new Date('2026-06-01T10:00:00Z'), 400)).toBe(0)
  })
})
