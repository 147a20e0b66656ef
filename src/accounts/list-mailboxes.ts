import { sql, type SQL } from 'drizzle-orm'
import type { CalendarDate } from '../core/calendar'
import { queryRows, type Executor } from '../db/client'
import type { MailboxStatus, Register } from './schema'

export interface ListedMailbox {
  address: string
  status: MailboxStatus
  expiresOn: CalendarDate
  accountId: string
  convention: string
  holder: string
  fiscalCode: string
}

const LISTED = sql`m.address, m.status, m.expires_on::text AS "expiresOn", m.account_id AS "accountId", m.convention_code AS convention,
  a.first_name || ' ' || a.last_name AS holder, a.fiscal_code AS "fiscalCode"`

/**
 * Issue 15: mailboxes in address order, a page after `startingAfter` (keyset: the unique index on
 * address), optionally of one convention or status; `limit + 1` rows tell whether more follow.
 */
export async function listMailboxes(db: Executor, filter: { conventionCode?: string | null; status?: MailboxStatus; startingAfter?: string; limit: number }): Promise<ListedMailbox[]> {
  const where: SQL[] = [sql`true`]
  if (filter.conventionCode) where.push(sql`m.convention_code = ${filter.conventionCode}`)
  if (filter.status) where.push(sql`m.status = ${filter.status}`)
  if (filter.startingAfter) where.push(sql`m.address > ${filter.startingAfter.toLowerCase()}`)
  return queryRows<ListedMailbox>(
    db,
    sql`SELECT ${LISTED} FROM mailboxes m JOIN accounts a ON a.id = m.account_id
         WHERE ${sql.join(where, sql` AND `)} ORDER BY m.address LIMIT ${filter.limit + 1}`,
  )
}

/** The convention of each of these mailboxes (a search's results, for a partner's token). */
export async function conventionsOfMailboxes(db: Executor, addresses: readonly string[]): Promise<Map<string, string>> {
  if (!addresses.length) return new Map()
  const rows = await queryRows<{ address: string; convention: string }>(
    db,
    sql`SELECT address, convention_code AS convention FROM mailboxes WHERE address IN (${sql.join(addresses.map((a) => sql`${a}`), sql`, `)})`,
  )
  return new Map(rows.map((r) => [r.address, r.convention]))
}

export interface LapsedMailbox {
  address: string
  event: 'deactivated' | 'ceased'
  on: CalendarDate
  status: MailboxStatus
  convention: string
  fiscalCode: string
  holder: string
  register: Register
}

/**
 * Issue 15, the partner's report (INI-PEC, R7): the mailboxes deactivated (R5) or ceased (R6) on a
 * day of the period and still so: a mailbox renewed since is valid again and is not listed. In
 * date order, then address; a mailbox deactivated and ceased within the period is listed twice.
 */
export async function lapsedMailboxes(db: Executor, period: { from: CalendarDate; to: CalendarDate; conventionCode?: string | null }): Promise<LapsedMailbox[]> {
  const convention = period.conventionCode ? sql`AND m.convention_code = ${period.conventionCode}` : sql``
  const columns = sql`m.address, m.status, m.convention_code AS convention, a.fiscal_code AS "fiscalCode", a.first_name || ' ' || a.last_name AS holder, m.register`
  return queryRows<LapsedMailbox>(
    db,
    sql`SELECT * FROM (
          SELECT ${columns}, 'deactivated' AS event, m.deactivated_on::text AS "on" FROM mailboxes m JOIN accounts a ON a.id = m.account_id
           WHERE m.deactivated_on BETWEEN ${period.from}::date AND ${period.to}::date ${convention}
          UNION ALL
          SELECT ${columns}, 'ceased' AS event, m.ceased_on::text AS "on" FROM mailboxes m JOIN accounts a ON a.id = m.account_id
           WHERE m.ceased_on BETWEEN ${period.from}::date AND ${period.to}::date ${convention}
        ) lapsed ORDER BY "on", address, event DESC`,
  )
}
