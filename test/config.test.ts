import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, DEMO_TOTP_KEY, loadConfig, markDemoFolder, maskCredentials, secretWeakness, unknownVariables } from '../src/config'
import { OTHER_SESSION_SECRET, TEST_SESSION_SECRET, TEST_OFFICE_TOTP_KEY } from './support/config'

const POSTGRES = 'postgres://postgres@127.0.0.1:5432/pec'
const folders: string[] = []
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
})
function dataFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'pec-config-'))
  folders.push(folder)
  return join(folder, 'data')
}

describe('R10: demo mode is chosen explicitly, never by leaving a variable out', () => {
  it('is production by default: an embedded folder, memory, PostgreSQL, https, gateway keys, no SMTP', () => {
    expect(loadConfig({ DATABASE_URL: dataFolder() }).mode).toBe('production')
    expect(loadConfig({ DATABASE_URL: 'memory://' }).mode).toBe('production')
    expect(loadConfig({ DATABASE_URL: POSTGRES, SESSION_SECRET: TEST_SESSION_SECRET, OFFICE_TOTP_KEY: TEST_OFFICE_TOTP_KEY }).mode).toBe('production')
    expect(loadConfig({ DATABASE_URL: 'memory://', PUBLIC_URL: 'https://rinnovi.example.it' }).mode).toBe('production')
    expect(loadConfig({ DATABASE_URL: 'memory://', STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_WEBHOOK_SECRET: 'whsec_x' }).mode).toBe('production')
  })

  it('is demo with PEC_MODE=demo, or on the data folder `pec-renewal demo` marked', () => {
    expect(loadConfig({ DATABASE_URL: 'memory://', PEC_MODE: 'demo' }).mode).toBe('demo')
    const folder = dataFolder()
    markDemoFolder(folder)
    expect(loadConfig({ DATABASE_URL: folder }).mode).toBe('demo')
    expect(() => loadConfig({ DATABASE_URL: folder, PEC_MODE: 'production' })).toThrow(/holds the demo/)
  })

  it.each([
    [{ DATABASE_URL: POSTGRES, SESSION_SECRET: TEST_SESSION_SECRET, OFFICE_TOTP_KEY: TEST_OFFICE_TOTP_KEY }, /not with a PostgreSQL DATABASE_URL/],
    [{ PUBLIC_URL: 'https://rinnovi.example.it' }, /not with an https PUBLIC_URL/],
    [{ STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_WEBHOOK_SECRET: 'whsec_x' }, /not with real payment gateway keys/],
    [{ PAYPAL_CLIENT_ID: 'id', PAYPAL_CLIENT_SECRET: 's', PAYPAL_WEBHOOK_ID: 'w' }, /not with real payment gateway keys/],
    [{ HOST: '0.0.0.0' }, /HOST must be this machine/],
  ])('refuses demo mode beside production settings: %o', (env, why) => {
    expect(() => loadConfig({ DATABASE_URL: 'memory://', PEC_MODE: 'demo', ...env })).toThrow(ConfigError)
    expect(() => loadConfig({ DATABASE_URL: 'memory://', PEC_MODE: 'demo', ...env })).toThrow(why)
  })

  it('refuses the demo marker on a folder that production settings point at, as it would PEC_MODE=demo', () => {
    const folder = dataFolder()
    markDemoFolder(folder)
    expect(() => loadConfig({ DATABASE_URL: folder, PUBLIC_URL: 'https://rinnovi.example.it' })).toThrow(/PEC_MODE=demo: not with an https PUBLIC_URL/)
    expect(() => markDemoFolder(POSTGRES)).toThrow(/embedded database/)
  })

  it('refuses an unknown PEC_MODE', () => {
    expect(() => loadConfig({ DATABASE_URL: 'memory://', PEC_MODE: 'Demo' })).toThrow('PEC_MODE: expected demo or production, got "Demo"')
  })

  it('takes the fictitious bank details only in demo mode', () => {
    expect(loadConfig({ DATABASE_URL: 'memory://' }).paymentInstructions).toBeUndefined()
    expect(loadConfig({ DATABASE_URL: 'memory://', PEC_MODE: 'demo' }).paymentInstructions?.isDemo).toBe(true)
  })
})

describe('OFFICE_TOTP_KEY: the key that seals the operators\' TOTP secrets', () => {
  it('is required with PostgreSQL, 32 strong bytes; demo mode has its fixed key; memory a random one', () => {
    expect(() => loadConfig({ DATABASE_URL: POSTGRES, SESSION_SECRET: TEST_SESSION_SECRET })).toThrow(/OFFICE_TOTP_KEY: required with a PostgreSQL DATABASE_URL/)
    expect(() => loadConfig({ DATABASE_URL: POSTGRES, SESSION_SECRET: TEST_SESSION_SECRET, OFFICE_TOTP_KEY: 'abc' })).toThrow(/OFFICE_TOTP_KEY: expected 32 bytes/)
    expect(() => loadConfig({ DATABASE_URL: POSTGRES, SESSION_SECRET: TEST_SESSION_SECRET, OFFICE_TOTP_KEY: '0'.repeat(64) })).toThrow(/OFFICE_TOTP_KEY: too repetitive/)
    expect(loadConfig({ DATABASE_URL: POSTGRES, SESSION_SECRET: TEST_SESSION_SECRET, OFFICE_TOTP_KEY: TEST_OFFICE_TOTP_KEY }).officeTotpKey.toString('hex')).toBe(TEST_OFFICE_TOTP_KEY)
    expect(loadConfig({ DATABASE_URL: 'memory://', PEC_MODE: 'demo' }).officeTotpKey).toEqual(DEMO_TOTP_KEY)
    expect(loadConfig({ DATABASE_URL: 'memory://' }).officeTotpKey).toHaveLength(32)
    expect(loadConfig({ DATABASE_URL: 'memory://' }).officeTotpKey).not.toEqual(DEMO_TOTP_KEY)
  })
})

