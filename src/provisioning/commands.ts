import { sql, type SQL } from 'drizzle-orm'
import { provisioningCommands } from './schema'

// R12: the mail platform's commands are queued in the transaction of the state change they follow
// and delivered after commit (deliver-commands.ts). The queue is written only from here.

export type PlatformAction = (typeof provisioningCommands.$inferInsert)['action']

/** The INSERT of one command per row of `from` (a CTE, with WHERE and ORDER BY), `mailboxId` an SQL expression over it. */
export function queueCommandRowsSql(action: PlatformAction, rows: { from: SQL; mailboxId: SQL }, now: Date): SQL {
  return sql`INSERT INTO provisioning_commands (mailbox_id, action, created_at)
    SELECT ${rows.mailboxId}, ${action}::text, ${now}::timestamptz FROM ${rows.from}`
}
