import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config'
import { systemClock } from '../../src/core/clock'
import type { Db } from '../../src/db/client'
import { pickMailPlatform } from '../../src/provisioning/pick-mail-platform'
import { TEST_SESSION_SECRET, TEST_OFFICE_TOTP_KEY } from '../support/config'

const POSTGRES = 'postgres://postgres@127.0.0.1:5432/pec'
const PLATFORM_SECRET = '9b2e4c6a8d0f1e3a5c7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a2c'
const noDb = {} as Db // the adapters only keep it; nothing here queries

function pick(env: Record<string, string>) {
  const lines: string[] = []
  const platform = pickMailPlatform(loadConfig(env), noDb, systemClock, (line) => lines.push(line))
  return { platform, lines }
}

describe('MAIL_PLATFORM: which adapter the mailboxes’ commands go to (issue 13, R10)', () => {
  it('none by default in production: commands stay queued', () => {
    expect(pick({ DATABASE_URL: 'memory://' }).platform).toBeUndefined()
  })

  it('the simulation in demo mode only, and it says so in every line', async () => {
    const { platform, lines } = pick({ DATABASE_URL: 'memory://', PEC_MODE: 'demo' })
    expect(platform?.name).toBe('simulated')
    await platform!.apply({ action: 'disable', mode: 'off', address: 'a@pec.example.it', idempotencyKey: 'k' })
    expect(lines).toEqual(['[mail platform simulation, demo only] disable (off) a@pec.example.it'])
    expect(await platform!.status('a@pec.example.it')).toBe('off')
  })

  it('sql on PostgreSQL only', () => {
    expect(pick({ DATABASE_URL: POSTGRES, SESSION_SECRET: TEST_SESSION_SECRET, OFFICE_TOTP_KEY: TEST_OFFICE_TOTP_KEY, MAIL_PLATFORM: 'sql' }).platform?.name).toBe('sql')
    expect(() => loadConfig({ DATABASE_URL: 'memory://', MAIL_PLATFORM: 'sql' })).toThrow(/MAIL_PLATFORM=sql: needs a PostgreSQL DATABASE_URL/)
  })

  it('http with an https URL (plain http only to this machine) and a strong secret, never echoed', () => {
    const env = { DATABASE_URL: 'memory://', MAIL_PLATFORM: 'http', MAIL_PLATFORM_SECRET: PLATFORM_SECRET }
    expect(pick({ ...env, MAIL_PLATFORM_URL: 'https://platform.example.it/pec' }).platform?.name).toBe('http')
    expect(pick({ ...env, MAIL_PLATFORM_URL: 'http://127.0.0.1:8080/pec' }).platform?.name).toBe('http')
    expect(() => loadConfig({ ...env, MAIL_PLATFORM_URL: 'http://platform.example.it/pec' })).toThrow(/MAIL_PLATFORM_URL: expected https:\/\//)
    expect(() => loadConfig({ ...env })).toThrow(/MAIL_PLATFORM_URL: required/)
    const weak = () => loadConfig({ ...env, MAIL_PLATFORM_URL: 'https://platform.example.it/pec', MAIL_PLATFORM_SECRET: 'password123' })
    expect(weak).toThrow(ConfigError)
    expect(weak).toThrow(/MAIL_PLATFORM_SECRET: too short/)
    expect(weak).not.toThrow(/password123/)
    expect(() => loadConfig({ DATABASE_URL: 'memory://', MAIL_PLATFORM: 'ftp' })).toThrow(/MAIL_PLATFORM: expected sql or http, got "ftp"/)
    expect(() => loadConfig({ DATABASE_URL: 'memory://', MAIL_PLATFORM_URL: 'https://platform.example.it' })).toThrow(/MAIL_PLATFORM: set it to http/)
  })
})
