import { and, eq, sql, type SQL } from 'drizzle-orm'
import type { CalendarDate } from '../core/calendar'
import type { Executor, Tx } from '../db/client'
import * as accountQueries from '../accounts/queries'
import { accounts, mailboxes } from '../accounts/schema'
import { billingProfiles, orders, type BillingData } from './schema'
import type { OrderId } from '../core/order-id'

// Every SQL statement of the renewals capability. Dates come back as 'YYYY-MM-DD' strings (R1).

export type OrderRow = typeof orders.$inferSelect
export type NewOrderRow = typeof orders.$inferInsert
export type MailboxRow = Omit<typeof mailboxes.$inferSelect, 'expiresOn'> & { expiresOn: CalendarDate }
export type AccountRow = typeof accounts.$inferSelect

function asMailbox(row: typeof mailboxes.$inferSelect): MailboxRow {
  return row
}

/** By address, any case: the accounts capability owns the lookup and its normalisation. */
export async function findMailboxByAddress(db: Executor, address: string): Promise<MailboxRow | undefined> {
  const row = await accountQueries.findMailboxByAddress(db, address)
  return row && asMailbox(row)
}

export async function findMailbox(db: Executor, mailboxId: number): Promise<MailboxRow | undefined> {
  const [row] = await db.select().from(mailboxes).where(eq(mailboxes.id, mailboxId))
  return row && asMailbox(row)
}

/** Locks the mailbox row until the transaction ends: renewals of one mailbox take turns. */
export async function lockMailbox(tx: Tx, mailboxId: number): Promise<MailboxRow | undefined> {
  const [row] = await tx.select().from(mailboxes).where(eq(mailboxes.id, mailboxId)).for('update')
  return row && asMailbox(row)
}

export async function findAccount(db: Executor, accountId: string): Promise<AccountRow | undefined> {
  const [row] = await db.select().from(accounts).where(eq(accounts.id, accountId))
  return row
}

export async function findOrder(db: Executor, orderId: OrderId): Promise<OrderRow | undefined> {
  const [row] = await db.select().from(orders).where(eq(orders.id, orderId))
  return row
}

/** Take the mailbox lock first (lockMailbox), then the order's: the same order everywhere, no deadlock. */
export async function lockOrder(tx: Tx, orderId: OrderId): Promise<OrderRow | undefined> {
  const [row] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update')
  return row
}

/** R3: the mailbox's one open (unpaid) order, if any. */
export async function findOpenOrder(db: Executor, mailboxId: number): Promise<OrderRow | undefined> {
  const [row] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.mailboxId, mailboxId), eq(orders.status, 'open')))
  return row
}

/** An order's status, changed under the locks the caller holds (cancelOrder). */
export async function setOrderStatus(tx: Tx, orderId: OrderId, status: 'cancelled'): Promise<void> {
  await tx.update(orders).set({ status }).where(eq(orders.id, orderId))
}

/** Inserts an order; undefined when its ID is already taken (the caller draws another). */
export async function insertOrder(tx: Tx, order: NewOrderRow): Promise<OrderRow | undefined> {
  const [row] = await tx.insert(orders).values(order).onConflictDoNothing({ target: orders.id }).returning()
  return row
}

export async function updateOpenOrder(
  tx: Tx,
  orderId: OrderId,
  changes: Partial<Pick<NewOrderRow, 'years' | 'netCents' | 'vatCents' | 'totalCents' | 'method' | 'billing' | 'acceptedContracts'>>,
): Promise<OrderRow | undefined> {
  const [row] = await tx
    .update(orders)
    .set(changes)
    .where(and(eq(orders.id, orderId), eq(orders.status, 'open')))
    .returning()
  return row
}

/**
 * R4: the orders a settlement batch paid, each with the renewal it bought, in one UPDATE (a
 * set-based writer's CTE). The rows travel as JSON: the planner then counts on a hundred of them
 * and probes the primary key per row, where an array of a thousand would make it scan the table.
 */
export function markOrdersPaidSql(paid: ReadonlyArray<{ id: string; extendedFrom: CalendarDate; newExpiresOn: CalendarDate }>, paidAt: Date): SQL {
  return sql`UPDATE orders o SET status = 'paid', paid_at = ${paidAt}::timestamptz, extended_from = v."extendedFrom", new_expires_on = v."newExpiresOn"
      FROM jsonb_to_recordset(${JSON.stringify(paid)}::jsonb) AS v(id text, "extendedFrom" date, "newExpiresOn" date)
     WHERE o.id = v.id`
}

/** The billing data the account last confirmed with an order, if any (issue 14). */
export async function findBillingProfile(db: Executor, accountId: string): Promise<BillingData | undefined> {
  const [row] = await db.select({ billing: billingProfiles.billing }).from(billingProfiles).where(eq(billingProfiles.accountId, accountId))
  return row?.billing
}

/** Remembers the billing data an order was placed with, replacing the account's previous one. */
export async function saveBillingProfile(tx: Tx, accountId: string, billing: BillingData, orderId: string, at: Date): Promise<void> {
  await tx
    .insert(billingProfiles)
    .values({ accountId, billing, orderId, updatedAt: at })
    .onConflictDoUpdate({ target: billingProfiles.accountId, set: { billing, orderId, updatedAt: at } })
}

/** The constraint a unique violation (SQLSTATE 23505) broke, on either driver; null for any other error. */
export function uniqueViolation(error: unknown): string | null {
  for (let e = error as { code?: string; constraint?: string; message?: string; cause?: unknown } | undefined; e; ) {
    if (e.code === '23505') return e.constraint ?? /constraint "([^"]+)"/.exec(e.message ?? '')?.[1] ?? ''
    e = e.cause as typeof e
  }
  return null
}
