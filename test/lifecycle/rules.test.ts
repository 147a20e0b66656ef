import { describe, expect, it } from 'vitest'
import { parseCalendarDate as day } from '../../src/core/calendar'
import { carriesRegisterWarning, dueReminder, isCessationDue, isDeactivationDue } from '../../src/lifecycle/rules'

const OFFSETS = [60, 30, 15, 7, 1]

describe('R2: dueReminder', () => {
  it.each([
    ['2026-04-20', null, []],
    ['2026-05-02', null, []], // 61 days before E
    ['2026-05-03', 60, []], // E − 60
    ['2026-05-20', 60, []], // still within the 60-day offset: sent only if not yet recorded
    ['2026-06-02', 30, [60]], // first run after a gap: nearest only, 60 skipped
    ['2026-06-01', 60, []], // 31 days left: the 60-day reminder is the nearest due
    ['2026-06-25', 7, [60, 30, 15]],
    ['2026-07-02', 1, [60, 30, 15, 7]], // expiry day itself: the 1-day reminder is still due
    ['2026-07-03', null, []], // after E: no reminder
  ])('on %s sends %s and skips %j', (today, send, skip) => {
    expect(dueReminder(OFFSETS, day('2026-07-02'), day(today))).toEqual({ send, skip })
  })

  it('never sends an offset twice and never skips what was already sent', () => {
    expect(dueReminder(OFFSETS, day('2026-07-02'), day('2026-05-20'), [60])).toEqual({ send: null, skip: [] })
    expect(dueReminder(OFFSETS, day('2026-07-02'), day('2026-06-20'), [60])).toEqual({ send: 15, skip: [30] })
  })
})

describe('R5/R6: status changes', () => {
  it.each([
    ['2026-03-29', '2026-03-29', false],
    ['2026-03-29', '2026-03-30', true],
  ])('R5: expiry %s, today %s: deactivation due %s', (expiry, today, due) => {
    expect(isDeactivationDue(day(expiry), day(today))).toBe(due)
  })

  it.each([
    ['2026-01-31', '2026-05-01', false], // E + 90 = 1 May: still renewable
    ['2026-01-31', '2026-05-02', true],
  ])('R6: expiry %s, today %s: cessation due %s', (expiry, today, due) => {
    expect(isCessationDue(day(expiry), 90, day(today))).toBe(due)
  })

  it('R7: only registered mailboxes, only the last reminders', () => {
    expect(carriesRegisterWarning('ini_pec', 30, 30)).toBe(true)
    expect(carriesRegisterWarning('ini_pec', 60, 30)).toBe(false)
    expect(carriesRegisterWarning('none', 1, 30)).toBe(false)
  })
})
