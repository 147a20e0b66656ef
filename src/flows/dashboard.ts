import { sql } from 'drizzle-orm'
import { addDays, instantAt, type CalendarDate } from '../core/calendar'
import { queryRows } from '../db/client'
import type { Deps } from '../deps'
import { TO_RESOLVE } from '../payments/held/list-held'
import type { PaymentMethod } from '../renewals/schema'

// Issue 11, seeing the day: the figures the back office's dashboard draws, each from one
// set-based query over orders, payments and mailboxes. "Today" is the caller's (the injected clock).

export const DASHBOARD_DAYS = 90
export const DASHBOARD_WEEKS = 26
export const DASHBOARD_MONTHS = 12

export interface RenewalsDay {
  day: CalendarDate
  byMethod: Record<PaymentMethod, number>
}

export interface MoneyDay {
  day: CalendarDate
  /** Payments that paid an order (R4). */
  paidCents: number
  /** Everything else registered: held, duplicates, unmatched (to resolve or refund). */
  otherCents: number
}

export interface ExpiryWeek {
  /** The week's first day (today + 7k) and last day. */
  from: CalendarDate
  to: CalendarDate
  /** Mailboxes whose expiry falls in the week and are already renewed past it (R4: extended from it). */
  renewed: number
  /** Mailboxes still expiring in the week. */
  notRenewed: number
}

export interface ExpiryCohort {
  /** YYYY-MM: the month the expiry fell in. */
  month: string
  renewed: number
  /** Still at that expiry: past it (not renewed, deactivated or ceased) or still to come. */
  lapsed: number
  pending: number
}

export interface HeldMoney {
  reason: string
  count: number
  amountCents: number
  /** The oldest waiting payment's day. */
  oldest: CalendarDate
}

export interface Dashboard {
  today: CalendarDate
  renewals: RenewalsDay[]
  money: MoneyDay[]
  expiries: ExpiryWeek[]
  cohorts: ExpiryCohort[]
  held: HeldMoney[]
}

const METHODS: PaymentMethod[] = ['card', 'paypal', 'bonifico', 'bollettino']

/** Every figure of the dashboard for `today`. */
export async function dashboardFigures(deps: Deps, today: CalendarDate): Promise<Dashboard> {
  // one after another: a single connection (PGlite) answers one statement at a time anyway
  const renewals = await renewalsPerDay(deps, today)
  const money = await moneyPerDay(deps, today)
  const expiries = await expiriesPerWeek(deps, today)
  const cohorts = await renewalRateByCohort(deps, today)
  const held = await heldMoney(deps)
  return { today, renewals, money, expiries, cohorts, held }
}

/** The last `DASHBOARD_DAYS` business days up to today, oldest first. */
function lastDays(today: CalendarDate): CalendarDate[] {
  return Array.from({ length: DASHBOARD_DAYS }, (_, i) => addDays(today, i - DASHBOARD_DAYS + 1))
}

/** Renewals (orders paid) per business day and payment method, the last 90 days. */
export async function renewalsPerDay(deps: Deps, today: CalendarDate): Promise<RenewalsDay[]> {
  const days = lastDays(today)
  const tz = deps.config.businessTimeZone
  const rows = await queryRows<{ day: CalendarDate; method: PaymentMethod; n: number }>(
    deps.db,
    sql`SELECT to_char((paid_at AT TIME ZONE ${tz})::date, 'YYYY-MM-DD') AS day, method, count(*)::int AS n
          FROM orders
         WHERE status = 'paid' AND paid_at >= ${instantAt(days[0], '00:00', tz)} AND paid_at < ${instantAt(addDays(today, 1), '00:00', tz)}
         GROUP BY 1, 2`,
  )
  return days.map((day) => ({
    day,
    byMethod: Object.fromEntries(METHODS.map((m) => [m, rows.find((r) => r.day === day && r.method === m)?.n ?? 0])) as Record<PaymentMethod, number>,
  }))
}

/** Money registered per business day (when it was received), the last 90 days: what paid orders, and the rest. */
export async function moneyPerDay(deps: Deps, today: CalendarDate): Promise<MoneyDay[]> {
  const days = lastDays(today)
  const tz = deps.config.businessTimeZone
  const rows = await queryRows<{ day: CalendarDate; paid: string; other: string }>(
    deps.db,
    sql`SELECT to_char((received_at AT TIME ZONE ${tz})::date, 'YYYY-MM-DD') AS day,
               coalesce(sum(amount_cents) FILTER (WHERE outcome = 'paid'), 0)::bigint AS paid,
               coalesce(sum(amount_cents) FILTER (WHERE outcome <> 'paid'), 0)::bigint AS other
          FROM payments
         WHERE received_at >= ${instantAt(days[0], '00:00', tz)} AND received_at < ${instantAt(addDays(today, 1), '00:00', tz)}
         GROUP BY 1`,
  )
  return days.map((day) => {
    const row = rows.find((r) => r.day === day)
    return { day, paidCents: Number(row?.paid ?? 0), otherCents: Number(row?.other ?? 0) }
  })
}

