import { afterEach, describe, expect, it } from 'vitest'
import { parseCalendarDate as day } from '../../src/core/calendar'
import { runOwedLifecycle, owedRunDate } from '../../src/lifecycle/schedule'
import { testDatabases, type TestDatabase } from '../support/databases'
import { testDeps } from '../support/deps'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'

describe('the daily schedule', () => {
  it.each([
    ['00:29', '2026-06-19', null], // yesterday's run done, today's not yet due
    ['00:30', '2026-06-19', '2026-06-20'],
    ['00:29', '2026-06-17', '2026-06-19'], // missed days: catch up with the owed date only
    ['23:00', null, '2026-06-20'], // never run: run today
    ['12:00', '2026-06-20', null],
  ])('at %s with the last run on %s, the owed run is %s', (time, lastRun, owed) => {
    expect(owedRunDate(clockOn('2026-06-20', time).now(), lastRun === null ? null : day(lastRun), '00:30', 'Europe/Rome')).toBe(owed)
  })

  it('fires at 00:30 Europe/Rome on the day clocks spring forward', () => {
    // 2026-03-29: 02:00 → 03:00; 00:30 CET is 23:30 UTC the day before.
    expect(owedRunDate(new Date('2026-03-28T23:29:00Z'), day('2026-03-28'), '00:30', 'Europe/Rome')).toBeNull()
    expect(owedRunDate(new Date('2026-03-28T23:30:00Z'), day('2026-03-28'), '00:30', 'Europe/Rome')).toBe('2026-03-29')
  })
})

describe.each(testDatabases())('%s: catching up on start', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('runs once for the owed date, then waits for the next day', async () => {
    t = await open()
    await seedConvention(t.database.db)
    await seedMailbox(t.database.db, { expiresOn: '2026-06-10' })
    const clock = clockOn('2026-06-20', '09:00')
    const deps = testDeps(t.database.db, clock)
    expect(await runOwedLifecycle(deps, '00:30')).toMatchObject({ date: '2026-06-20', deactivated: 1 })
    expect(await runOwedLifecycle(deps, '00:30')).toBeNull()
    clock.set(clockOn('2026-06-21', '00:31').now())
    expect(await runOwedLifecycle(deps, '00:30')).toMatchObject({ date: '2026-06-21', deactivated: 0 })
  })
})
