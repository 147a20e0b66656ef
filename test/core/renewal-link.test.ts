import { describe, expect, it } from 'vitest'
import { readRenewalLinkToken, renewalLinkExpiry, renewalLinkToken } from '../../src/core/renewal-link'
import type { CalendarDate } from '../../src/core/calendar'
import { mailContext } from '../../src/notifications/mail-context'

const SECRET = 's'.repeat(64)
const at = (iso: string) => new Date(iso)

describe('signed renewal links (reminder e-mail → /rinnova?t=…)', () => {
  it('carries the mailbox address until it expires', () => {
    const token = renewalLinkToken(SECRET, 'Rossi@PEC.example.it', at('2026-09-29T22:00:00Z'))
    expect(token).toMatch(/^[\w-]+\.[0-9a-z]+\.[\w-]+$/) // URL-safe as it is
    expect(readRenewalLinkToken(SECRET, token, at('2026-06-01T10:00:00Z'))).toBe('rossi@pec.example.it')
    expect(readRenewalLinkToken(SECRET, token, at('2026-09-29T21:59:59Z'))).toBe('rossi@pec.example.it')
    expect(readRenewalLinkToken(SECRET, token, at('2026-09-29T22:00:00Z'))).toBeNull()
  })

  it('refuses a token signed with another secret, altered in any part, or malformed', () => {
    const token = renewalLinkToken(SECRET, 'rossi@pec.example.it', at('2026-12-31T00:00:00Z'))
    const now = at('2026-06-01T10:00:00Z')
    const [address, expiry, signature] = token.split('.')
    const other = Buffer.from('bianchi@pec.example.it').toString('base64url')
    expect(readRenewalLinkToken('another secret', token, now)).toBeNull()
    expect(readRenewalLinkToken(SECRET, `${other}.${expiry}.${signature}`, now)).toBeNull()
    expect(readRenewalLinkToken(SECRET, `${address}.${(parseInt(expiry, 36) + 86_400).toString(36)}.${signature}`, now)).toBeNull()
    expect(readRenewalLinkToken(SECRET, `${address}.${expiry}.${signature.slice(0, -2)}AA`, now)).toBeNull()
    for (const junk of ['', 'a.b', 'a.b.c.d', '...', 'x'.repeat(5000)]) expect(readRenewalLinkToken(SECRET, junk, now)).toBeNull()
  })

  it('R6: a reminder link lasts through the renewable window, to the end of E + 90 days in Rome', () => {
    expect(renewalLinkExpiry('2026-07-01' as CalendarDate).toISOString()).toBe('2026-09-29T22:00:00.000Z') // 30 Sep 00:00 CEST
    expect(renewalLinkExpiry('2026-12-01' as CalendarDate).toISOString()).toBe('2027-03-01T23:00:00.000Z') // 2 Mar 00:00 CET
  })

  it('the mail context signs the link when given the secret, and keeps the plain one without', () => {
    const clock = { now: () => at('2026-06-01T10:00:00Z') }
    const signed = mailContext('https://rinnovi.example.it/', undefined, SECRET, clock).renewLink('rossi@pec.example.it')
    const token = new URL(signed).searchParams.get('t')!
    expect(signed).toMatch(/^https:\/\/rinnovi\.example\.it\/rinnova\?t=/)
    expect(signed).not.toContain('rossi')
    expect(readRenewalLinkToken(SECRET, token, at('2026-08-29T09:59:59Z'))).toBe('rossi@pec.example.it') // 90 days later
    expect(readRenewalLinkToken(SECRET, token, at('2026-08-30T10:00:00Z'))).toBeNull()
    const withExpiry = mailContext('https://rinnovi.example.it', undefined, SECRET, clock).renewLink('rossi@pec.example.it', '2026-07-01')
    expect(readRenewalLinkToken(SECRET, new URL(withExpiry).searchParams.get('t')!, at('2026-09-29T21:00:00Z'))).toBe('rossi@pec.example.it')
    expect(mailContext('https://rinnovi.example.it').renewLink('rossi@pec.example.it')).toBe(
      'https://rinnovi.example.it/rinnova?casella=rossi%40pec.example.it',
    )
  })
})
