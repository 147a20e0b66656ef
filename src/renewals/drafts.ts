import { and, asc, eq, type Placeholder } from 'drizzle-orm'
import { findHolderMailbox, VISIBLE_TO_PLACEHOLDERS, visibilityOf, type HolderMailbox } from '../accounts/holder-mailboxes'
import { accounts, mailboxes } from '../accounts/schema'
import type { HolderSession } from '../accounts/sessions'
import { findConvention, type Convention, type Price } from '../catalog/queries'
import { contractDocuments, contractVersions, conventions, prices } from '../catalog/schema'
import { businessDate, type CalendarDate } from '../core/calendar'
import { DomainError } from '../core/errors'
import { isOrderId, type OrderId } from '../core/order-id'
import { cachedRead, preparedPerDatabase, queryRows, sql, type Executor, type Tx } from '../db/client'
import type { Deps } from '../deps'
import { enqueueMail } from '../notifications/outbox'
import type { InvoiceBilling } from './billing'
import { placeOrder, type PlacedOrder } from './place-order'
import { findAccount, findMailbox, findOrder, type AccountRow, type MailboxRow, type OrderRow } from './queries'
import { isRenewable, openOrderFacts, renewableUntil } from './rules'
import { orders, renewalDrafts, type AcceptedContract, type PaymentMethod } from './schema'

// The renewal wizard (issue 3): a draft per account and mailbox, saved at each step so the holder
// resumes where they left, turned into an order (R3) by placeDraftOrder together with its e-mails.

/** The wizard's steps, in order. */
export const WIZARD_STEPS = ['duration', 'contracts', 'billing', 'payment', 'summary'] as const
export type WizardStep = (typeof WIZARD_STEPS)[number]

export interface RenewalDraft {
  accountId: string
  mailboxId: number
  years: number | null
  acceptedContracts: AcceptedContract[] | null
  billing: InvoiceBilling | null
  method: PaymentMethod | null
  updatedAt: Date
}

export type DraftChoices = Partial<Pick<RenewalDraft, 'years' | 'acceptedContracts' | 'billing' | 'method'>>

/** A contract document in the version in force today. */
export interface CurrentContract {
  code: string
  titleIt: string
  titleEn: string
  onerous: boolean // art. 1341–1342 c.c.: approved on its own
  version: string
  effectiveFrom: CalendarDate
}

export interface ContractText extends CurrentContract {
  body: string
}

// ---- queries ----

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

/** Every contract document in the version in force on `today` (the latest effective one). */
export async function currentContracts(db: Executor, today: CalendarDate): Promise<CurrentContract[]> {
  return queryRows<CurrentContract>(db, contractsInForce(today)).then(inReadingOrder)
}

