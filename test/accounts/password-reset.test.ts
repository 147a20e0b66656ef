import { afterEach, describe, expect, it } from 'vitest'
import { newPasswordProblems, requestPasswordReset, resolvePasswordResetRequests } from '../../src/accounts/password-reset'
import { passwordResetRequests } from '../../src/accounts/schema'
import { outbox } from '../../src/notifications/schema'
import { testDatabases, type TestDatabase } from '../support/databases'
import { testDeps } from '../support/deps'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { loadConfig, ConfigError } from '../../src/config'
import { mailContext } from '../../src/notifications/mail-context'
import { renderMail } from '../../src/notifications/render-mail'

describe('a new password', () => {
  it.each([
    ['', '', ['password_missing']],
    ['corta', 'corta', ['password_too_short']],
    ['123456789', '123456789', ['password_too_short']],
    ['1234567890', '1234567890', []],
    ['àèìòùàèìòù', 'àèìòùàèìòù', []], // characters, not bytes
    ['una frase lunga', 'una frase lunghissima', ['confirmation_mismatch']],
    ['x'.repeat(257), 'x'.repeat(257), ['password_too_long']],
  ])('"%s" / "%s" → %j', (password, confirmation, problems) => {
    expect(newPasswordProblems(password, confirmation)).toEqual(problems)
  })
})

describe('the password reset e-mail', () => {
  const params = { holderName: '<b>Maria</b> Rossi', accountId: 'FNOM000010', token: 'abc-DEF_123', expiresAt: '2026-06-01T11:00:00.000Z' }
  const context = mailContext('https://rinnovi.example.it')

  it('links to the new-password page and says until when, in Rome time, in both languages', () => {
    const it_ = renderMail({ template: 'password_reset', language: 'it', params }, context)
    expect(it_.text).toContain('https://rinnovi.example.it/nuova-password?t=abc-DEF_123')
    expect(it_.text).toContain('13:00 del 1º giugno 2026 (ora italiana)')
    expect(it_.text).toContain('Se non hai chiesto tu una nuova password, ignora questo messaggio')
    const en = renderMail({ template: 'password_reset', language: 'en', params }, context)
    expect(en.subject).toBe('Set a new password for your PEC renewal')
    expect(en.text).toContain('13:00 on 1 June 2026 (Italian time)')
    expect(en.html).toContain('href="https://rinnovi.example.it/nuova-password?t=abc-DEF_123"')
  })

  it('escapes the holder name in the HTML', () => {
    const { html } = renderMail({ template: 'password_reset', language: 'it', params }, context)
    expect(html).not.toContain('<b>Maria</b>')
    expect(html).toContain('&lt;b&gt;Maria&lt;/b&gt; Rossi')
  })
})

describe('IMAP_URL', () => {
  it('is optional, and refused with a message naming it when malformed, never echoing a password', () => {
    expect(loadConfig({ DATABASE_URL: 'memory://' }).imapUrl).toBeUndefined()
    expect(loadConfig({ DATABASE_URL: 'memory://', IMAP_URL: 'imaps://imap.example.it:993/' }).imapUrl).toBe('imaps://imap.example.it:993')
    for (const bad of ['imap.example.it', 'https://imap.example.it', 'imaps://imap.example.it/INBOX', 'imaps://user:s3cret@imap.example.it']) {
      expect(() => loadConfig({ DATABASE_URL: 'memory://', IMAP_URL: bad })).toThrow(ConfigError)
      expect(() => loadConfig({ DATABASE_URL: 'memory://', IMAP_URL: bad })).toThrow(/^IMAP_URL: /)
    }
    expect(() => loadConfig({ DATABASE_URL: 'memory://', IMAP_URL: 'imaps://user:s3cret@imap.example.it' })).not.toThrow(/s3cret/)
  })
})

describe.each(testDatabases())('%s: stored reset requests', (_name, open) => {
  let t: TestDatabase
  afterEach(async () => t?.close())

  it('two resolvers at once resolve each request once, and the hourly cap of 3 links holds', async () => {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    await seedMailbox(db, { expiresOn: '2026-07-01', address: 'prima@pec.example.it', accountId: 'FNOM000010' })
    const deps = testDeps(db, clockOn('2026-06-01'))
    for (const identifier of ['FNOM000010', 'fnom000010', 'Prima@PEC.example.it', 'FNOM999999', 'ＦＮＯＭ000010']) {
      await requestPasswordReset(deps, identifier, { ip: '203.0.113.9' })
    }
    const [first, second] = await Promise.all([resolvePasswordResetRequests(deps), resolvePasswordResetRequests(deps)])
    expect([...first, ...second].sort()).toEqual(['no_match', 'sent', 'sent', 'sent', 'throttled'])
    expect(await db.select().from(outbox)).toHaveLength(3)
    expect(await db.select().from(passwordResetRequests)).toEqual([])
  })
})
