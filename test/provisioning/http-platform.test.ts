import { afterEach, describe, expect, it } from 'vitest'
import { parseCalendarDate as day } from '../../src/core/calendar'
import { registerPayment } from '../../src/flows/register-payment'
import { runLifecycle } from '../../src/lifecycle/run-lifecycle'
import { checkPlatformDrift } from '../../src/provisioning/check-drift'
import { callPlatform, claimCommands, deliverProvisioningCommands, listFailedCommands, retryDelayMs } from '../../src/provisioning/deliver-commands'
import { httpMailPlatform, signPlatformRequest, verifyPlatformRequest } from '../../src/provisioning/http-platform'
import { placeOrder } from '../../src/renewals/place-order'
import { queryRows, sql } from '../../src/db/client'
import { testDatabases, type TestDatabase } from '../support/databases'
import { testDeps } from '../support/deps'
import { startPlatformReceiver } from '../support/platform-receiver'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'

const SECRET = '4f1c9e0b7a2d86e35c10f9ab27d4e6c8913b5a0f7e2c4d6b8a1f3e5c7d9b0a2e'

describe('the HTTP adapter’s signature', () => {
  const body = '{"action":"disable","address":"a@pec.example.it","idempotencyKey":"mailbox-1-disable-1","mode":"off"}'
  const now = Date.UTC(2026, 6, 2, 10)
  const timestamp = String(now / 1000)
  it('verifies what was signed, and nothing else', () => {
    const signature = signPlatformRequest(SECRET, timestamp, body)
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/)
    expect(verifyPlatformRequest(SECRET, { timestamp, signature }, body, now)).toBe(true)
    expect(verifyPlatformRequest(SECRET, { timestamp, signature }, body.replace('off', 'receive-only'), now)).toBe(false) // body changed
    expect(verifyPlatformRequest('another-secret', { timestamp, signature }, body, now)).toBe(false)
    expect(verifyPlatformRequest(SECRET, { timestamp: String(now / 1000 + 1), signature }, body, now)).toBe(false) // timestamp changed
    expect(verifyPlatformRequest(SECRET, { timestamp, signature }, body, now + 301_000)).toBe(false) // replayed after 5 minutes
    expect(verifyPlatformRequest(SECRET, { timestamp }, body, now)).toBe(false)
  })
})

