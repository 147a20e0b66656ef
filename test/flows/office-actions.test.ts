import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config'
import { DomainError } from '../../src/core/errors'
import { auditLog, expiryExtensions, mailboxes, outbox } from '../../src/db/schema'
import { approveExtension, extendExpiry, pendingExtensions, rejectExtension } from '../../src/flows/office/extend-expiry'
import { mailContext } from '../../src/notifications/mail-context'
import { renderMail } from '../../src/notifications/render-mail'
import { buildServices, type Services } from '../../src/services'
import { TEST_SESSION_SECRET } from '../support/config'
import { postgresOnly, testDatabases, type TestDatabase } from '../support/databases'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'

async function refusal(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(DomainError)
  return (error as DomainError).code
}

describe.each(testDatabases())('%s: extending an expiry by hand (issue 11)', (_name, open) => {
  let t: TestDatabase
  let services: Services
  afterEach(async () => t?.close())

  async function setup(env: Record<string, string> = {}) {
    t = await open()
    await seedConvention(t.database.db)
    const config = loadConfig({ DATABASE_URL: 'memory://', PUBLIC_URL: 'https://rinnovi.example.it', SESSION_SECRET: TEST_SESSION_SECRET, ...env })
    services = buildServices(config, t.database, clockOn('2026-05-02'))
    return t.database.db
  }

  it('the limit comes from OFFICE_EXTENSION_APPROVAL_DAYS: 0 makes every extension wait for a second operator', async () => {
    const db = await setup({ OFFICE_EXTENSION_APPROVAL_DAYS: '0' })
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30' })
    const outcome = await extendExpiry(services.deps, { mailboxAddress: mailbox.address, days: 1, reason: 'prova', actor: 'operator:anna' })
    expect(outcome).toMatchObject({ kind: 'pending', days: 1, approvalDays: 0 })
    expect(await pendingExtensions(db)).toMatchObject([{ mailboxAddress: mailbox.address, days: 1, requestedBy: 'operator:anna', reason: 'prova' }])
  })

  it('refuses a ceased mailbox, days out of range, a missing reason, and the requester deciding their own request', async () => {
    const db = await setup()
    const ceased = await seedMailbox(db, { expiresOn: '2025-12-31', status: 'ceased' })
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30' })
    const deps = services.deps
    expect(await refusal(extendExpiry(deps, { mailboxAddress: ceased.address, days: 5, reason: 'x', actor: 'operator:anna' }))).toBe('mailbox_ceased')
    for (const days of [0, -3, 1.5, 3651]) expect(await refusal(extendExpiry(deps, { mailboxAddress: mailbox.address, days, reason: 'x', actor: 'operator:anna' }))).toBe('extension_days_invalid')
    expect(await refusal(extendExpiry(deps, { mailboxAddress: mailbox.address, days: 5, reason: '  ', actor: 'operator:anna' }))).toBe('reason_required')
    expect(await refusal(extendExpiry(deps, { mailboxAddress: 'nessuna@pec.example.it', days: 5, reason: 'x', actor: 'operator:anna' }))).toBe('mailbox_not_found')
    const pending = await extendExpiry(deps, { mailboxAddress: mailbox.address, days: 31, reason: 'oltre il limite', actor: 'operator:anna' })
    expect(await refusal(approveExtension(deps, { extensionId: pending.extensionId, actor: 'operator:anna', reason: 'mia' }))).toBe('extension_own_request')
    expect(await refusal(rejectExtension(deps, { extensionId: pending.extensionId, actor: 'operator:anna', reason: 'no' }))).toBe('extension_own_request')
    // the second operator's decision needs its reason, approving as rejecting
    expect(await refusal(rejectExtension(deps, { extensionId: pending.extensionId, actor: 'operator:bruno', reason: '' }))).toBe('rejection_reason_required')
    expect(await refusal(approveExtension(deps, { extensionId: pending.extensionId, actor: 'operator:bruno', reason: '  ' }))).toBe('approval_reason_required')
    expect((await pendingExtensions(db)).map((x) => x.id)).toContain(pending.extensionId)
    expect(await refusal(approveExtension(deps, { extensionId: 999, actor: 'operator:bruno', reason: 'ok' }))).toBe('extension_not_found')
    expect((await db.select().from(mailboxes).where(eq(mailboxes.id, mailbox.id)))[0].expiresOn).toBe('2026-06-30')
    // exactly at the limit applies at once
    expect(await extendExpiry(deps, { mailboxAddress: mailbox.address, days: 30, reason: 'al limite', actor: 'operator:anna' })).toMatchObject({ kind: 'applied', toExpiresOn: '2026-07-30' })
  })

  it('a deactivated mailbox extended to a date still past stays deactivated: nothing told to the platform', async () => {
    const db = await setup()
    const mailbox = await seedMailbox(db, { expiresOn: '2026-04-01', status: 'deactivated', deactivatedOn: '2026-04-02' })
    const outcome = await extendExpiry(services.deps, { mailboxAddress: mailbox.address, days: 10, reason: 'rettifica', actor: 'operator:anna' })
    expect(outcome).toMatchObject({ kind: 'applied', toExpiresOn: '2026-04-11', reactivated: false })
    expect((await db.select().from(mailboxes).where(eq(mailboxes.id, mailbox.id)))[0].status).toBe('deactivated')
  })
})

