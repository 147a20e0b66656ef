import { compareDates, daysBetween, type CalendarDate } from '../core/calendar'
import type { MailboxStatus } from '../accounts/schema'

/** How soon a holder must act on a mailbox, as the mailbox list shows and sorts it (issue 14). */
export type Urgency =
  | { kind: 'renewable_until'; until: CalendarDate; daysLeft: number } // R6: deactivated, still in the window
  | { kind: 'expired'; expiredOn: CalendarDate } // R5: past E, the daily run has not deactivated it yet
  | { kind: 'expires_soon'; daysLeft: number } // within the reminders' reach (R2)
  | { kind: 'expires_later' }
  | { kind: 'gone' } // ceased, or past the window

/** The reach of the first reminder (R2's default offsets start 60 days before E). */
export const EXPIRES_SOON_DAYS = 60

export interface UrgencyInput {
  status: MailboxStatus
  expiresOn: CalendarDate
  renewable: boolean
  renewableUntil: CalendarDate
}

/** R5/R6: what the holder must know first about a mailbox on `today`. */
export function mailboxUrgency(m: UrgencyInput, today: CalendarDate): Urgency {
  if (m.status === 'ceased' || !m.renewable) return { kind: 'gone' }
  if (m.status === 'deactivated') return { kind: 'renewable_until', until: m.renewableUntil, daysLeft: daysBetween(today, m.renewableUntil) }
  const daysLeft = daysBetween(today, m.expiresOn)
  if (daysLeft < 0) return { kind: 'expired', expiredOn: m.expiresOn }
  return daysLeft <= EXPIRES_SOON_DAYS ? { kind: 'expires_soon', daysLeft } : { kind: 'expires_later' }
}

const RANK: Record<Urgency['kind'], number> = { expired: 0, renewable_until: 1, expires_soon: 2, expires_later: 3, gone: 4 }

/**
 * Most urgent first: expired and deactivated (the mailbox no longer works, or will not tomorrow),
 * then those expiring soonest, then the rest; ceased ones last. Ties by the nearer date, then address.
 */
export function byUrgency<T extends UrgencyInput & { address: string; urgency: Urgency }>(a: T, b: T): number {
  return (
    RANK[a.urgency.kind] - RANK[b.urgency.kind] ||
    (a.urgency.kind === 'renewable_until' && b.urgency.kind === 'renewable_until' ? compareDates(a.urgency.until, b.urgency.until) : 0) ||
    compareDates(a.expiresOn, b.expiresOn) ||
    a.address.localeCompare(b.address)
  )
}
