import { and, asc, eq, sql, type SQL } from 'drizzle-orm'
import type { CalendarDate } from '../core/calendar'
import type { Executor } from '../db/client'
import { mailboxes, type MailboxStatus } from './schema'
import type { Mailbox } from './queries'
import type { HolderSession } from './sessions'

export interface HolderMailbox {
  id: number
  address: string
  status: MailboxStatus
  expiresOn: CalendarDate
  register: string
}

/**
 * The mailboxes a signed-in holder may see: every mailbox of the account, or only the one they
 * signed in with. Every portal lookup goes through here or `findHolderMailbox`: ownership is
 * checked in the query, whatever ids a URL or form carries.
 */
export async function listHolderMailboxes(db: Executor, holder: HolderSession): Promise<HolderMailbox[]> {
  const rows = await db
    .select({ id: mailboxes.id, address: mailboxes.address, status: mailboxes.status, expiresOn: mailboxes.expiresOn, register: mailboxes.register })
    .from(mailboxes)
    .where(visibleTo(holder))
    .orderBy(asc(mailboxes.expiresOn), asc(mailboxes.address))
  return rows
}

/** The ownership condition on `mailboxes`, for queries that join more tables to the holder's mailboxes. */
export function visibleTo(holder: HolderSession): SQL | undefined {
  const { onlyAddress } = visibilityOf(holder)
  return and(eq(mailboxes.accountId, holder.accountId), onlyAddress ? eq(mailboxes.address, onlyAddress) : undefined)
}

/** The same condition in a prepared query (preparedPerDatabase): its values come from `visibilityOf`. */
export const VISIBLE_TO_PLACEHOLDERS = sql`${mailboxes.accountId} = ${sql.placeholder('accountId')}
  and (${sql.placeholder('onlyAddress')}::text is null or ${mailboxes.address} = ${sql.placeholder('onlyAddress')})`

/** Whose mailboxes the holder sees, and whether only the one they signed in with. */
export function visibilityOf(holder: HolderSession): { accountId: string; onlyAddress: string | null } {
  const onlyAddress = holder.signedInWith.startsWith('mailbox:') ? holder.signedInWith.slice('mailbox:'.length) : null
  return { accountId: holder.accountId, onlyAddress }
}

export async function findHolderMailbox(db: Executor, holder: HolderSession, mailboxId: number): Promise<HolderMailbox | undefined> {
  const row = await findVisibleMailbox(db, holder, mailboxId)
  return row && { id: row.id, address: row.address, status: row.status, expiresOn: row.expiresOn, register: row.register }
}

/** The whole mailbox row, when the holder may see it: one query, ownership in its WHERE. */
export async function findVisibleMailbox(db: Executor, holder: HolderSession, mailboxId: number): Promise<Mailbox | undefined> {
  const [row] = await db.select().from(mailboxes).where(and(eq(mailboxes.id, mailboxId), visibleTo(holder)))
  return row
}