describe.each(postgresOnly())('%s: two operators approving one extension at once (issue 11)', (_name, open) => {
  let t: TestDatabase
  afterEach(async () => t?.close())

  it('applies it once: one approval wins, the other is told it is decided; one audit row, one e-mail', async () => {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const config = loadConfig({ DATABASE_URL: 'memory://', PUBLIC_URL: 'https://rinnovi.example.it', SESSION_SECRET: TEST_SESSION_SECRET })
    const services = buildServices(config, t.database, clockOn('2026-05-02'))
    for (let round = 0; round < 3; round++) {
      const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30' })
      const request = await extendExpiry(services.deps, { mailboxAddress: mailbox.address, days: 90, reason: 'accordo', actor: 'operator:anna' })
      const results = await Promise.allSettled(
        ['operator:bruno', 'operator:carlo', 'operator:dora'].map((actor) => approveExtension(services.deps, { extensionId: request.extensionId, actor, reason: 'visto' })),
      )
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
      for (const r of results.filter((r) => r.status === 'rejected')) expect(((r as PromiseRejectedResult).reason as DomainError).code).toBe('extension_not_pending')
      expect((await db.select().from(mailboxes).where(eq(mailboxes.id, mailbox.id)))[0].expiresOn).toBe('2026-09-28')
      expect((await db.select().from(auditLog).where(eq(auditLog.mailboxId, mailbox.id))).filter((a) => a.action === 'mailbox.extended')).toHaveLength(1)
      expect(await db.select().from(outbox).where(eq(outbox.mailboxId, mailbox.id))).toHaveLength(1)
      expect((await db.select().from(expiryExtensions).where(eq(expiryExtensions.id, request.extensionId)))[0].status).toBe('approved')
    }
  })
})

describe.each(['it', 'en'] as const)('the office actions’ e-mails (%s)', (language) => {
  const context = mailContext('https://rinnovi.example.it', null, TEST_SESSION_SECRET, clockOn('2026-05-02'), ['bonifico'])
  it('say what changed: the new expiry, the register, both addresses, the unlock, a cancellation by the office', () => {
    const base = { holderName: 'Maria Rossi', mailbox: 'mario@pec.example.it' }
    const extended = renderMail({ template: 'expiry_extended', language, params: { ...base, expiresOn: '2026-04-11', newExpiresOn: '2026-05-11', reactivated: true } }, context)
    expect(extended.text).toContain(language === 'it' ? 'l’11 maggio 2026' : '11 May 2026')
    expect(extended.text).toContain(language === 'it' ? 'di nuovo attiva' : 'active again')
    const register = renderMail({ template: 'register_changed', language, params: { ...base, register: 'ini_pec' } }, context)
    expect(register.text).toContain('INI-PEC')
    const email = renderMail({ template: 'reference_email_changed', language, params: { ...base, accountId: 'FNOM000001', oldEmail: 'vecchio@example.it', newEmail: 'nuovo@example.it' } }, context)
    expect(email.text).toContain('vecchio@example.it')
    expect(email.text).toContain('nuovo@example.it')
    const unlocked = renderMail({ template: 'sign_in_unlocked', language, params: { ...base, accountId: 'FNOM000001' } }, context)
    expect(unlocked.text).toContain('FNOM000001')
    expect(unlocked.html).toContain('https://rinnovi.example.it/accedi')
    const cancelled = renderMail({ template: 'order_cancelled', language, params: { ...base, orderId: 'K7MR4DXP52', totalCents: 1220, method: 'bonifico', expiresOn: '2026-06-30', byOffice: true } }, context)
    expect(cancelled.text).toContain(language === 'it' ? 'il nostro ufficio ha annullato' : 'Our office has cancelled')
    expect(cancelled.text).not.toContain(language === 'it' ? 'come hai chiesto' : 'As you asked')
  })
})
