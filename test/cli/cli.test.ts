import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addDays } from '../../src/core/calendar'
import { openDatabase } from '../../src/db/client'
import { PROVIDER_ENV } from '../support/config'
import { freePort } from '../support/free-port'
import { migratedFolder, runCli, startInProcess } from './run-cli'

// The command, end to end in this process (runCli), on an embedded database in a temporary folder.
describe('pec-renewal command line (embedded database)', () => {
  let folder: string
  let env: Record<string, string>
  beforeAll(() => {
    folder = migratedFolder('pec-renewal-cli-')
    env = { DATABASE_URL: join(folder, 'data'), PEC_OPERATOR: 'test-operator', PEC_LANG: 'en' } // human text asserted in English
  })
  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  it('demo, lifecycle preview and run, phone order, payment, mailbox history', async () => {
    const demo = await runCli(['demo', '--json'], env)
    expect(demo.code, demo.stderr).toBe(0)
    const loaded = JSON.parse(demo.stdout)
    expect(loaded.import.imported).toBe(7)
    expect(loaded.credentials.map((c: { mailbox: string }) => c.mailbox)).toContain('studio.verdi@pec.omceo-demo.it')
    expect(loaded.operator).toEqual({ username: 'demo', password: expect.any(String) })
    const taken = await runCli(['operator', 'add', 'demo'], { ...env, PEC_OPERATOR_PASSWORD: 'another-long-password' })
    expect(taken.code).toBe(4) // the demo operator exists: a refusal by the state of things (409)
    expect(taken.stderr).toMatch(/demo/)

    const preview = JSON.parse((await runCli(['lifecycle', 'run', '--dry-run', '--json'], env)).stdout)
    expect(preview).toMatchObject({ reminders: 4, deactivated: 1, ceased: 0, registerWarnings: 2, skippedReminders: 8 })
    expect(preview.actions).toHaveLength(5)
    const run = JSON.parse((await runCli(['lifecycle', 'run', '--json'], env)).stdout)
    // without --date the dry run previews tomorrow, the run does today (the demo's counts are the same)
    expect(run).toEqual({ date: addDays(preview.date, -1), reminders: 4, deactivated: 1, ceased: 0, registerWarnings: 2, skippedReminders: 8 })

    const order = await runCli(['order', 'create', '--mailbox', 'Giulia.Bianchi@pec.omceo-demo.it', '--years', '2', '--method', 'bonifico', '--json'], env)
    expect(order.code, order.stderr).toBe(0)
    const placed = JSON.parse(order.stdout)
    expect(placed).toMatchObject({ totalCents: 2196, resumed: false })
    expect(placed.orderId).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-\d{2}$/)

    const paid = JSON.parse((await runCli(['payment', 'register', '--order', placed.orderId.toLowerCase(), '--amount', '21,96', '--method', 'bonifico', '--reference', 'CRO-1', '--json'], env)).stdout)
    expect(paid).toMatchObject({ outcome: 'paid', expiresOn: placed.newExpiresOn })
    const twice = JSON.parse((await runCli(['payment', 'register', '--order', placed.orderId, '--amount', '21.96', '--method', 'bonifico', '--reference', 'CRO-2', '--json'], env)).stdout)
    expect(twice).toMatchObject({ outcome: 'duplicate', expiresOn: placed.newExpiresOn })

    const shown = JSON.parse((await runCli(['mailbox', 'show', 'giulia.bianchi@pec.omceo-demo.it', '--json'], env)).stdout)
    expect(shown).toMatchObject({ status: 'active', expiresOn: placed.newExpiresOn, accountId: 'FNOM000002', convention: 'FNOMCEO', register: 'ini_pec', openOrder: null })
    expect(shown.history.map((h: { action: string }) => h.action)).toEqual(
      expect.arrayContaining(['mailbox.imported', 'order.placed', 'payment.paid', 'payment.duplicate']),
    )
    // R9: the payment's row says how it renewed the mailbox
    expect(shown.history.find((h: { action: string }) => h.action === 'payment.paid').data).toMatchObject({ to: placed.newExpiresOn, years: 2 })
    expect(shown.history.find((h: { action: string }) => h.action === 'order.placed').actor).toBe('operator:test-operator')

    const outbox = JSON.parse((await runCli(['outbox', 'list', '--json'], env)).stdout)
    expect(outbox.map((m: { template: string }) => m.template).sort()).toEqual(['deactivation', 'payment_received', 'reminder', 'reminder', 'reminder', 'reminder'])
  })

  it('refuses bad input with a clear message and a non-zero exit', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['lifecycle', 'run', '--date', '2026-02-30'], /--date: "2026-02-30" is not a calendar date/],
      [['order', 'create', '--mailbox', 'x@pec.example.it', '--years', '1', '--method', 'cash'], /Allowed choices are card, paypal, bollettino, bonifico/],
      [['payment', 'register', '--order', 'X', '--amount', '12.345', '--method', 'card', '--reference', 'r'], /--amount: expected an amount in euro/],
      [['mailbox', 'show', 'nobody@pec.example.it'], /PEC mailbox not found/],
      [['import', 'mailboxes', join(folder, 'missing.csv')], /missing\.csv/],
    ]
    for (const [args, message] of cases) {
      const result = await runCli(args, env)
      expect(result.code, args.join(' ')).not.toBe(0)
      expect(result.stderr).toMatch(message)
    }
  })

  it('reports each bad CSV row with its line and imports nothing', async () => {
    const file = join(folder, 'bad.csv')
    writeFileSync(
      file,
      'address,account_id,holder_first_name,holder_last_name,fiscal_code,reference_email,convention,activated_on,expires_on\n' +
        'ok@pec.example.it,ACC1,Anna,Bo,RSSMRA85T10A562S,anna@example.it,FNOMCEO,2025-01-01,2026-01-01\n' +
        'bad@pec.example.it,ACC2,Anna,Bo,RSSMRA85T10A562X,anna@example.it,FNOMCEO,2025-01-01,2026-01-01\n',
    )
    const result = await runCli(['import', 'mailboxes', file, '--json'], env)
    expect(result.code).toBe(1)
    const report = JSON.parse(result.stdout)
    expect(report).toMatchObject({ imported: 0, invalid: [{ line: 3 }] })
    expect(report.invalid[0].reason).toMatch(/fiscal_code/)
  })

  it('serve runs in this process until its stop signal, then lets the embedded database go', async () => {
    const port = await freePort()
    const server = startInProcess(['serve', '--no-jobs'], { ...env, ...PROVIDER_ENV, PORT: String(port) })
    const base = `http://127.0.0.1:${port}`
    let up = false
    for (let attempt = 0; attempt < 600 && !up; attempt++) {
      up = await fetch(`${base}/healthz`).then((r) => r.ok, () => false)
      if (!up) await new Promise((r) => setTimeout(r, 50)) // polling a server starting, not a test waiting on time
    }
    expect(up).toBe(true)
    expect((await fetch(`${base}/dev/posta`)).status).toBe(200) // the demo folder: the mail viewer is there
    const stopped = await server.stop()
    expect(stopped.code, stopped.stderr).toBe(0)
    expect(await fetch(`${base}/healthz`).then((r) => r.ok, () => false)).toBe(false)
    const reopened = await openDatabase(env.DATABASE_URL) // the folder's lock was released
    await reopened.close()
  })

  it('has --help on every command', async () => {
    const help = await runCli(['lifecycle', 'run', '--help'], env)
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/--dry-run/)
    expect(help.stdout).toMatch(/--date <YYYY-MM-DD>/)
  })
})