function contractsInForce(today: CalendarDate | Placeholder) {
  return sql`select distinct on (d.code) d.code, d.title_it as "titleIt", d.title_en as "titleEn", d.onerous,
                    v.version, v.effective_from::text as "effectiveFrom"
               from ${contractDocuments} d join ${contractVersions} v on v.document_code = d.code
              where v.effective_from <= ${today}
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
      prices: sql<Price[]>`(select coalesce(json_agg(json_build_object('conventionCode', p.convention_code, 'years', p.years,
                                 'netCents', p.net_cents, 'vatBasisPoints', p.vat_basis_points, 'isDemo', p.is_demo) order by p.years), '[]')
                              from ${prices} p where p.convention_code = ${mailboxes.conventionCode})`,
      contracts: sql<CurrentContract[]>`(select coalesce(json_agg(c), '[]') from (${contractsInForce(sql.placeholder('today'))}) c)`,
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
  /** The convention's price list, shortest duration first. */
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

/** What the mailbox list offers for each mailbox: renew, resume the draft, or resume the open order. */
export interface MailboxRenewalState {
  mailbox: HolderMailbox
  /** R6: active, or deactivated within the renewable window. */
  renewable: boolean
  renewableUntil: CalendarDate
  openOrder: OrderRow | undefined
  hasDraft: boolean
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

export async function mailboxRenewalStates(db: Executor, holder: HolderSession, today: CalendarDate): Promise<MailboxRenewalState[]> {
  const params = visibilityOf(holder)
  const rows = await cachedRead(db, `mailbox_renewal_states ${JSON.stringify(params)}`, () => renewalStatesQuery(db).execute(params))
  return rows.map((row) => {
    const { mailbox } = row
    const convention = { renewableWindowDays: row.renewableWindowDays }
    return {
      mailbox,
      renewable: isRenewable(mailbox, convention, today),
      renewableUntil: renewableUntil(mailbox.expiresOn, convention.renewableWindowDays),
      openOrder: row.openOrder ?? undefined,
      hasDraft: row.draftMailboxId !== null,
    }
  })
}

// ---- rules ----

/** R3: every contract in force is accepted in its current version (a new version asks again). */
export function contractsAccepted(accepted: AcceptedContract[] | null, contracts: CurrentContract[]): boolean {
  if (!accepted) return false
  return contracts.every((c) => accepted.some((a) => a.documentCode === c.code && a.version === c.version))
}

/** The first step still to do; 'summary' when every choice is made. Later steps need earlier ones. */
export function firstMissingStep(draft: RenewalDraft | undefined, contracts: CurrentContract[]): WizardStep {
  if (!draft?.years) return 'duration'
  if (!contractsAccepted(draft.acceptedContracts, contracts)) return 'contracts'
  if (!draft.billing) return 'billing'
  if (!draft.method) return 'payment'
  return 'summary'
}

/** True when `step` may be shown: every step before it is done. */
export function stepReachable(step: WizardStep, draft: RenewalDraft | undefined, contracts: CurrentContract[]): boolean {
  return WIZARD_STEPS.indexOf(step) <= WIZARD_STEPS.indexOf(firstMissingStep(draft, contracts))
}

// ---- use cases ----

export interface PlaceDraftOrderInput {
  holder: HolderSession
  mailboxId: number
}

/**
 * R3: turns the holder's finished draft into an order through placeOrder (which resumes the
 * mailbox's open order, so a double submit or a second visit never makes a second one), queues the
 * order e-mails in the same transaction and drops the draft.
 */
export async function placeDraftOrder(deps: Deps, input: PlaceDraftOrderInput): Promise<PlacedOrder> {
  const { holder, mailboxId } = input
  const today = businessDate(deps.clock.now(), deps.config.businessTimeZone)
  const facts = await findWizardFacts(deps.db, holder, mailboxId, today)
  if (!facts) throw new DomainError('mailbox_not_found', String(mailboxId))
  const { mailbox, contracts } = facts
  // A double submit whose twin placed the order first finds the draft spent: it resumes that order.
  const draft = facts.draft ?? (facts.openOrderId ? await findOrder(deps.db, facts.openOrderId) : undefined)
  if (!draft || (facts.draft && firstMissingStep(facts.draft, contracts) !== 'summary')) throw new DomainError('renewal_draft_incomplete')
  return placeOrder(
    deps,
    {
      mailboxId: mailbox.id,
      accountId: holder.accountId,
      actor: `holder:${holder.accountId}`,
      years: draft.years!,
      method: draft.method!,
      billing: draft.billing as InvoiceBilling,
      acceptedContracts: draft.acceptedContracts!,
    },
    {
      onPlaced: async (tx, order, changedFields) => {
        await queueOrderMails(tx, order, changedFields, deps.clock.now())
        await deleteDraft(tx, holder.accountId, mailboxId)
      },
    },
  )
}

/** R3: the holder changes how they will pay an open order; an updated summary e-mail follows. */
export async function changeOrderMethod(deps: Deps, holder: HolderSession, orderId: string, method: PaymentMethod): Promise<PlacedOrder> {
  const order = await findHolderOrder(deps.db, holder, orderId)
  if (!order) throw new DomainError('order_not_found', orderId)
  if (order.status !== 'open') throw new DomainError(order.status === 'paid' ? 'order_already_paid' : 'order_not_open', orderId)
  const mailbox = (await findMailbox(deps.db, order.mailboxId))!
  return placeOrder(
    deps,
    {
      mailboxId: mailbox.id,
      accountId: holder.accountId,
      actor: `holder:${holder.accountId}`,
      years: order.years,
      method,
      billing: order.billing,
      acceptedContracts: order.acceptedContracts,
    },
    {
      onPlaced: async (tx, placed, changedFields) => {
        // paid or lapsed since we looked: placeOrder would have opened a new order, roll it back
        if (placed.orderId !== order.id) throw new DomainError('order_not_open', orderId)
        await queueOrderMails(tx, placed, changedFields, deps.clock.now())
      },
    },
  )
}

// What the order summary repeats: a change to any of these sends it again.
const SUMMARY_FIELDS = ['years', 'totalCents', 'method']

/**
 * The order e-mails, in the account's language (R8: queued with the order, never twice): a new
 * order gets the summary (how to pay) and the confirmation; a resumed order whose duration, amount
 * or method changed gets an updated summary; an unchanged one nothing.
 */
export async function queueOrderMails(tx: Tx, placed: PlacedOrder, changedFields: string[], now: Date): Promise<void> {
  const updated = placed.resumed
  if (updated && !changedFields.some((f) => SUMMARY_FIELDS.includes(f))) return
  const order = (await findOrder(tx, placed.orderId))!
  const mailbox = (await findMailbox(tx, order.mailboxId))!
  const account = (await findAccount(tx, order.accountId))!
  const convention = (await findConvention(tx, mailbox.conventionCode))!
  const holderName = `${account.firstName} ${account.lastName}`
  const common = { language: account.language, recipient: account.referenceEmail, mailboxId: mailbox.id, orderId: order.id }
  await enqueueMail(
    tx,
    {
      ...common,
      template: 'order_summary',
      params: {
        holderName,
        mailbox: mailbox.address,
        accountId: account.id,
        years: order.years,
        netCents: order.netCents,
        vatCents: order.vatCents,
        order: openOrderFacts(order, mailbox, convention),
        extendsFrom: placed.extendsFrom,
        newExpiresOn: placed.newExpiresOn,
        updated,
      },
    },
    now,
  )
  if (updated) return
  await enqueueMail(
    tx,
    {
      ...common,
      template: 'order_confirmation',
      params: {
        holderName,
        mailbox: mailbox.address,
        accountId: account.id,
        orderId: order.id,
        placedOn: order.placedOn,
        years: order.years,
        totalCents: order.totalCents,
      },
    },
    now,
  )
}
