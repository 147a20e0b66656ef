import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addDays, type CalendarDate } from '../../src/core/calendar'
import { migratedFolder, runCli } from './run-cli'

// Issue 11, the back office's actions on the command line: --reason required, the operator from PEC_OPERATOR, --json.
describe('pec-renewal mailbox extend | register, order cancel, account email | unlock, outbox resend', () => {
  let folder: string
  let env: Record<string, string>
  const MAILBOX = 'giulia.bianchi@pec.omceo-demo.it'
  beforeAll(() => {
    folder = migratedFolder('pec-renewal-office-')
    env = { DATABASE_URL: join(folder, 'data'), PEC_OPERATOR: 'anna', PEC_LANG: 'en' }
  })
  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  const json = async (args: string[], as = env) => {
    const result = await runCli([...args, '--json'], as)
    expect(result.code, result.stderr).toBe(0)
    return JSON.parse(result.stdout)
  }

  it('extends (above the limit only with another operator), sets the register, cancels, changes the e-mail, re-sends', { timeout: 240_000 }, async () => {
    expect((await runCli(['demo', '--json'], env)).code).toBe(0)
    const before = await json(['mailbox', 'show', MAILBOX])
    const noReason = await runCli(['mailbox', 'extend', MAILBOX, '--days', '5'], env)
    expect(noReason.code).not.toBe(0)
    expect(noReason.stderr).toContain('--reason')
    const applied = await json(['mailbox', 'extend', MAILBOX, '--days', '5', '--reason', 'outage in March'])
    expect(applied).toMatchObject({ kind: 'applied', fromExpiresOn: before.expiresOn, toExpiresOn: addDays(before.expiresOn as CalendarDate, 5) })

    const pending = await json(['mailbox', 'extend', MAILBOX, '--days', '45', '--reason', 'commercial agreement'])
    expect(pending).toMatchObject({ kind: 'pending', days: 45, approvalDays: 30 })
    expect(await json(['mailbox', 'extensions'])).toMatchObject([{ id: pending.extensionId, mailboxAddress: MAILBOX, requestedBy: 'operator:anna' }])
    const noApprovalReason = await runCli(['mailbox', 'approve-extension', String(pending.extensionId)], { ...env, PEC_OPERATOR: 'bruno' })
    expect(noApprovalReason.code).not.toBe(0)
    expect(noApprovalReason.stderr).toContain('--reason')
    const own = await runCli(['mailbox', 'approve-extension', String(pending.extensionId), '--reason', 'mine'], env)
    expect(own.code).toBe(4)
    expect(own.stderr).toContain('another operator must decide')
    const approved = await json(['mailbox', 'approve-extension', String(pending.extensionId), '--reason', 'agreement checked'], { ...env, PEC_OPERATOR: 'bruno' })
    expect(approved).toMatchObject({ kind: 'applied', toExpiresOn: addDays(before.expiresOn as CalendarDate, 50) })

    const target = before.register === 'registro_imprese' ? 'none' : 'registro_imprese'
    expect(await json(['mailbox', 'register', MAILBOX, '--set', target, '--reason', 'told by the Chamber of Commerce'])).toMatchObject({ from: before.register, to: target })
    const same = await runCli(['mailbox', 'register', MAILBOX, '--set', target, '--reason', 'again'], env)
    expect(same.code).toBe(4)

    const order = await json(['order', 'create', '--mailbox', MAILBOX, '--years', '1', '--method', 'bonifico'])
    expect(await json(['order', 'cancel', order.orderId, '--reason', 'holder changed provider'])).toEqual({ orderId: order.orderId, status: 'cancelled' })
    expect((await runCli(['order', 'cancel', order.orderId, '--reason', 'again'], env)).code).toBe(4)

    const account = before.accountId as string
    const bad = await runCli(['account', 'email', account, 'not-an-address', '--reason', 'asked on the phone'], env)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('Invalid e-mail address')
    const changed = await json(['account', 'email', account, 'giulia@example.org', '--reason', 'asked on the phone'])
    expect(changed).toMatchObject({ accountId: account, to: 'giulia@example.org' })
    const nothing = await runCli(['account', 'unlock', account, '--reason', 'phone'], env)
    expect(nothing.code).toBe(4)
    expect(nothing.stderr).toContain('not locked')

    const mails = await json(['outbox', 'list', '--limit', '500'])
    const cancelled = mails.find((m: { subject: string }) => /cancel|annullato/i.test(m.subject))
    expect(cancelled).toBeDefined()
    const resent = await json(['outbox', 'resend', String(cancelled.id), '--reason', 'address corrected'])
    expect(resent).toMatchObject({ mailId: cancelled.id, recipient: 'giulia@example.org' })
    expect(resent.newMailId).toBeGreaterThan(cancelled.id)
  })
})
