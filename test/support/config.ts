import { type HashCost } from '../../src/accounts/passwords'
import { loadConfig, type Config } from '../../src/config'

/**
 * Settings the tests build their configuration from. Demo mode is explicit (R10), so a test that
 * wants the sandbox gateway, the mail viewer or the demo bank details says so with DEMO_ENV.
 */

/** 32 random bytes in hex: passes the strength check loadConfig makes of SESSION_SECRET. */
export const TEST_SESSION_SECRET = '9c4e1f7a2b8d05e6c3a9f1b74d2e8c60a5b3f9d1e7c2a4b6f0d8e3c5a7b9f1e2'
/** OFFICE_TOTP_KEY for tests on PostgreSQL, where loadConfig requires it. */
export const TEST_OFFICE_TOTP_KEY = '5f1c8e2a9d4b7f3e6a0c1d8b2e9f4a7c3b6d0e5f8a1c4b7e2d9f6a3c0b5e8d1f'
/** A second one, for rotation tests. */
export const OTHER_SESSION_SECRET = '1b7e3d9a5c2f8e4b6a0d9c3e7f1a5b8d2c6e0f4a9b3d7e1c5a8f2b6d0e4c9a3f'

/** Demo mode: the sandbox gateway, the mail viewer and the fictitious bank details. Never https (refused). */
export const DEMO_ENV = { PEC_MODE: 'demo', PUBLIC_URL: 'http://localhost:3000' } as const

/** A provider's own bank and postal details (a valid Italian IBAN): bonifico and bollettino are then offered. */
export const BANK_ENV = {
  PAYMENT_BENEFICIARY: 'PEC Provider S.p.A.',
  PAYMENT_IBAN: 'IT60 X054 2811 1010 0000 0123 456',
  PAYMENT_BIC: 'BPMOIT22XXX',
  PAYMENT_POSTAL_ACCOUNT: '123456',
} as const

/** A provider's identity (PROVIDER_*): `serve` and `worker` refuse to start in production without it. */
export const PROVIDER_ENV = {
  PROVIDER_NAME: 'PEC Provider S.p.A.',
  PROVIDER_VAT_NUMBER: '01234560017',
  PROVIDER_REGISTERED_OFFICE: 'Via Roma 10, 20121 Milano (MI)',
  PROVIDER_PRIVACY_URL: 'https://www.pec-provider.example/privacy',
  PROVIDER_COOKIE_URL: 'https://www.pec-provider.example/cookie',
  PROVIDER_TERMS_URL: 'https://www.pec-provider.example/condizioni',
  PROVIDER_SUPPORT_EMAIL: 'assistenza@pec-provider.example',
  PROVIDER_SUPPORT_PHONE: '+39 02 1234 5678',
  PROVIDER_SUPPORT_URL: 'https://www.pec-provider.example/assistenza',
  PROVIDER_HELP_URL: 'https://www.pec-provider.example/guide',
} as const

/**
 * The cost of the password hashes tests write: argon2id still, at a fraction of a millisecond, where
 * OUR_HASH_COST takes a tenth of a second on a busy machine (a sign-in test verifies a hundred).
 * Verifying follows the stored hash's own cost, and a decoy the stored hashes' typical cost, so the
 * tests exercise the same paths. stored-password-check.test.ts and config.test.ts check that
 * production writes OUR_HASH_COST.
 */
export const TEST_HASH_COST: HashCost = { kind: 'argon2id', memoryKiB: 256, passes: 1, lanes: 1 }

/** loadConfig(env), writing password hashes at TEST_HASH_COST. */
export function testConfig(env: NodeJS.ProcessEnv): Config {
  return { ...loadConfig(env), passwordHashCost: TEST_HASH_COST }
}
