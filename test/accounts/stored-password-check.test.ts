import { describe, expect, it } from 'vitest'
import { hashCost, hashPassword, OUR_HASH_COST, verifyPassword, type HashCost } from '../../src/accounts/passwords'
import { decoyHash, DECOY_RESAMPLE_MS, storedPasswordCheck, typicalCost, type VerifyPassword } from '../../src/accounts/stored-password-check'
import { clockOn } from '../support/seed'

// Made outside our code (see passwords.test.ts): the password is 'correct horse'.
const BCRYPT_5 = '$2y$05$WvGLDVl6vuCavh4G9Bjr8e30HA/2Kvjts7bjMJzdlG5QTjq9ocdVq'
const SHA512 = '$6$somesalt$/6/DOZ6XPt8TWos3ywDgUa/X8vByGWTZbxM1kg0wDOnc1co.8iO54MmmQYM15M1SFjcHgitRT279chPGc8rts0'
const ARGON2_REFERENCE = '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'

describe('what verifying against a hash costs', () => {
  it.each<[string, string, HashCost]>([
    ['bcrypt', BCRYPT_5, { kind: 'bcrypt', cost: 5 }],
    ['bcrypt behind Dovecot’s prefix', `{BLF-CRYPT}${BCRYPT_5}`, { kind: 'bcrypt', cost: 5 }],
    ['SHA512-CRYPT without rounds= (crypt’s default)', SHA512, { kind: 'sha512-crypt', rounds: 5_000 }],
    ['SHA512-CRYPT with rounds=', '$6$rounds=20000$abc$' + 'x'.repeat(86), { kind: 'sha512-crypt', rounds: 20_000 }],
    ['SHA512-CRYPT with too few rounds (crypt clamps them)', '$6$rounds=10$abc$' + 'x'.repeat(86), { kind: 'sha512-crypt', rounds: 1_000 }],
    ['argon2id', ARGON2_REFERENCE, { kind: 'argon2id', memoryKiB: 65_536, passes: 2, lanes: 1 }],
  ])('%s', (_name, hash, cost) => {
    expect(hashCost(hash)).toEqual(cost)
  })

  it('ours is OUR_HASH_COST; an unsupported hash has none', async () => {
    expect(hashCost(await hashPassword('x'))).toEqual(OUR_HASH_COST)
    expect(hashCost('$1$md5$salt')).toBeNull()
  })

  it('the typical cost is the most common among the stored hashes; ours when none can be verified', () => {
    expect(typicalCost([SHA512, BCRYPT_5, null, `{CRYPT}${BCRYPT_5}`, 'nonsense'])).toEqual({ kind: 'bcrypt', cost: 5 })
    expect(typicalCost([])).toEqual(OUR_HASH_COST)
    expect(typicalCost([null, 'nonsense'])).toEqual(OUR_HASH_COST)
  })

  it.each<HashCost>([
    { kind: 'bcrypt', cost: 5 },
    { kind: 'sha512-crypt', rounds: 5_000 },
    { kind: 'argon2id', memoryKiB: 8_192, passes: 3, lanes: 1 },
  ])('a decoy of %j has exactly that cost, and matches no password', async (cost) => {
    const decoy = await decoyHash(cost)
    expect(hashCost(decoy)).toEqual(cost)
    expect(await verifyPassword('', decoy)).toBe(false)
    expect(await decoyHash(cost)).toBe(decoy) // made once per process
  })
})

describe('a stored password check', () => {
  function recording() {
    const costs: Array<HashCost | null> = []
    const verify: VerifyPassword = async (plain, stored) => {
      costs.push(hashCost(stored))
      return verifyPassword(plain, stored)
    }
    return { costs, verify }
  }

  it('without a stored hash verifies against a decoy of the sample’s typical cost, and never matches', async () => {
    const { costs, verify } = recording()
    const check = storedPasswordCheck(async () => [BCRYPT_5, BCRYPT_5, SHA512], clockOn('2026-06-01'), verify)
    expect(await check('correct horse', BCRYPT_5)).toBe(true)
    expect(await check('correct horse', null)).toBe(false)
    expect(await check('', undefined)).toBe(false)
    expect(costs).toEqual([{ kind: 'bcrypt', cost: 5 }, { kind: 'bcrypt', cost: 5 }, { kind: 'bcrypt', cost: 5 }])
  })

  it('samples again after DECOY_RESAMPLE_MS, so an import that changes the typical cost changes the decoy', async () => {
    const { costs, verify } = recording()
    const clock = clockOn('2026-06-01')
    let stored = [BCRYPT_5]
    let samples = 0
    const check = storedPasswordCheck(async () => (samples++, stored), clock, verify)
    await check('x', null)
    stored = [SHA512, SHA512]
    clock.advanceMs(DECOY_RESAMPLE_MS - 1)
    await check('x', null)
    expect(samples).toBe(1)
    clock.advanceMs(1)
    await check('x', BCRYPT_5) // a known identifier's check may be the one that samples: same wait
    await check('x', null)
    expect(samples).toBe(2)
    expect(costs.map((c) => c?.kind)).toEqual(['bcrypt', 'bcrypt', 'bcrypt', 'sha512-crypt'])
  })
})
