import type { ManualClock } from '../../src/core/clock'
import type { Db } from '../../src/db/client'
import type { Deps } from '../../src/deps'

export const TEST_PUBLIC_URL = 'https://rinnovi.example.it'

export function testDeps(db: Db, clock: ManualClock): Deps {
  return { db, clock, config: { publicUrl: TEST_PUBLIC_URL, businessTimeZone: 'Europe/Rome' } }
}
