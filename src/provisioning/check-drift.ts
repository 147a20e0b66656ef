import { sql } from 'drizzle-orm'
import { audit } from '../db/audit'
import { queryRows } from '../db/client'
import type { Deps } from '../deps'
import { queueCommandRowsSql, type PlatformAction } from './commands'
import type { DeactivationMode, MailPlatform, PlatformState } from './mail-platform'

/** A mailbox whose state on the platform is not ours. */
export interface Drift {
  address: string
  expected: PlatformState
  actual: PlatformState
  /** With --fix: the command queued to bring the platform back to our state. */
  queued?: PlatformAction
}

export interface DriftReport {
  checked: number
  /** Mailboxes with a command still on its way: not compared (they differ until it arrives). */
  awaitingDelivery: number
  /** Mailboxes the platform did not answer for (the error, once per kind). */
  unanswered: number
  drifts: Drift[]
}

/** What our state means on the platform (R5, R6): the convention's mode once deactivated, absent once ceased. */
export function expectedPlatformState(status: 'active' | 'deactivated' | 'ceased', deactivationMode: DeactivationMode): PlatformState {
  if (status === 'active') return 'active'
  return status === 'deactivated' ? deactivationMode : 'absent'
}

const ACTION_FOR: Record<PlatformState, PlatformAction> = { active: 'enable', off: 'disable', 'receive-only': 'disable', absent: 'delete' }

/**
 * R12: compares every mailbox's state with the platform's (`status`), `concurrency` questions at a
 * time. With `fix`, queues the command each drifted mailbox needs (delivered by the queue as any
 * other, with its own idempotency key), with an audit row, in one transaction.
 */
export async function checkPlatformDrift(
  deps: Deps,
  platform: MailPlatform,
  options: { fix?: boolean; actor?: string; concurrency?: number } = {},
): Promise<DriftReport> {
  const mailboxes = await queryRows<{ id: number; address: string; status: 'active' | 'deactivated' | 'ceased'; mode: DeactivationMode; waiting: boolean }>(
    deps.db,
    sql`SELECT m.id, m.address, m.status, c.deactivation_mode AS mode,
               EXISTS (SELECT 1 FROM provisioning_commands p WHERE p.mailbox_id = m.id AND p.status IN ('pending', 'in_flight')) AS waiting
          FROM mailboxes m JOIN conventions c ON c.code = m.convention_code ORDER BY m.id`,
  )
  const compared = mailboxes.filter((m) => !m.waiting)
  const found: Array<Drift & { mailboxId: number }> = []
  let unanswered = 0
  let next = 0
  const lane = async () => {
    while (next < compared.length) {
      const mailbox = compared[next++]
      const expected = expectedPlatformState(mailbox.status, mailbox.mode)
      try {
        const actual = await platform.status(mailbox.address)
        if (actual !== expected) found.push({ mailboxId: Number(mailbox.id), address: mailbox.address, expected, actual })
      } catch {
        unanswered++
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, compared.length) }, lane))
  found.sort((a, b) => a.mailboxId - b.mailboxId)
  if (options.fix && found.length) {
    const now = deps.clock.now()
    await deps.db.transaction(async (tx) => {
      for (const drift of found) {
        drift.queued = ACTION_FOR[drift.expected]
        await tx.execute(queueCommandRowsSql(drift.queued, { from: sql`mailboxes WHERE id = ${drift.mailboxId}`, mailboxId: sql`id` }, now))
        await audit(tx, {
          actor: options.actor ?? 'system:provisioning-check',
          action: 'mailbox.platform_resent',
          at: now,
          mailboxId: drift.mailboxId,
          data: { expected: drift.expected, actual: drift.actual, command: drift.queued },
        })
      }
    })
  }
  return {
    checked: compared.length,
    awaitingDelivery: mailboxes.length - compared.length,
    unanswered,
    drifts: found.map(({ mailboxId: _, ...drift }) => drift),
  }
}
