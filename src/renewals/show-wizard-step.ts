import type { HolderSession } from '../accounts/sessions'
import { businessDate, type CalendarDate } from '../core/calendar'
import type { OrderId } from '../core/order-id'
import type { Deps } from '../deps'
import { findBillingProfile, findWizardFacts, type WizardFacts } from './queries'
import { isRenewable, renewalBase } from './rules'
import type { BillingData } from './schema'
import { durationOffers, firstMissingStep, stepReachable, type DurationOffer, type WizardStep } from './wizard-rules'

/** What a wizard page shows: the facts, and what the rules make of them today. */
export interface WizardView extends WizardFacts {
  today: CalendarDate
  now: Date
  /** The first step not done yet: it and every step before it may be shown. */
  reachableStep: WizardStep
  /** R4/R6: the date a renewal paid today counts from (E, however early the payment). */
  extendsFrom: CalendarDate
  /** R3: the durations on offer, priced, each with the expiry it buys. */
  offers: DurationOffer[]
  /** The offer the draft chose, once it has chosen one. */
  chosen: DurationOffer | undefined
  /** The billing step's form, filled in: the draft's, else the account's last confirmed (issue 14), else the holder's own data. */
  billingStart?: { billing: BillingData; fromProfile: boolean }
}

export type WizardStepOutcome =
  | { kind: 'not_found' }
  /** R3: the draft was turned into this open order; back and refresh after CONFERMA never reopen the wizard. */
  | { kind: 'order_placed'; orderId: OrderId }
  /** R6: ceased, or past the renewable window. */
  | { kind: 'not_renewable'; mailboxAddress: string }
  /** `step` is ahead of what is done (or none was asked for): the first step still to do. */
  | { kind: 'go_to_step'; mailboxId: number; step: WizardStep }
  | { kind: 'show'; view: WizardView }

/**
 * Issue 3: what the wizard does with a request for `step` (null: wherever the holder left) on a
 * mailbox. Ownership is checked in the query: another account's mailbox id is not_found.
 */
export async function showWizardStep(deps: Deps, holder: HolderSession, mailboxId: number | null, step: WizardStep | null): Promise<WizardStepOutcome> {
  const now = deps.clock.now()
  const today = businessDate(now, deps.config.businessTimeZone)
  const facts = mailboxId === null ? undefined : await findWizardFacts(deps.db, holder, mailboxId, today)
  if (!facts) return { kind: 'not_found' }
  const { mailbox, convention, draft, contracts, openOrderId } = facts
  if (openOrderId && !draft) return { kind: 'order_placed', orderId: openOrderId }
  if (!isRenewable(mailbox, convention, today)) return { kind: 'not_renewable', mailboxAddress: mailbox.address }
  if (step === null || !stepReachable(step, draft, contracts)) return { kind: 'go_to_step', mailboxId: mailbox.id, step: firstMissingStep(draft, contracts) }
  const extendsFrom = renewalBase(mailbox, convention, today)
  const offers = durationOffers(convention, facts.prices, extendsFrom)
  const view: WizardView = {
    ...facts,
    today,
    now,
    reachableStep: firstMissingStep(draft, contracts),
    extendsFrom,
    offers,
    chosen: offers.find((o) => o.years === draft?.years),
  }
  if (step === 'billing') view.billingStart = await billingStart(deps, facts)
  return { kind: 'show', view }
}

async function billingStart(deps: Deps, { draft, account }: WizardFacts): Promise<{ billing: BillingData; fromProfile: boolean }> {
  if (draft?.billing) return { billing: draft.billing, fromProfile: false }
  const profile = await findBillingProfile(deps.db, account.id)
  if (profile) return { billing: profile, fromProfile: true }
  // the seed's "form presentato precompilato": the holder's own data, always editable
  return { billing: { name: `${account.firstName} ${account.lastName}`, fiscalCode: account.fiscalCode, email: account.referenceEmail }, fromProfile: false }
}

/** The offer for a duration the holder posted, if the convention offers and prices it. */
export function offerFor(view: Pick<WizardView, 'offers'>, years: number): DurationOffer | undefined {
  return view.offers.find((o) => o.years === years)
}
