import type { HolderSession } from '../accounts/sessions'
import { businessDate } from '../core/calendar'
import { DomainError } from '../core/errors'
import type { Deps } from '../deps'
import type { InvoiceBilling } from '../renewals/billing'
import { placeOrder, type PlacedOrder } from '../renewals/place-order'
import { deleteDraft, findOrder, findWizardFacts } from '../renewals/queries'
import { firstMissingStep } from '../renewals/wizard-rules'
import { queueOrderMails } from './order-mails'

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
