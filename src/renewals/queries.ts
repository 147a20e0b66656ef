import { and, asc, eq, sql, type Placeholder, type SQL } from 'drizzle-orm'
import { findHolderMailbox, VISIBLE_TO_PLACEHOLDERS, visibilityOf, type HolderMailbox } from '../accounts/holder-mailboxes'
import * as accountQueries from '../accounts/queries'
import { accounts, mailboxes } from '../accounts/schema'
import type { HolderSession } from '../accounts/sessions'
import type { Convention, Price } from '../catalog/queries'
import { contractDocuments, contractVersions, conventionContractDocuments, conventions, prices } from '../catalog/schema'
import type { CalendarDate } from '../core/calendar'
import { isOrderId, type OrderId } from '../core/order-id'
import { cachedRead, preparedPerDatabase, queryRows, type Executor, type Tx } from '../db/client'
import type { InvoiceBilling } from './billing'
import { billingProfiles, orders, renewalDrafts, type BillingData } from './schema'
import type { ContractText, CurrentContract, DraftChoices, RenewalDraft } from './wizard-rules'

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

// ---- the renewal wizard's drafts and what its pages read (issue 3) ----

export async function findDraft(db: Executor, accountId: string, mailboxId: number): Promise<RenewalDraft | undefined> {
  const [row] = await db
    .select()
    .from(renewalDrafts)
    .where(and(eq(renewalDrafts.accountId, accountId), eq(renewalDrafts.mailboxId, mailboxId)))
  return row && { ...row, billing: row.billing as InvoiceBilling | null }
}

/** Saves the choices of one step (upsert): the other steps' choices stay as they were. */
export async function saveDraft(db: Executor, accountId: string, mailboxId: number, choices: DraftChoices, now: Date): Promise<void> {
  await db
    .insert(renewalDrafts)
    .values({ accountId, mailboxId, ...choices, updatedAt: now })
    .onConflictDoUpdate({ target: [renewalDrafts.accountId, renewalDrafts.mailboxId], set: { ...choices, updatedAt: now } })
}

export async function deleteDraft(db: Executor, accountId: string, mailboxId: number): Promise<void> {
  await db.delete(renewalDrafts).where(and(eq(renewalDrafts.accountId, accountId), eq(renewalDrafts.mailboxId, mailboxId)))
}

/** Every contract document of a convention in the version in force on `today` (the latest effective one). */
export async function currentContracts(db: Executor, conventionCode: string, today: CalendarDate): Promise<CurrentContract[]> {
  return queryRows<CurrentContract>(db, contractsInForce(sql`${conventionCode}`, today)).then(inReadingOrder)
}

/** Issue 11: a convention's holders accept that convention's documents. */
function contractsInForce(conventionCode: SQL, today: CalendarDate | Placeholder) {
  return sql`select distinct on (d.code) d.code, d.title_it as "titleIt", d.title_en as "titleEn", d.onerous,
                    v.version, v.effective_from::text as "effectiveFrom"
               from ${contractDocuments} d join ${contractVersions} v on v.document_code = d.code
               join ${conventionContractDocuments} cc on cc.document_code = d.code
              where cc.convention_code = ${conventionCode} and v.effective_from <= ${today}
              order by d.code, v.effective_from desc, v.id desc`
}

/** The ordinary contracts first, then the onerous clauses approved on their own. */
function inReadingOrder(contracts: CurrentContract[]): CurrentContract[] {
  return [...contracts].sort((a, b) => Number(a.onerous) - Number(b.onerous) || a.code.localeCompare(b.code))
}

const wizardFactsQuery = preparedPerDatabase((db) =>
  db
    .select({
      mailbox: mailboxes,
      account: accounts,
      convention: conventions,
      draft: renewalDrafts,
      openOrderId: orders.id,
      // issue 11: the price of each duration in force today (the latest effective on or before it)
      prices: sql<Price[]>`(select coalesce(json_agg(json_build_object('conventionCode', p.convention_code, 'years', p.years,
                                 'netCents', p.net_cents, 'vatBasisPoints', p.vat_basis_points, 'isDemo', p.is_demo,
                                 'effectiveFrom', p.effective_from::text) order by p.years), '[]')
                              from (select distinct on (years) * from ${prices}
                                     where convention_code = ${mailboxes.conventionCode} and effective_from <= ${sql.placeholder('today')}
                                     order by years, effective_from desc) p)`,
      contracts: sql<CurrentContract[]>`(select coalesce(json_agg(c), '[]') from (${contractsInForce(sql`${mailboxes.conventionCode}`, sql.placeholder('today'))}) c)`,
    })
    .from(mailboxes)
    .innerJoin(accounts, eq(accounts.id, mailboxes.accountId))
    .innerJoin(conventions, eq(conventions.code, mailboxes.conventionCode))
    .leftJoin(renewalDrafts, and(eq(renewalDrafts.accountId, mailboxes.accountId), eq(renewalDrafts.mailboxId, mailboxes.id)))
    .leftJoin(orders, and(eq(orders.mailboxId, mailboxes.id), eq(orders.status, 'open')))
    .where(and(eq(mailboxes.id, sql.placeholder('mailboxId')), VISIBLE_TO_PLACEHOLDERS))
    .prepare('wizard_facts'),
)