/**
 * Mailboxes expiring in each of the next 26 weeks (week k: today + 7k … + 7k + 6): those still
 * expiring then, and those already renewed from an expiry in it (a paid order extended from it, R4).
 */
export async function expiriesPerWeek(deps: Deps, today: CalendarDate): Promise<ExpiryWeek[]> {
  const end = addDays(today, 7 * DASHBOARD_WEEKS - 1)
  const rows = await queryRows<{ week: number; renewed: number; waiting: number }>(
    deps.db,
    sql`SELECT week, sum(renewed)::int AS renewed, sum(waiting)::int AS waiting FROM (
          SELECT (expires_on - ${today}::date) / 7 AS week, 0 AS renewed, count(*) AS waiting
            FROM mailboxes WHERE status = 'active' AND expires_on BETWEEN ${today}::date AND ${end}::date GROUP BY 1
          UNION ALL
          SELECT (extended_from - ${today}::date) / 7, count(DISTINCT mailbox_id), 0
            FROM orders WHERE status = 'paid' AND extended_from BETWEEN ${today}::date AND ${end}::date GROUP BY 1
        ) w GROUP BY week`,
  )
  return Array.from({ length: DASHBOARD_WEEKS }, (_, k) => {
    const row = rows.find((r) => Number(r.week) === k)
    return { from: addDays(today, 7 * k), to: addDays(today, 7 * k + 6), renewed: row?.renewed ?? 0, notRenewed: row?.waiting ?? 0 }
  })
}

/**
 * The renewal rate of each expiry cohort (the month the expiry fell in), the last 12 months to this
 * one: renewed (a paid order extended from an expiry in the month), lapsed (still at an expiry in it,
 * now past: deactivated or ceased), pending (still at an expiry in it yet to come).
 */
export async function renewalRateByCohort(deps: Deps, today: CalendarDate): Promise<ExpiryCohort[]> {
  const months = lastMonths(today)
  const first = `${months[0]}-01` as CalendarDate
  const rows = await queryRows<{ month: string; renewed: number; lapsed: number; pending: number }>(
    deps.db,
    sql`SELECT month, sum(renewed)::int AS renewed, sum(lapsed)::int AS lapsed, sum(pending)::int AS pending FROM (
          SELECT to_char(expires_on, 'YYYY-MM') AS month, 0 AS renewed,
                 count(*) FILTER (WHERE expires_on < ${today}::date) AS lapsed, count(*) FILTER (WHERE expires_on >= ${today}::date) AS pending
            FROM mailboxes WHERE expires_on >= ${first}::date AND to_char(expires_on, 'YYYY-MM') <= ${months.at(-1)!} GROUP BY 1
          UNION ALL
          SELECT to_char(extended_from, 'YYYY-MM'), count(DISTINCT mailbox_id), 0, 0
            FROM orders WHERE status = 'paid' AND extended_from >= ${first}::date AND to_char(extended_from, 'YYYY-MM') <= ${months.at(-1)!} GROUP BY 1
        ) c GROUP BY month`,
  )
  return months.map((month) => {
    const row = rows.find((r) => r.month === month)
    return { month, renewed: row?.renewed ?? 0, lapsed: row?.lapsed ?? 0, pending: row?.pending ?? 0 }
  })
}

/** The renewal rate of a cohort, in per cent (null for an empty one). */
export function cohortRate(cohort: ExpiryCohort): number | null {
  const total = cohort.renewed + cohort.lapsed + cohort.pending
  return total === 0 ? null : Math.round((cohort.renewed * 1000) / total) / 10
}

function lastMonths(today: CalendarDate): string[] {
  const [year, month] = today.split('-').map(Number)
  return Array.from({ length: DASHBOARD_MONTHS }, (_, i) => {
    const index = year * 12 + (month - 1) - (DASHBOARD_MONTHS - 1 - i)
    return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`
  })
}

/** Money waiting for an operator (the payments to resolve), by why it waits, the most first. */
export async function heldMoney(deps: Deps): Promise<HeldMoney[]> {
  const tz = deps.config.businessTimeZone
  const rows = await queryRows<{ reason: string; n: number; cents: string; oldest: CalendarDate }>(
    deps.db,
    sql`SELECT coalesce(p.reason, p.outcome) AS reason, count(*)::int AS n, sum(p.amount_cents)::bigint AS cents,
               to_char((min(p.received_at) AT TIME ZONE ${tz})::date, 'YYYY-MM-DD') AS oldest
          FROM payments p WHERE ${TO_RESOLVE} GROUP BY 1 ORDER BY 3 DESC, 1`,
  )
  return rows.map((r) => ({ reason: r.reason, count: r.n, amountCents: Number(r.cents), oldest: r.oldest }))
}
