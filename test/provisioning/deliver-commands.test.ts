import { afterEach, describe, expect, it } from 'vitest'
import { parseCalendarDate as day } from '../../src/core/calendar'
import { queryRows, sql, type Db } from '../../src/db/client'
import { runLifecycle } from '../../src/lifecycle/run-lifecycle'
import { FNOMCEO_DEMO } from '../../src/catalog/queries'
import { queueCommandRowsSql, type PlatformAction } from '../../src/provisioning/commands'
import {
  callPlatform,
  claimCommands,
  deliverProvisioningCommands,
  listFailedCommands,
  recordOutcomes,
  retryDelayMs,
} from '../../src/provisioning/deliver-commands'
import { PermanentPlatformError, stateAfter, type MailPlatform, type PlatformCommand, type PlatformState } from '../../src/provisioning/mail-platform'
import { testDatabases, type TestDatabase } from '../support/databases'
import { testDeps } from '../support/deps'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'

/** A platform that remembers every call and answers with the failures it is told to give. */
function recordingPlatform(failures: Array<'temporary' | 'permanent'> = []) {
  const calls: PlatformCommand[] = []
  const states = new Map<string, PlatformState>()
  const platform: MailPlatform & { calls: PlatformCommand[] } = {
    name: 'http',
    calls,
    async apply(command) {
      calls.push(command)
      const failure = failures.shift()
      if (failure === 'permanent') throw new PermanentPlatformError('unknown mailbox')
      if (failure === 'temporary') throw new Error('platform answered 503')
      states.set(command.address, stateAfter(command))
    },
    async status(address) {
      return states.get(address) ?? 'active'
    },
  }
  return platform
}

async function queue(db: Db, action: PlatformAction, mailboxId: number, now: Date) {
  await db.execute(queueCommandRowsSql(action, { from: sql`mailboxes WHERE id = ${mailboxId}`, mailboxId: sql`id` }, now))
}

async function commandRows(db: Db) {
  return queryRows<{ action: string; mode: string | null; status: string; attempts: number; last_error: string | null }>(
    db,
    sql`SELECT action, mode, status, attempts, last_error FROM provisioning_commands ORDER BY id`,
  )
}

