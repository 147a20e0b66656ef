import { sql } from 'drizzle-orm'
import { visibilityOf } from '../accounts/holder-mailboxes'
import type { HolderSession } from '../accounts/sessions'
import { queryRows, type Db } from '../db/client'

/**
 * R11: the id of the invoice or credit note with this number, when it documents an order of the
 * holder's own (of the mailbox they signed in with, for a mailbox sign-in); undefined otherwise:
 * a holder never reaches another's invoice, whatever number a URL carries.
 */
export async function findHolderInvoiceId(db: Db, holder: HolderSession, key: { year: number; number: number; series: string }): Promise<number | undefined> {
  const { accountId, onlyAddress } = visibilityOf(holder)
  const [row] = await queryRows<{ id: number }>(
    db,
    sql`SELECT i.id::int FROM invoices i JOIN orders o ON o.id = i.order_id JOIN mailboxes m ON m.id = o.mailbox_id
         WHERE i.year = ${key.year} AND i.number = ${key.number} AND i.series = ${key.series}
           AND o.account_id = ${accountId} AND m.account_id = ${accountId} AND (${onlyAddress}::text IS NULL OR m.address = ${onlyAddress}::text)`,
  )
  return row?.id
}
