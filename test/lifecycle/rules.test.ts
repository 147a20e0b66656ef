import { describe, expect, it } from 'vitest'
import { parseCalendarDate as day } from '../../src/core/calendar'
import {
  carriesRegisterWarning,
  ceasesExpiriesThrough,
  deactivatesExpiriesThrough,
  dueReminder,
  lifecyclePlan,
  reminderDueOn,
  reminderSchedule,
} from '../../src/lifecycle/rules'

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

  it('R8: a reminder falls due on E − offset, the day a mailbox records as its latest reminder', () => {
    expect(reminderDueOn(day('2026-07-02'), 30)).toBe('2026-06-02')
    expect(reminderDueOn(day('2026-03-01'), 1)).toBe('2026-02-28')
  })
})

describe('R2/R7: the day\'s reminder schedule of a convention', () => {
  const convention = { code: 'C', reminderOffsetsDays: [60, 30, 15, 7, 1], registerWarningDays: 15, renewableWindowDays: 90 }

  it('names, for every expiry date a reminder is due for, the nearest offset, the skipped ones and the warned registers', () => {
    const schedule = reminderSchedule(convention, day('2026-06-01'))
    expect(schedule).toHaveLength(61) // E = today … today + 60
    expect(schedule[0]).toEqual({ expiresOn: '2026-06-01', offsetDays: 1, dueOn: '2026-05-31', skip: [60, 30, 15, 7], warnedRegisters: ['registro_imprese', 'ini_pec'] })
    expect(schedule[16]).toEqual({ expiresOn: '2026-06-17', offsetDays: 30, dueOn: '2026-05-18', skip: [60], warnedRegisters: [] })
    expect(schedule[60]).toEqual({ expiresOn: '2026-07-31', offsetDays: 60, dueOn: '2026-06-01', skip: [], warnedRegisters: [] })
  })

  it('is empty for a convention without reminders', () => {
    expect(reminderSchedule({ ...convention, reminderOffsetsDays: [] }, day('2026-06-01'))).toEqual([])
  })
})

describe('R5/R6: status changes', () => {
  it.each([
    ['2026-03-29', '2026-03-29', false],
    ['2026-03-29', '2026-03-30', true],
  ])('R5: expiry %s, today %s: deactivation due %s', (expiry, today, due) => {
    expect(day(expiry) <= deactivatesExpiriesThrough(day(today))).toBe(due)
  })

  it.each([
    ['2026-01-31', '2026-05-01', false], // E + 90 = 1 May: still renewable
    ['2026-01-31', '2026-05-02', true],
  ])('R6: expiry %s, today %s: cessation due %s', (expiry, today, due) => {
    expect(day(expiry) <= ceasesExpiriesThrough(day(today), 90)).toBe(due)
    expect(lifecyclePlan([{ code: 'C', reminderOffsetsDays: [], registerWarningDays: 0, renewableWindowDays: 90 }], day(today)).ceasesThrough).toEqual([
      { code: 'C', through: ceasesExpiriesThrough(day(today), 90) },
    ])
  })

  it('R7: only registered mailboxes, only the last reminders', () => {
    expect(carriesRegisterWarning('ini_pec', 30, 30)).toBe(true)
    expect(carriesRegisterWarning('ini_pec', 60, 30)).toBe(false)
    expect(carriesRegisterWarning('none', 1, 30)).toBe(false)
  })
})