describe.each(testDatabases())('%s: delivering mail-platform commands (R12, issue 13)', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  async function setup(today: string, deactivationMode: 'off' | 'receive-only' = 'off') {
    t = await open()
    await seedConvention(t.database.db, { ...FNOMCEO_DEMO, convention: { ...FNOMCEO_DEMO.convention, deactivationMode } })
    const clock = clockOn(today)
    return { db: t.database.db, clock, deps: testDeps(t.database.db, clock) }
  }

  it('R5: the run of E + 1 queues a disable in the convention’s mode, delivered once with its idempotency key', async () => {
    const { db, deps } = await setup('2026-07-02', 'receive-only')
    const mailbox = await seedMailbox(db, { expiresOn: '2026-07-01' })
    await runLifecycle(deps, { date: day('2026-07-02') })
    const platform = recordingPlatform()
    expect(await deliverProvisioningCommands(deps, platform)).toEqual({ done: 1, retried: 0, failed: 0 })
    expect(platform.calls).toEqual([
      { action: 'disable', mode: 'receive-only', address: mailbox.address, idempotencyKey: expect.stringMatching(new RegExp(`^mailbox-${mailbox.id}-disable-\\d+$`)) },
    ])
    expect(await commandRows(db)).toEqual([{ action: 'disable', mode: 'receive-only', status: 'done', attempts: 1, last_error: null }])
    expect(await deliverProvisioningCommands(deps, platform)).toEqual({ done: 0, retried: 0, failed: 0 })
    expect(platform.calls).toHaveLength(1)
  })

  it('the default mode is off', async () => {
    const { db, deps } = await setup('2026-07-02')
    await seedMailbox(db, { expiresOn: '2026-07-01' })
    await runLifecycle(deps, { date: day('2026-07-02') })
    const platform = recordingPlatform()
    await deliverProvisioningCommands(deps, platform)
    expect(platform.calls.map((c) => c.action === 'disable' && c.mode)).toEqual(['off'])
  })

  it('calls the platform outside any transaction: the command is committed in flight and not locked', async () => {
    const { db, deps } = await setup('2026-07-02')
    const mailbox = await seedMailbox(db, { expiresOn: '2026-07-01' })
    await queue(db, 'disable', mailbox.id, deps.clock.now())
    const seen: string[] = []
    const platform: MailPlatform = {
      ...recordingPlatform(),
      async apply() {
        // NOWAIT: a lock held by the delivering transaction would fail this at once (PostgreSQL)
        // or never answer (PGlite's one connection would be inside that transaction).
        const rows = await queryRows<{ status: string }>(db, sql`SELECT status FROM provisioning_commands FOR UPDATE NOWAIT`)
        seen.push(...rows.map((r) => r.status))
      },
    }
    expect(await deliverProvisioningCommands(deps, platform)).toMatchObject({ done: 1 })
    expect(seen).toEqual(['in_flight'])
  })

  it('retries with backoff on the injected clock, then delivers', async () => {
    const { db, clock, deps } = await setup('2026-07-02')
    const mailbox = await seedMailbox(db, { expiresOn: '2026-07-01' })
    await queue(db, 'disable', mailbox.id, clock.now())
    const platform = recordingPlatform(['temporary', 'temporary'])
    expect(await deliverProvisioningCommands(deps, platform)).toEqual({ done: 0, retried: 1, failed: 0 })
    expect(await commandRows(db)).toMatchObject([{ status: 'pending', attempts: 1, last_error: 'platform answered 503' }])
    clock.advanceMs(retryDelayMs(1) - 1_000) // not yet due
    expect(await deliverProvisioningCommands(deps, platform)).toEqual({ done: 0, retried: 0, failed: 0 })
    clock.advanceMs(1_000)
    expect(await deliverProvisioningCommands(deps, platform)).toEqual({ done: 0, retried: 1, failed: 0 })
    clock.advanceMs(retryDelayMs(2) - 1_000) // the second wait is twice the first
    expect(await deliverProvisioningCommands(deps, platform)).toEqual({ done: 0, retried: 0, failed: 0 })
    clock.advanceMs(1_000)
    expect(await deliverProvisioningCommands(deps, platform)).toEqual({ done: 1, retried: 0, failed: 0 })
    expect(retryDelayMs(2)).toBe(2 * retryDelayMs(1))
    expect(new Set(platform.calls.map((c) => c.idempotencyKey)).size).toBe(1) // the same key every time
    expect(await commandRows(db)).toMatchObject([{ status: 'done', attempts: 3, last_error: null }])
  })

  it('fails for good when the platform refuses for good, or after the last attempt; failures are listed', async () => {
    const { db, clock, deps } = await setup('2026-07-02')
    const refused = await seedMailbox(db, { expiresOn: '2026-07-01' })
    const flaky = await seedMailbox(db, { expiresOn: '2026-07-01' })
    await queue(db, 'disable', refused.id, clock.now())
    await queue(db, 'disable', flaky.id, clock.now())
    const policy = { firstDelayMs: 1_000, maxDelayMs: 4_000, maxAttempts: 3 }
    const platform = recordingPlatform(['permanent', 'temporary', 'temporary', 'temporary'])
    expect(await deliverProvisioningCommands(deps, platform, { retry: policy })).toEqual({ done: 0, retried: 1, failed: 1 })
    clock.advanceMs(1_000)
    expect(await deliverProvisioningCommands(deps, platform, { retry: policy })).toEqual({ done: 0, retried: 1, failed: 0 })
    clock.advanceMs(2_000)
    expect(await deliverProvisioningCommands(deps, platform, { retry: policy })).toEqual({ done: 0, retried: 0, failed: 1 })
    clock.advanceMs(60_000)
    expect(await deliverProvisioningCommands(deps, platform, { retry: policy })).toEqual({ done: 0, retried: 0, failed: 0 })
    const failed = await listFailedCommands(deps)
    expect(failed.map((f) => [f.address, f.action, f.attempts, f.lastError])).toEqual([
      [refused.address, 'disable', 1, 'unknown mailbox'],
      [flaky.address, 'disable', 3, 'platform answered 503'],
    ])
  })

  it('a run that stops between the call and the record: delivered again after the lease, with the same key', async () => {
    const { db, clock, deps } = await setup('2026-07-02')
    const mailbox = await seedMailbox(db, { expiresOn: '2026-07-01' })
    await queue(db, 'disable', mailbox.id, clock.now())
    const platform = recordingPlatform()
    const stopped = await claimCommands(deps, { limit: 10, leaseMs: 60_000 })
    const outcomes = await callPlatform(platform, stopped, 4) // delivered; the run stops before recording
    expect(await deliverProvisioningCommands(deps, platform)).toEqual({ done: 0, retried: 0, failed: 0 }) // leased
    clock.advanceMs(60_000)
    expect(await deliverProvisioningCommands(deps, platform)).toEqual({ done: 1, retried: 0, failed: 0 })
    expect(platform.calls).toHaveLength(2)
    expect(platform.calls[1].idempotencyKey).toBe(platform.calls[0].idempotencyKey)
    // The stopped run, recording late, changes nothing: the command is no longer its own.
    expect(await recordOutcomes(deps, outcomes)).toEqual({ done: 0, retried: 0, failed: 0 })
    expect(await commandRows(db)).toMatchObject([{ status: 'done', attempts: 2 }])
  })

  it('keeps a mailbox’s commands in order: an enable waits for the disable before it', async () => {
    const { db, clock, deps } = await setup('2026-07-02')
    const mailbox = await seedMailbox(db, { expiresOn: '2026-07-01' })
    const other = await seedMailbox(db, { expiresOn: '2026-07-01' })
    await queue(db, 'disable', mailbox.id, clock.now())
    await queue(db, 'enable', mailbox.id, clock.now())
    await queue(db, 'disable', other.id, clock.now())
    const platform = recordingPlatform(['temporary'])
    expect(await deliverProvisioningCommands(deps, platform)).toEqual({ done: 1, retried: 1, failed: 0 })
    expect(platform.calls.map((c) => [c.action, c.address])).toEqual([['disable', mailbox.address], ['disable', other.address]])
    clock.advanceMs(retryDelayMs(1))
    expect(await deliverProvisioningCommands(deps, platform)).toEqual({ done: 2, retried: 0, failed: 0 })
    expect(platform.calls.slice(2).map((c) => c.action)).toEqual(['disable', 'enable'])
    expect(await platform.status(mailbox.address)).toBe('active')
  })
})
