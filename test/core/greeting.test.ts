import { describe, expect, it } from 'vitest'
import { partOfDay } from '../../src/core/greeting'

describe('partOfDay: the greeting follows the Italian wall clock', () => {
  it.each([
    ['2026-12-05T21:37:00Z', 'evening'], // 22:37 in Rome (CET): never "Buongiorno"
    ['2026-12-05T08:00:00Z', 'morning'], // 09:00
    ['2026-07-05T10:59:00Z', 'morning'], // 12:59 CEST
    ['2026-07-05T11:00:00Z', 'afternoon'], // 13:00 CEST
    ['2026-07-05T16:00:00Z', 'evening'], // 18:00 CEST
    ['2026-12-05T03:30:00Z', 'evening'], // 04:30: still night
  ])('%s is %s', (iso, expected) => expect(partOfDay(new Date(iso))).toBe(expected))
})
