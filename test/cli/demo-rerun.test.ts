import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword, verifyPassword } from '../../src/accounts/passwords'
import { openDatabase, queryRows, sql } from '../../src/db/client'
import { DEMO_MAILBOX_PASSWORD } from '../../src/demo/load-demo'
import { migratedFolder, runCli } from './run-cli'
import { TEST_HASH_COST } from '../support/config'

// Issue 14: `demo` again over a demo that was used refuses (nothing changes); `demo --reset` starts it over, whole.
// The demo runs only on the embedded database (R10), so PGlite only.
describe('pec-renewal demo, run again', () => {
  let folder: string
  let env: Record<string, string>
  beforeAll(() => {
    folder = migratedFolder('pec-renewal-demo-rerun-')
    env = { DATABASE_URL: join(folder, 'data'), PEC_OPERATOR: 'test-operator', PEC_LANG: 'en' }
  })
  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  const GIULIA = 'giulia.bianchi@pec.omceo-demo.it'
  const show = async () => JSON.parse((await runCli(['mailbox', 'show', GIULIA, '--json'], env)).stdout)
  /** The mailbox's stored password hash, read with the folder closed to the command (one process holds it). */
  const withDatabase = async <T>(work: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>): Promise<T> => {
    const database = await openDatabase(env.DATABASE_URL)
    try {
      return await work(database.db)
    } finally {
      await database.close()
    }
  }
  const mailboxHash = () => withDatabase(async (db) => (await queryRows<{ password_hash: string }>(db, sql`SELECT password_hash FROM mailboxes WHERE address = ${GIULIA}`))[0].password_hash)

  it('loads twice while unused, refuses once paid (nothing changed), and --reset starts over consistently', { timeout: 240_000 }, async () => {
    const first = await runCli(['demo', '--json'], env)
    expect(first.code, first.stderr).toBe(0)
    const demoExpiry = JSON.parse(first.stdout).credentials.find((c: { mailbox: string }) => c.mailbox === GIULIA).expiresOn
    const again = await runCli(['demo', '--json'], env) // nothing but the loader's own rows: loading again is harmless
    expect(again.code, again.stderr).toBe(0)

    const placed = JSON.parse((await runCli(['order', 'create', '--mailbox', GIULIA, '--years', '2', '--method', 'bonifico', '--json'], env)).stdout)
    const paid = JSON.parse((await runCli(['payment', 'register', '--order', placed.orderId, '--amount', '21.96', '--method', 'bonifico', '--reference', 'CRO-1', '--json'], env)).stdout)
    expect(paid).toMatchObject({ outcome: 'paid', expiresOn: placed.newExpiresOn })
    expect(placed.newExpiresOn > demoExpiry).toBe(true)
    // the holder changed the mailbox password since
    const changed = await hashPassword('Cambiata-Dal-Titolare-1', TEST_HASH_COST)
    await withDatabase((db) => db.execute(sql`UPDATE mailboxes SET password_hash = ${changed} WHERE address = ${GIULIA}`))

    const refused = await runCli(['demo'], env)
    expect(refused.code).toBe(4)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toContain('has been used (orders: 1, payments: 1, other audit events: ')
    expect(refused.stderr).toContain('Nothing was changed')
    expect(refused.stderr).toContain('pec-renewal demo --reset')
    const inItalian = await runCli(['demo'], { ...env, PEC_LANG: 'it' })
    expect(inItalian.code).toBe(4)
    expect(inItalian.stderr).toMatch(/^errore: la demo in .* è già stata usata \(ordini: 1, pagamenti: 1, altri eventi nel registro: \d+\).*Nulla è stato modificato/)
    const refusedJson = await runCli(['demo', '--json'], env)
    expect(refusedJson.code).toBe(4)
    expect(JSON.parse(refusedJson.stdout)).toMatchObject({ refused: 'demo_in_use', activity: { orders: 1, payments: 1, otherAuditRows: expect.any(Number) } })
    // nothing moved: the paid expiry, the order and the holder's password are still there
    expect(await show()).toMatchObject({ expiresOn: placed.newExpiresOn, status: 'active' })
    expect((await show()).history.map((h: { action: string }) => h.action)).toContain('payment.paid')
    expect(await verifyPassword('Cambiata-Dal-Titolare-1', await mailboxHash())).toBe(true)

    const reset = await runCli(['demo', '--reset', '--json'], env)
    expect(reset.code, reset.stderr).toBe(0)
    expect(JSON.parse(reset.stdout)).toMatchObject({ mode: 'demo', reset: true })
    const fresh = await show()
    expect(fresh).toMatchObject({ expiresOn: demoExpiry, status: 'active', openOrder: null })
    expect(fresh.history.map((h: { action: string }) => h.action)).toEqual(['mailbox.imported']) // the old order and payment are gone with their audit
    expect(await verifyPassword(DEMO_MAILBOX_PASSWORD, await mailboxHash())).toBe(true)
    const counts = await withDatabase((db) =>
      queryRows<{ orders: number; payments: number; outbox: number }>(db, sql`SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT count(*)::int FROM payments) AS payments, (SELECT count(*)::int FROM outbox) AS outbox`),
    )
    expect(counts[0]).toEqual({ orders: 0, payments: 0, outbox: 0 })
    const unusedAgain = await runCli(['demo', '--json'], env) // a fresh demo is unused: loading it needs no --reset
    expect(unusedAgain.code, unusedAgain.stderr).toBe(0)
    // the same order can be placed again from the fresh demo
    const replaced = JSON.parse((await runCli(['order', 'create', '--mailbox', GIULIA, '--years', '2', '--method', 'bonifico', '--json'], env)).stdout)
    expect(replaced.newExpiresOn).toBe(placed.newExpiresOn)
  })
})
