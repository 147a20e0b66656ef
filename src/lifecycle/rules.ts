import { addDays, daysBetween, type CalendarDate } from '../core/calendar'
import { REGISTERS, type Register } from '../core/vocabulary'

/*
 * The daily run's rules (R2, R5–R7) as plain functions of plain values. The run itself is
 * set-based SQL (lifecycle/queries.ts); it does not re-encode these rules but receives what they
 * decide as parameters (lifecyclePlan): each convention's reminder schedule for the day and the
 * cut-off expiry dates; the payment transit days come from renewals/rules the same way.
 * test/lifecycle/rules-vs-sql.test.ts runs random mailboxes through the SQL and through these
 * functions and fails on any difference.
 */

export interface ReminderDecision {
  /** The offset whose reminder goes out today, or null when none is due. */
  send: number | null
  /** Older due offsets, not sent: recorded as skipped unless recorded before (R2: never a burst after missed runs). */
  skip: number[]
}

/** R2: a reminder for offset o is due when E − o ≤ today ≤ E. Of the due offsets only the nearest to E is sent. */
export function dueReminder(offsetsDays: readonly number[], expiresOn: CalendarDate, today: CalendarDate): ReminderDecision {
  const daysLeft = daysBetween(today, expiresOn)
  if (daysLeft < 0) return { send: null, skip: [] }
  const due = offsetsDays.filter((offset) => offset >= daysLeft)
  if (due.length === 0) return { send: null, skip: [] }
  const nearest = Math.min(...due)
  return { send: nearest, skip: due.filter((offset) => offset > nearest).sort((a, b) => b - a) }
}

/**
 * R2/R8: the day a reminder for (E, offset) falls due. A mailbox keeps the due day of the latest
 * reminder recorded for it (sent or skipped); a reminder is recorded only when its due day is later,
 * so it goes out at most once per (mailbox, E, offset).
 */
export function reminderDueOn(expiresOn: CalendarDate, offsetDays: number): CalendarDate {
  return addDays(expiresOn, -offsetDays)
}

/** R7: the reminders at or under the convention's threshold carry the public-register warning. */
export function carriesRegisterWarning(register: Register, offsetDays: number, warningDays: number): boolean {
  return register !== 'none' && offsetDays <= warningDays
}

export interface ReminderDay {
  expiresOn: CalendarDate
  /** The reminder due today for mailboxes expiring on expiresOn, and its due day. */
  offsetDays: number
  dueOn: CalendarDate
  /** The older due offsets, skipped (those not recorded before). */
  skip: number[]
  /** R7: the registers whose mailboxes get the warning in this reminder. */
  warnedRegisters: Register[]
}

export interface LifecycleConvention {
  code: string
  reminderOffsetsDays: readonly number[]
  registerWarningDays: number
  renewableWindowDays: number
}

/** R2/R7: for each expiry date with a reminder due `today` under this convention, what is sent. */
export function reminderSchedule(convention: LifecycleConvention, today: CalendarDate): ReminderDay[] {
  const days: ReminderDay[] = []
  const furthest = Math.max(-1, ...convention.reminderOffsetsDays)
  for (let k = 0; k <= furthest; k++) {
    const expiresOn = addDays(today, k)
    const { send, skip } = dueReminder(convention.reminderOffsetsDays, expiresOn, today)
    if (send === null) continue
    const warnedRegisters = REGISTERS.filter((register) => carriesRegisterWarning(register, send, convention.registerWarningDays))
    days.push({ expiresOn, offsetDays: send, dueOn: reminderDueOn(expiresOn, send), skip, warnedRegisters })
  }
  return days
}

/** R5: the latest expiry date deactivated on `today`: a mailbox works through the whole of E, so goes from E + 1. */
export function deactivatesExpiriesThrough(today: CalendarDate): CalendarDate {
  return addDays(today, -1)
}

/**
 * R6: the latest expiry date ceased on `today`: the mailboxes whose renewable window
 * (renewableUntil = E + window, the last day a payment still renews) ended before today.
 */
export function ceasesExpiriesThrough(today: CalendarDate, renewableWindowDays: number): CalendarDate {
  return addDays(today, -renewableWindowDays - 1)
}


export interface LifecyclePlan {
  today: CalendarDate
  /** R5: active mailboxes expiring on or before this day are deactivated. */
  deactivatesThrough: CalendarDate
  /** R6: per convention, mailboxes expiring on or before this day cease. */
  ceasesThrough: Array<{ code: string; through: CalendarDate }>
  /** R2/R7: per convention and expiry date, the reminder due today. */
  reminders: Array<ReminderDay & { code: string }>
}

/** Everything the daily run of `today` decides before it looks at a single mailbox. */
export function lifecyclePlan(conventions: readonly LifecycleConvention[], today: CalendarDate): LifecyclePlan {
  return {
    today,
    deactivatesThrough: deactivatesExpiriesThrough(today),
    ceasesThrough: conventions.map((c) => ({ code: c.code, through: ceasesExpiriesThrough(today, c.renewableWindowDays) })),
    reminders: conventions.flatMap((c) => reminderSchedule(c, today).map((day) => ({ code: c.code, ...day }))),
  }
}
