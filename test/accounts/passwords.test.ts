import { describe, expect, it } from 'vitest'
import { hashPassword, isSupportedPasswordHash, passwordHashKind, verifyPassword } from '../../src/accounts/passwords'

// Hashes made outside our code: `openssl passwd -6`, the argon2 reference test vector, the
// OpenBSD bcrypt vector, and hashes of the libraries we depend on (their own formats).
const PASSWORD = 'correct horse'
const HASHES = {
  'argon2id (@node-rs/argon2)':
    '$argon2id$v=19$m=19456,t=2,p=1$DQCf6MoZUhxil2iQwmiDXQ$FQfxUzPKs7qrnD6fSNzpGjaDKix1NBM6ruz/cfeFi8g',
  'bcrypt $2y$': '$2y$05$WvGLDVl6vuCavh4G9Bjr8e30HA/2Kvjts7bjMJzdlG5QTjq9ocdVq',
  'bcrypt $2a$': '$2a$05$vZflhEJ/NT//F/OsUmxDMOEWx4f81.Ho4k12GfBc499lhmpvMOqEu',
  'bcrypt $2b$': '$2b$05$72YMlhMdBAzAfx6ISlcbBOGPqcEBPtCzQ7U/Yue9EiWtLs/C2vzv.',
  'SHA512-CRYPT (openssl passwd -6 -salt somesalt)':
    '$6$somesalt$/6/DOZ6XPt8TWos3ywDgUa/X8vByGWTZbxM1kg0wDOnc1co.8iO54MmmQYM15M1SFjcHgitRT279chPGc8rts0',
  'SHA512-CRYPT with Dovecot {SHA512-CRYPT}':
    '{SHA512-CRYPT}$6$somesalt$/6/DOZ6XPt8TWos3ywDgUa/X8vByGWTZbxM1kg0wDOnc1co.8iO54MmmQYM15M1SFjcHgitRT279chPGc8rts0',
  'bcrypt with Dovecot {BLF-CRYPT}': '{BLF-CRYPT}$2y$05$WvGLDVl6vuCavh4G9Bjr8e30HA/2Kvjts7bjMJzdlG5QTjq9ocdVq',
  'argon2id with Dovecot {ARGON2ID}':
    '{ARGON2ID}$argon2id$v=19$m=19456,t=2,p=1$DQCf6MoZUhxil2iQwmiDXQ$FQfxUzPKs7qrnD6fSNzpGjaDKix1NBM6ruz/cfeFi8g',
}

describe('verifyPassword', () => {
  it.each(Object.entries(HASHES))('%s: accepts the right password, refuses a wrong one', async (_kind, hash) => {
    expect(isSupportedPasswordHash(hash)).toBe(true)
    expect(await verifyPassword(PASSWORD, hash)).toBe(true)
    expect(await verifyPassword('correct horse ', hash)).toBe(false)
    expect(await verifyPassword('', hash)).toBe(false)
  })

  it('verifies published test vectors (argon2 reference, OpenBSD bcrypt)', async () => {
    const argon2Reference = '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'
    expect(await verifyPassword('password', argon2Reference)).toBe(true)
    expect(await verifyPassword('U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW')).toBe(true)
  })

  it('hashes new passwords with argon2id, salted', async () => {
    const first = await hashPassword(PASSWORD)
    const second = await hashPassword(PASSWORD)
    expect(first).toMatch(/^\$argon2id\$v=19\$/)
    expect(first).not.toBe(second)
    expect(passwordHashKind(first)).toBe('argon2id')
    expect(await verifyPassword(PASSWORD, first)).toBe(true)
    expect(await verifyPassword('wrong', first)).toBe(false)
  })

  it.each([
    ['MD5-CRYPT', '$1$somesalt$5n2MdHeQ4GvnNmtTsrNgK0'],
    ['SHA256-CRYPT', '$5$somesalt$l7oDkAmZmhdXq3b6zm9EqZCFLHNFlVtyUDQ3hh9YUS0'],
    ['argon2i', '$argon2i$v=19$m=16,t=2,p=1$c29tZXNhbHQ$d7fYhDlzrfy3KrVdS/JWEg'],
    ['a bcrypt hash cut short', '$2b$05$72YMlhMdBAzAfx6ISlcbBOGPqcEBPtCzQ7U'],
    ['plain text', 'correct horse'],
    ['an unknown Dovecot scheme', '{PLAIN}correct horse'],
    ['a Dovecot scheme that does not match the hash', '{BLF-CRYPT}$6$somesalt$/6/DOZ6XPt8TWos3ywDgUa/X8vByGWTZbxM1kg0wDOnc1co.8iO54MmmQYM15M1SFjcHgitRT279chPGc8rts0'],
    ['empty', ''],
  ])('refuses %s without throwing', async (_kind, hash) => {
    expect(isSupportedPasswordHash(hash)).toBe(false)
    expect(await verifyPassword('correct horse', hash)).toBe(false)
  })
})
