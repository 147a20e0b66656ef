import { sql } from 'drizzle-orm'
import { queryRows } from '../db/client'
import type { Deps } from '../deps'
import type { MailPlatform } from './mail-platform'

const RETRY_DELAY_MS = 5 * 60_000

/**
 * Hands pending commands to the mail platform, oldest first, each exactly once per success.
 * Rows are claimed with SKIP LOCKED so several workers share the queue; a failure keeps the
 * command pending for a later attempt and records the error.
 */
export async function deliverProvisioningCommands(
  deps: Deps,
  platform: MailPlatform,
  options: { batchSize?: number } = {},
): Promise<{ done: number; failed: number }> {
  const totals = { done: 0, failed: 0 }
  for (;;) {
    const claimed = await deps.db.transaction(async (tx) => {
      const now = deps.clock.now()
      const rows = await queryRows<{ id: number; action: 'disable' | 'enable' | 'delete'; address: string }>(
        tx,
        sql`SELECT p.id, p.action, m.address FROM provisioning_commands p JOIN mailboxes m ON m.id = p.mailbox_id
             WHERE p.status = 'pending' AND (p.next_attempt_at IS NULL OR p.next_attempt_at <= ${now}::timestamptz)
             ORDER BY p.id LIMIT ${options.batchSize ?? 100} FOR UPDATE OF p SKIP LOCKED`,
      )
      for (const row of rows) {
        try {
          await platform.apply(row)
          await tx.execute(sql`UPDATE provisioning_commands SET status = 'done', done_at = ${now}::timestamptz, last_error = NULL WHERE id = ${row.id}`)
          totals.done++
        } catch (error) {
          const retryAt = new Date(now.getTime() + RETRY_DELAY_MS)
          await tx.execute(sql`UPDATE provisioning_commands SET attempts = attempts + 1, next_attempt_at = ${retryAt}::timestamptz,
                                 last_error = ${String(error)} WHERE id = ${row.id}`)
          totals.failed++
        }
      }
      return rows.length
    })
    if (claimed === 0 || totals.failed > 0) return totals
  }
}