describe.each(testDatabases())('%s: the HTTP adapter against a local receiver (issue 13)', (_name, open) => {
  let t: TestDatabase
  let receiver: Awaited<ReturnType<typeof startPlatformReceiver>> | undefined
  afterEach(async () => {
    await receiver?.close()
    receiver = undefined
    await t?.close()
  })

  async function setup(today: string) {
    t = await open()
    await seedConvention(t.database.db)
    const clock = clockOn(today)
    return { db: t.database.db, clock, deps: testDeps(t.database.db, clock) }
  }

  it('answered 500 twice then 200: retried with backoff, each transition carried out once, with one key', async () => {
    const { db, clock, deps } = await setup('2026-07-02')
    receiver = await startPlatformReceiver(SECRET, { failFirst: 2 })
    const platform = httpMailPlatform({ url: receiver.url, secret: SECRET, clock })
    const mailbox = await seedMailbox(db, { expiresOn: '2026-07-01' })

    /** Delivers until the queue is empty, moving the clock by each backoff in turn. */
    async function deliverWithRetries() {
      const sum = { done: 0, failed: 0 }
      for (let failures = 1; ; failures++) {
        const totals = await deliverProvisioningCommands(deps, platform)
        sum.done += totals.done
        sum.failed += totals.failed
        if (totals.retried === 0) return sum
        clock.advanceMs(retryDelayMs(failures))
      }
    }

    await runLifecycle(deps, { date: day('2026-07-02') }) // R5: disable
    expect(await deliverWithRetries()).toEqual({ done: 1, failed: 0 })
    clock.set(clockOn('2026-07-20').now()) // R6: a late payment, enable
    const order = await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'bonifico', actor: 'holder:test' })
    await registerPayment(deps, { orderRef: order.orderId, amountCents: order.totalCents, method: 'bonifico', reference: 'CRO-HTTP-1', actor: 'operator:test' })
    expect(await deliverWithRetries()).toEqual({ done: 1, failed: 0 })
    await runLifecycle(deps, { date: day('2027-07-02') })
    await runLifecycle(deps, { date: day('2027-09-30') }) // disable, then delete after the window
    clock.set(clockOn('2027-09-30').now())
    expect(await deliverWithRetries()).toEqual({ done: 2, failed: 0 })

    expect(receiver.refused()).toBe(0) // every request's signature verified
    expect(receiver.applied.map((c) => [c.action, c.mode ?? null, c.address])).toEqual([
      ['disable', 'off', mailbox.address],
      ['enable', null, mailbox.address],
      ['disable', 'off', mailbox.address],
      ['delete', null, mailbox.address],
    ])
    const keys = receiver.applied.map((c) => c.idempotencyKey)
    expect(new Set(keys).size).toBe(4)
    for (const key of keys) {
      expect(receiver.requests.filter((r) => r.idempotencyKey === key).map((r) => r.status)).toEqual([500, 500, 200])
    }
    expect(await platform.status(mailbox.address)).toBe('absent')
    expect(await queryRows(db, sql`SELECT status, attempts FROM provisioning_commands ORDER BY id`)).toEqual(
      Array(4).fill({ status: 'done', attempts: 3 }),
    )
  })

  it('a delivery repeated after a stopped run reaches the receiver with the same key, carried out once', async () => {
    const { db, clock, deps } = await setup('2026-07-02')
    receiver = await startPlatformReceiver(SECRET)
    const platform = httpMailPlatform({ url: receiver.url, secret: SECRET, clock })
    await seedMailbox(db, { expiresOn: '2026-07-01' })
    await runLifecycle(deps, { date: day('2026-07-02') })
    await callPlatform(platform, await claimCommands(deps, { limit: 10, leaseMs: 60_000 }), 4) // then the run stops
    clock.advanceMs(60_000)
    expect(await deliverProvisioningCommands(deps, platform)).toMatchObject({ done: 1 })
    expect(receiver.requests.map((r) => r.idempotencyKey)).toEqual([receiver.applied[0].idempotencyKey, receiver.applied[0].idempotencyKey])
    expect(receiver.applied).toHaveLength(1)
  })

  it('a receiver that refuses the signature (another secret) fails the command for good, listed for operators', async () => {
    const { db, clock, deps } = await setup('2026-07-02')
    receiver = await startPlatformReceiver(SECRET)
    const mailbox = await seedMailbox(db, { expiresOn: '2026-07-01' })
    await runLifecycle(deps, { date: day('2026-07-02') })
    const misconfigured = httpMailPlatform({ url: receiver.url, secret: 'not-the-shared-secret-but-long-enough-0123456789', clock })
    expect(await deliverProvisioningCommands(deps, misconfigured)).toEqual({ done: 0, retried: 0, failed: 1 })
    expect(receiver.refused()).toBe(1)
    expect((await listFailedCommands(deps)).map((f) => [f.address, f.action, f.lastError])).toEqual([
      [mailbox.address, 'disable', 'mail platform answered 401: bad signature'],
    ])
  })

  it('check: reports the mailboxes whose state differs on the platform, and --fix queues what is missing', async () => {
    const { db, clock, deps } = await setup('2026-07-02')
    receiver = await startPlatformReceiver(SECRET)
    const platform = httpMailPlatform({ url: receiver.url, secret: SECRET, clock })
    const lapsed = await seedMailbox(db, { expiresOn: '2026-07-01' })
    const fine = await seedMailbox(db, { expiresOn: '2027-07-01' })
    await runLifecycle(deps, { date: day('2026-07-02') })
    expect(await checkPlatformDrift(deps, platform)).toEqual({ checked: 1, awaitingDelivery: 1, unanswered: 0, drifts: [] }) // the disable is on its way
    await deliverProvisioningCommands(deps, platform)
    receiver.states.set(lapsed.address, 'active') // someone re-enabled it by hand on the platform
    receiver.states.set(fine.address, 'absent') // and deleted another
    const report = await checkPlatformDrift(deps, platform, { fix: true, actor: 'operator:test' })
    expect(report).toEqual({
      checked: 2,
      awaitingDelivery: 0,
      unanswered: 0,
      drifts: [
        { address: lapsed.address, expected: 'off', actual: 'active', queued: 'disable' },
        { address: fine.address, expected: 'active', actual: 'absent', queued: 'enable' },
      ],
    })
    expect(await queryRows(db, sql`SELECT action, actor FROM audit_log WHERE action = 'mailbox.platform_resent' ORDER BY id`)).toHaveLength(2)
    expect(await deliverProvisioningCommands(deps, platform)).toMatchObject({ done: 2 })
    expect((await checkPlatformDrift(deps, platform)).drifts).toEqual([])
  })
})
