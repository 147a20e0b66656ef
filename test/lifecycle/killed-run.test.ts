import { afterEach, describe, expect, it } from 'vitest'
import { queryRows, sql, type Db } from '../../src/db/client'
import { parseCalendarDate as day } from '../../src/core/calendar'
import { insertBulkMailboxes } from '../../src/demo/bulk-mailboxes'
import { TEST_SESSION_SECRET, TEST_OFFICE_TOTP_KEY } from '../support/config'
import { postgresOnly, type TestDatabase } from '../support/databases'
import { seedConvention } from '../support/seed'
import { runCli, startCli } from '../cli/run-cli'

async function counts(db: Db) {
  const [row] = await queryRows<{ queued: number; skipped: number; deactivations: number; mails: number; audits: number; commands: number; deactivated: number; dupes: number }>(
    db,
    sql`SELECT (SELECT count(*) FROM notices WHERE kind = 'reminder' AND status = 'queued')::int AS queued,
               (SELECT count(*) FROM notices WHERE kind = 'reminder' AND status = 'skipped')::int AS skipped,
               (SELECT count(*) FROM notices WHERE kind = 'deactivation')::int AS deactivations,
               (SELECT count(*) FROM outbox)::int AS mails,
               (SELECT count(*) FROM audit_log)::int AS audits,
               (SELECT count(*) FROM provisioning_commands)::int AS commands,
               (SELECT count(*) FROM mailboxes WHERE status = 'deactivated')::int AS deactivated,
               (SELECT count(*) FROM (SELECT 1 FROM outbox GROUP BY mailbox_id, template HAVING count(*) > 1) d)::int AS dupes`,
  )
  return row
}

describe.each(postgresOnly())('%s: a lifecycle run killed midway', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('R8: kill -9 then run again: every reminder and deactivation exactly once', async () => {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const today = day('2026-06-20')
    // 3,000 mailboxes expiring from 10 days ago to 50 days ahead: deactivations and reminders.
    await insertBulkMailboxes(db, { count: 3000, today, fromDays: -10, toDays: 50 })
    const env = { DATABASE_URL: t.url!, SESSION_SECRET: TEST_SESSION_SECRET, OFFICE_TOTP_KEY: TEST_OFFICE_TOTP_KEY } // PostgreSQL is production: it requires a session secret (R10)
    const run = startCli(['lifecycle', 'run', '--date', today, '--batch-size', '10', '--json'], env)
    // Kill as soon as some work is committed, long before the run can finish.
    for (;;) {
      const now = await counts(db)
      if (now.deactivations + now.queued > 0) break
      if (run.child.exitCode !== null) throw new Error(`the run ended before it could be killed: ${(await run.done).stderr}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    run.child.kill('SIGKILL')
    const killed = await run.done
    expect(killed.code).toBeNull() // died by the signal, not by finishing
    const partial = await counts(db)

    const again = await runCli(['lifecycle', 'run', '--date', today, '--json'], env)
    expect(again.code, again.stderr).toBe(0)
    const final = await counts(db)
    const preview = await runCli(['lifecycle', 'run', '--date', today, '--dry-run', '--json'], env)
    expect(JSON.parse(preview.stdout)).toMatchObject({ reminders: 0, deactivated: 0, ceased: 0 })
    expect(partial.deactivations + partial.queued).toBeLessThan(final.deactivations + final.queued) // really midway
    expect(final.deactivations).toBeGreaterThan(400) // expiries 10…1 days ago: about 10/61 of 3,000
    expect(final.dupes).toBe(0)
    expect(final.deactivations).toBe(final.deactivated)
    expect(final.audits).toBe(final.deactivated)
    expect(final.commands).toBe(final.deactivated)
    expect(final.mails).toBe(final.queued + final.deactivations)
    // Every active mailbox expiring within the offsets got exactly one reminder.
    const [active] = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM mailboxes WHERE status = 'active' AND expires_on >= ${today}::date`)
    expect(final.queued).toBe(active.n)
  })
})
