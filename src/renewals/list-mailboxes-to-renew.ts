import type { HolderMailbox } from '../accounts/holder-mailboxes'
import type { HolderSession } from '../accounts/sessions'
import { businessDate, type CalendarDate } from '../core/calendar'
import type { Deps } from '../deps'
import { findMailboxRenewalRows, type OrderRow } from './queries'
import { isRenewable, renewableUntil } from './rules'
import { byUrgency, mailboxUrgency, type Urgency } from './urgency'

/** What the mailbox list offers for each mailbox: renew, resume the draft, or resume the open order. */
export interface MailboxToRenew extends HolderMailbox {
  /** R6: active, or deactivated within the renewable window. */
  renewable: boolean
  renewableUntil: CalendarDate
  /** Issue 14: how soon the holder must act. */
  urgency: Urgency
  openOrder: OrderRow | undefined
  hasDraft: boolean
}

/**
 * The holder's mailboxes (issue 3), the most urgent first (issue 14), each with what they can do
 * about it today. One query: it is the page holders land on after signing in.
 */
export async function listMailboxesToRenew(deps: Deps, holder: HolderSession): Promise<MailboxToRenew[]> {
  const today = businessDate(deps.clock.now(), deps.config.businessTimeZone)
  const rows = await findMailboxRenewalRows(deps.db, holder)
  return rows
    .map(({ mailbox, renewableWindowDays, openOrder, draftMailboxId }) => {
      const state = {
        ...mailbox,
        renewable: isRenewable(mailbox, { renewableWindowDays }, today),
        renewableUntil: renewableUntil(mailbox.expiresOn, renewableWindowDays),
        openOrder: openOrder ?? undefined,
        hasDraft: draftMailboxId !== null,
      }
      return { ...state, urgency: mailboxUrgency(state, today) }
    })
    .sort(byUrgency)
}
