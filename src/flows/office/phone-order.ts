import { businessDate } from '../../core/calendar'
import { DomainError } from '../../core/errors'
import type { Actor } from '../../db/audit'
import type { Deps } from '../../deps'
import { operatorReason } from '../../payments/held/resolve-held'
import { validateBilling, type BillingField } from '../../renewals/billing'
import { currentContracts } from '../../renewals/queries'
import { queueOrderMails } from '../order-mails'
import { placeOrder, type PlacedOrder } from '../../renewals/place-order'
import { findAccount, findMailboxByAddress } from '../../renewals/queries'
import type { AcceptedContract, PaymentMethod } from '../../renewals/schema'

export interface PhoneOrderInput {
  mailboxAddress: string
  years: number
  /** Already checked against the methods this installation offers (requireOfferedMethod). */
  method: PaymentMethod
  /** The billing form as the operator typed it, checked as the portal's wizard checks it. */
  billing: Partial<Record<BillingField, unknown>>
  /** The operator read the contracts in force to the holder, who accepted them on the phone. */
  contractsAccepted: boolean
  reason: string
  actor: Actor
}

/**
 * Issue 11: an order placed for a holder on the phone, through the portal's own placeOrder (R3: it
 * resumes the open order, never a second one) with the portal's billing checks, so the invoice has
 * a full address. The contracts in force are recorded as accepted on the phone, with the operator
 * who heard the holder accept; the holder gets the order e-mails in the order's transaction.
 */
export async function placePhoneOrder(deps: Deps, input: PhoneOrderInput): Promise<PlacedOrder> {
  const reason = operatorReason(input.reason)
  const now = deps.clock.now()
  const today = businessDate(now, deps.config.businessTimeZone)
  const mailbox = await findMailboxByAddress(deps.db, input.mailboxAddress)
  if (!mailbox) throw new DomainError('mailbox_not_found', input.mailboxAddress)
  const account = (await findAccount(deps.db, mailbox.accountId))!
  const checked = validateBilling(input.billing, account.referenceEmail)
  if (!checked.ok) throw new DomainError('billing_invalid', checked.problems.map((p) => `${p.field}: ${p.code}`).join(', '))
  if (!input.contractsAccepted) throw new DomainError('contracts_not_accepted')
  const acceptedAt = now.toISOString()
  const acceptedContracts: AcceptedContract[] = (await currentContracts(deps.db, mailbox.conventionCode, today)).map((c) => ({
    documentCode: c.code,
    version: c.version,
    acceptedAt,
    acceptedByPhoneWith: input.actor,
  }))
  return placeOrder(
    deps,
    { mailboxId: mailbox.id, years: input.years, method: input.method, billing: checked.billing, acceptedContracts, actor: input.actor, reason },
    { onPlaced: (tx, order, changedFields) => queueOrderMails(tx, order, changedFields, now) },
  )
}
