import { afterEach, describe, expect, it } from 'vitest'
import type { CalendarDate } from '../../src/core/calendar'
import { cohortRate, dashboardFigures } from '../../src/flows/dashboard'
import { testDatabases, type TestDatabase } from '../support/databases'
import { testDeps } from '../support/deps'
import { seedDashboardDay } from '../support/dashboard-day'
import { clockOn } from '../support/seed'

const day = (d: string) => d as CalendarDate

describe.each(testDatabases())('%s: the dashboard’s figures (issue 11)', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('counts renewals per day and method, money per day, expiries per week, cohorts and held money from the seeded day', async () => {
    t = await open()
    const clock = clockOn('2026-11-01')
    const deps = testDeps(t.database.db, clock)
    await seedDashboardDay(deps, clock)
    const figures = await dashboardFigures(deps, day('2026-12-05'))

    expect(figures.renewals).toHaveLength(90)
    expect(figures.renewals[0].day).toBe('2026-09-07')
    expect(figures.renewals.at(-1)!.day).toBe('2026-12-05')
    const renewed = figures.renewals.filter((d) => Object.values(d.byMethod).some((n) => n > 0))
    expect(renewed).toEqual([
      { day: '2026-11-25', byMethod: { card: 1, paypal: 0, bonifico: 0, bollettino: 0 } },
      { day: '2026-12-01', byMethod: { card: 0, paypal: 0, bonifico: 1, bollettino: 0 } },
      { day: '2026-12-05', byMethod: { card: 1, paypal: 0, bonifico: 0, bollettino: 0 } },
    ])

    expect(figures.money.filter((d) => d.paidCents + d.otherCents > 0)).toEqual([
      { day: '2026-11-25', paidCents: 1220, otherCents: 0 },
      { day: '2026-12-01', paidCents: 1220, otherCents: 0 },
      { day: '2026-12-03', paidCents: 0, otherCents: 6000 },
      { day: '2026-12-05', paidCents: 2196, otherCents: 0 },
    ])

    expect(figures.expiries).toHaveLength(26)
    expect(figures.expiries.slice(0, 4)).toEqual([
      { from: '2026-12-05', to: '2026-12-11', renewed: 0, notRenewed: 1 }, // b, 10 Dec
      { from: '2026-12-12', to: '2026-12-18', renewed: 1, notRenewed: 0 }, // c, renewed on its week's first day
      { from: '2026-12-19', to: '2026-12-25', renewed: 1, notRenewed: 0 }, // a
      { from: '2026-12-26', to: '2027-01-01', renewed: 0, notRenewed: 0 },
    ])
    expect(figures.expiries.slice(4).every((w) => w.renewed + w.notRenewed === 0)).toBe(true)

    expect(figures.cohorts.map((c) => c.month)).toEqual(['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12'])
    const [november, december] = figures.cohorts.slice(-2)
    expect(november).toEqual({ month: '2026-11', renewed: 1, lapsed: 1, pending: 0 })
    expect(december).toEqual({ month: '2026-12', renewed: 2, lapsed: 0, pending: 1 })
    expect([cohortRate(november), cohortRate(december), cohortRate(figures.cohorts[0])]).toEqual([50, 66.7, null])

    expect(figures.held).toEqual([
      { reason: expect.any(String), count: 1, amountCents: 5000, oldest: '2026-12-03' },
      { reason: 'amount_mismatch', count: 1, amountCents: 1000, oldest: '2026-12-03' },
    ])
  })

  it('an empty database gives zeros, not gaps', async () => {
    t = await open()
    const deps = testDeps(t.database.db, clockOn('2026-12-05'))
    const figures = await dashboardFigures(deps, day('2026-12-05'))
    expect(figures.renewals.every((d) => Object.values(d.byMethod).every((n) => n === 0))).toBe(true)
    expect(figures.expiries.every((w) => w.renewed === 0 && w.notRenewed === 0)).toBe(true)
    expect(figures.held).toEqual([])
  })
})
