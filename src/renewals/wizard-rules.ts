import type { Convention, Price } from '../catalog/queries'
import type { CalendarDate } from '../core/calendar'
import type { InvoiceBilling } from './billing'
import { extendedExpiry, priceOrder } from './rules'
import type { AcceptedContract, PaymentMethod } from './schema'

// The renewal wizard's rules (issue 3), pure: which step comes next, what each duration costs and
// buys. A draft per account and mailbox keeps the choices made so far.

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

/** A duration the holder may choose: its price (R3) and the expiry it buys if paid today (R4/R6). */
export interface DurationOffer {
  years: number
  netCents: number
  vatCents: number
  totalCents: number
  vatBasisPoints: number
  isDemo: boolean
  newExpiresOn: CalendarDate
}

/**
 * R3: the durations the convention offers that have a price, in the convention's order, each priced and with
 * the new expiry counted from `extendsFrom` (R4: from E, however early the payment).
 */
export function durationOffers(convention: Pick<Convention, 'durationsYears'>, prices: Price[], extendsFrom: CalendarDate): DurationOffer[] {
  return convention.durationsYears.flatMap((years) => {
    const price = prices.find((p) => p.years === years)
    if (!price) return []
    return [{ years, ...priceOrder(price), vatBasisPoints: price.vatBasisPoints, isDemo: price.isDemo, newExpiresOn: extendedExpiry(extendsFrom, years) }]
  })
}
