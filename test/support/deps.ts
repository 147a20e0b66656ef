import type { ManualClock } from '../../src/core/clock'
import type { Db } from '../../src/db/client'
import type { Deps } from '../../src/deps'
import { TEST_HASH_COST } from './config'

export const TEST_PUBLIC_URL = 'https://rinnovi.example.it'
/** 32 bytes: seals the operators' TOTP secrets in tests (OFFICE_TOTP_KEY). */
export const TEST_TOTP_KEY = Buffer.from('5f1c8e2a9d4b7f3e6a0c1d8b2e9f4a7c3b6d0e5f8a1c4b7e2d9f6a3c0b5e8d1f', 'hex')

export function testDeps(db: Db, clock: ManualClock): Deps {
  return { db, clock, config: { publicUrl: TEST_PUBLIC_URL, businessTimeZone: 'Europe/Rome', officeTotpKey: TEST_TOTP_KEY, passwordHashCost: TEST_HASH_COST } }
}
