import { sql, type SQL } from 'drizzle-orm'
import type { Executor } from './client'
import { auditLog } from './audit-schema'

/** Who acts: holder:ACCOUNT, operator:NAME, system:lifecycle, gateway:NAME. */
export type Actor = string

export interface AuditEntry {
  actor: Actor
  action: string // mailbox.deactivated, order.placed, payment.paid …
  at: Date
  mailboxId?: number
  orderId?: string
  paymentId?: number
  reason?: string
  data?: unknown
}

/** R9: written in the same transaction as the change it explains. */
export async function audit(tx: Executor, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values(entry)
}

// Set-based writers write their audit rows in the statement that makes the changes (a
// data-modifying CTE); these build that INSERT, so the audit_log table is written only from here.

const COLUMNS = sql`INSERT INTO audit_log (at, actor, action, mailbox_id, order_id, payment_id, reason, data)`

/**
 * Audit rows computed in SQL: one per row of `from` (the FROM clause and what may follow it: a
 * CTE, a join, WHERE, ORDER BY), each column an SQL expression over those rows. A statement's rows
 * share their time, and their actor unless `actor` says otherwise.
 */
export interface AuditRowsSql {
  from: SQL
  /** Who, when each row has its own (default: the statement's). */
  actor?: SQL
  action: string | SQL
  mailboxId?: SQL
  orderId?: SQL
  paymentId?: SQL
  reason?: string | SQL
  data?: SQL
}

/** R9: the INSERT of the audit rows of one or more sources (UNION ALL), with who and when. */
export function insertAuditRowsSql(stamp: { at: Date; actor?: Actor }, ...parts: AuditRowsSql[]): SQL {
  const selects = parts.map(
    (p) => sql`(SELECT ${stamp.at}::timestamptz, ${p.actor ?? stamp.actor}::text, ${p.action}::text, ${p.mailboxId ?? sql`NULL`}::bigint,
                      ${p.orderId ?? sql`NULL`}::text, ${p.paymentId ?? sql`NULL`}::bigint, ${p.reason ?? null}::text, ${p.data ?? sql`NULL`}::jsonb
                 FROM ${p.from})`,
  )
  return sql`${COLUMNS} ${sql.join(selects, sql` UNION ALL `)}`
}
