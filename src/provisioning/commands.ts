import { sql, type SQL } from 'drizzle-orm'
import { provisioningCommands } from './schema'

// R12: the mail platform's commands are queued in the transaction of the state change they follow
// and delivered after commit (deliver-commands.ts). The queue is written only from here.

export type PlatformAction = (typeof provisioningCommands.$inferInsert)['action']

/**
 * The INSERT of one command per row of `from` (a CTE, with WHERE and ORDER BY), `mailboxId` an SQL
 * expression over it. A disable carries its convention's deactivation mode, read as it is now.
 */
export function queueCommandRowsSql(action: PlatformAction, rows: { from: SQL; mailboxId: SQL }, now: Date): SQL {
  const mode =
    action === 'disable'
      ? sql`(SELECT c.deactivation_mode FROM mailboxes qm JOIN conventions c ON c.code = qm.convention_code WHERE qm.id = q.mailbox_id)`
      : sql`NULL::text`
  return sql`INSERT INTO provisioning_commands (mailbox_id, action, mode, created_at)
    SELECT q.mailbox_id, ${action}::text, ${mode}, ${now}::timestamptz
      FROM (SELECT ${rows.mailboxId} AS mailbox_id FROM ${rows.from}) q`
}