describe('SESSION_SECRET: one secret for every node, strong, rotatable', () => {
  it('is required with PostgreSQL: each process inventing its own would break links between nodes', () => {
    expect(() => loadConfig({ DATABASE_URL: POSTGRES })).toThrow(/SESSION_SECRET: required with a PostgreSQL DATABASE_URL/)
    expect(loadConfig({ DATABASE_URL: POSTGRES, SESSION_SECRET: TEST_SESSION_SECRET, OFFICE_TOTP_KEY: TEST_OFFICE_TOTP_KEY }).sessionSecrets).toEqual([TEST_SESSION_SECRET])
  })

  it('is kept in the embedded data folder when not given, the same across restarts', () => {
    const folder = dataFolder()
    const first = loadConfig({ DATABASE_URL: folder }).sessionSecrets
    expect(first).toHaveLength(1)
    expect(secretWeakness(first[0])).toBeNull()
    expect(loadConfig({ DATABASE_URL: folder }).sessionSecrets).toEqual(first)
  })

  it.each(['a', 'x'.repeat(32), 'x'.repeat(128), 'abc'.repeat(30), 'password-password-password-12', '0123456789abcdef'.repeat(2)])(
    'refuses a weak secret: %s',
    (weak) => {
      expect(() => loadConfig({ DATABASE_URL: 'memory://', SESSION_SECRET: weak })).toThrow(/SESSION_SECRET: too (short|repetitive)/)
    },
  )

  it('accepts 32 random bytes as hex or base64, and never echoes the secret it refuses', () => {
    expect(secretWeakness(TEST_SESSION_SECRET)).toBeNull()
    expect(secretWeakness('q3VtZ0x9Kf2hR7pLw1sN8bYc4dTgE6aJm5oUiZxPvQk')).toBeNull() // 43 base64url characters
    expect(secretWeakness('q3VtZ0x9Kf2hR7pLw1sN8bYc4dTgE6aJm5oUiZxPvQk=')).toBeNull()
    expect(() => loadConfig({ DATABASE_URL: 'memory://', SESSION_SECRET: 'my-weak-secret' })).toThrow(/^(?!.*my-weak-secret)SESSION_SECRET: too short/)
  })

  it('takes a list for rotation: the first signs, all verify; a weak one in the list is named by position', () => {
    expect(loadConfig({ DATABASE_URL: 'memory://', SESSION_SECRET: `${OTHER_SESSION_SECRET},${TEST_SESSION_SECRET}` }).sessionSecrets).toEqual([
      OTHER_SESSION_SECRET,
      TEST_SESSION_SECRET,
    ])
    expect(loadConfig({ DATABASE_URL: 'memory://', SESSION_SECRET: ` ${OTHER_SESSION_SECRET}  ${TEST_SESSION_SECRET} ` }).sessionSecrets).toHaveLength(2)
    expect(() => loadConfig({ DATABASE_URL: 'memory://', SESSION_SECRET: `${TEST_SESSION_SECRET},short` })).toThrow(/SESSION_SECRET \(secret 2 of 2\): too short/)
  })
})

describe('misspelt settings are reported', () => {
  it.each([
    ['STRIPE_KEY', 'STRIPE_SECRET_KEY'],
    ['STRIPE_SECRET', 'STRIPE_SECRET_KEY'],
    ['STRIPE_WEBHOOK_KEY', 'STRIPE_WEBHOOK_SECRET'],
    ['PAYPAL_SECRET', 'PAYPAL_CLIENT_SECRET'],
    ['DATABSE_URL', 'DATABASE_URL'],
    ['SMTP_URI', 'SMTP_URL'],
    ['PEC_MODES', 'PEC_MODE'],
  ])('%s → did you mean %s?', (name, suggestion) => {
    expect(unknownVariables({ [name]: 'x' })).toEqual([{ name, suggestion }])
    expect(loadConfig({ DATABASE_URL: 'memory://', [name]: 'x' }).unknownVariables).toEqual([{ name, suggestion }])
  })

  it('leaves the rest of the environment alone', () => {
    expect(unknownVariables({ PATH: '/usr/bin', HOME: '/root', LANG: 'C.UTF-8', NODE_OPTIONS: '', STRIPE_SECRET_KEY: 'sk', PEC_MODE: 'demo' })).toEqual([])
  })
})

describe('a configuration error never carries a credential', () => {
  it.each([
    ['smtp//user:hunter2@mail.example.it:587', 'hunter2'],
    ['http://user:hunter2@mail.example.it', 'hunter2'],
    ['smtp:user:hunter2@mail.example.it', 'hunter2'],
  ])('SMTP_URL=%s', (value, secret) => {
    const message = (() => {
      try {
        loadConfig({ DATABASE_URL: 'memory://', SMTP_URL: value })
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError)
        return (error as Error).message
      }
      throw new Error('accepted')
    })()
    expect(message).toMatch(/^SMTP_URL: expected smtp:/)
    expect(message).not.toContain(secret)
  })

  it('masks user-info anywhere in a text, a password holding an @ included', () => {
    expect(maskCredentials('got "smtps://anna:p@ss:w0rd@mail.example.it:465" instead')).toBe('got "smtps://anna:***@mail.example.it:465" instead')
    expect(maskCredentials('connect to postgres://pec:s3cret@db.internal:5432/pec failed')).toBe('connect to postgres://pec:***@db.internal:5432/pec failed')
    expect(maskCredentials('no credentials at 10:30 here')).toBe('no credentials at 10:30 here')
  })

})
