import { daysBetween, type CalendarDate } from '../core/calendar'
import { renewableUntil } from '../renewals/rules'

export interface ReminderDecision {
  /** The offset whose reminder goes out today, or null when none is due. */
  send: number | null
  /** Older offsets, not sent, recorded as skipped (R2: never a burst after missed runs). */
  skip: number[]
}

/**
 * R2: a reminder for offset o is due when E − o ≤ today ≤ E. Of the due offsets only the nearest
 * to E is sent; the larger ones are skipped. `alreadyRecorded` are offsets sent or skipped before.
 */
export function dueReminder(
  offsetsDays: readonly number[],
  expiresOn: CalendarDate,
  today: CalendarDate,
  alreadyRecorded: readonly number[] = [],
): ReminderDecision {
  const daysLeft = daysBetween(today, expiresOn)
  if (daysLeft < 0) return { send: null, skip: [] }
  const due = offsetsDays.filter((offset) => offset >= daysLeft)
  if (due.length === 0) return { send: null, skip: [] }
  const nearest = Math.min(...due)
  if (alreadyRecorded.includes(nearest)) return { send: null, skip: [] }
  const skip = due.filter((offset) => offset > nearest && !alreadyRecorded.includes(offset)).sort((a, b) => b - a)
  return { send: nearest, skip }
}

/** R5: from day E + 1 a mailbox still expiring on E is deactivated (it works through the whole of E). */
export function isDeactivationDue(expiresOn: CalendarDate, today: CalendarDate): boolean {
  return today > expiresOn
}

/** R6: after the renewable window the mailbox ceases. */
export function isCessationDue(expiresOn: CalendarDate, windowDays: number, today: CalendarDate): boolean {
  return today > renewableUntil(expiresOn, windowDays)
}

/** R7: the reminders at or under the convention's threshold carry the public-register warning. */
export function carriesRegisterWarning(register: string, offsetDays: number, warningDays: number): boolean {
  return register !== 'none' && offsetDays <= warningDays
}