/** Everything a wizard step shows or checks, for a mailbox the holder may see. */
export interface WizardFacts {
  mailbox: MailboxRow
  account: AccountRow
  convention: Convention
  /** The convention's prices in force today, shortest duration first. */
  prices: Price[]
  draft: RenewalDraft | undefined
  openOrderId: OrderId | null
  contracts: CurrentContract[]
}

/**
 * One query for every wizard page (a holder clicks through five of them): the mailbox with its
 * account, convention, price list, draft and open order, and the contracts in force `today`.
 * Ownership is in the WHERE (visibleTo): another account's mailbox id finds nothing.
 */
export async function findWizardFacts(db: Executor, holder: HolderSession, mailboxId: number, today: CalendarDate): Promise<WizardFacts | undefined> {
  const params = { mailboxId, today, ...visibilityOf(holder) }
  const [row] = await cachedRead(db, `wizard_facts ${JSON.stringify(params)}`, () => wizardFactsQuery(db).execute(params))
  if (!row) return undefined
  return {
    mailbox: row.mailbox,
    account: row.account,
    convention: row.convention,
    prices: row.prices,
    draft: row.draft ? { ...row.draft, billing: row.draft.billing as InvoiceBilling | null } : undefined,
    openOrderId: row.openOrderId,
    contracts: inReadingOrder(row.contracts),
  }
}

export async function findContractText(db: Executor, code: string, version: string): Promise<ContractText | undefined> {
  const [row] = await db
    .select({
      code: contractDocuments.code,
      titleIt: contractDocuments.titleIt,
      titleEn: contractDocuments.titleEn,
      onerous: contractDocuments.onerous,
      version: contractVersions.version,
      effectiveFrom: contractVersions.effectiveFrom,
      body: contractVersions.body,
    })
    .from(contractVersions)
    .innerJoin(contractDocuments, eq(contractDocuments.code, contractVersions.documentCode))
    .where(and(eq(contractVersions.documentCode, code), eq(contractVersions.version, version)))
  return row
}

/** An order the signed-in holder may see: their account's, on a mailbox their session shows. */
export async function findHolderOrder(db: Executor, holder: HolderSession, orderId: string): Promise<OrderRow | undefined> {
  const order = isOrderId(orderId) ? await findOrder(db, orderId) : undefined
  if (!order || order.accountId !== holder.accountId) return undefined
  return (await findHolderMailbox(db, holder, order.mailboxId)) ? order : undefined
}

// One query for the whole list: it is the page holders land on after signing in.
const renewalStatesQuery = preparedPerDatabase((db) =>
  db
    .select({
      mailbox: { id: mailboxes.id, address: mailboxes.address, status: mailboxes.status, expiresOn: mailboxes.expiresOn, register: mailboxes.register },
      renewableWindowDays: conventions.renewableWindowDays,
      openOrder: orders,
      draftMailboxId: renewalDrafts.mailboxId,
    })
    .from(mailboxes)
    .innerJoin(conventions, eq(conventions.code, mailboxes.conventionCode))
    .leftJoin(orders, and(eq(orders.mailboxId, mailboxes.id), eq(orders.status, 'open')))
    .leftJoin(renewalDrafts, and(eq(renewalDrafts.mailboxId, mailboxes.id), eq(renewalDrafts.accountId, mailboxes.accountId)))
    .where(VISIBLE_TO_PLACEHOLDERS)
    .orderBy(asc(mailboxes.expiresOn), asc(mailboxes.address))
    .prepare('mailbox_renewal_states'),
)

/** Each mailbox the holder may see, with its convention's renewable window, open order and whether a draft exists. */
export interface MailboxRenewalRow {
  mailbox: HolderMailbox
  renewableWindowDays: number
  openOrder: OrderRow | null
  draftMailboxId: number | null
}

export async function findMailboxRenewalRows(db: Executor, holder: HolderSession): Promise<MailboxRenewalRow[]> {
  const params = visibilityOf(holder)
  return cachedRead(db, `mailbox_renewal_states ${JSON.stringify(params)}`, () => renewalStatesQuery(db).execute(params))
}
