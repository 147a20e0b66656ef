import { createHmac, timingSafeEqual } from 'node:crypto'
import { addDays, instantAt, type CalendarDate } from './calendar'

// The session secret also signs cookies: a purpose prefix keeps a cookie signature from ever
// passing for a renewal link, and the other way round.
const PURPOSE = 'pec-renewal/renewal-link/v1'

/** R6: a reminder's link stays useful through the renewable window (default 90 days after E). */
export const RENEWAL_LINK_DAYS_AFTER_EXPIRY = 90

/** The instant a renewal link for a mailbox expiring on E stops working: the end of E + 90 days, Rome time. */
export function renewalLinkExpiry(expiresOn: CalendarDate, daysAfter = RENEWAL_LINK_DAYS_AFTER_EXPIRY): Date {
  return instantAt(addDays(expiresOn, daysAfter + 1), '00:00')
}

function signature(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(`${PURPOSE}:${payload}`).digest()
}

/**
 * The token of the reminder e-mail's link (/rinnova?t=TOKEN): the mailbox address and an expiry,
 * signed with HMAC-SHA256. It only pre-fills the sign-in form; it never signs anyone in.
 */
export function renewalLinkToken(secret: string, address: string, expiresAt: Date): string {
  const payload = `${Buffer.from(address.trim().toLowerCase(), 'utf8').toString('base64url')}.${Math.floor(expiresAt.getTime() / 1000).toString(36)}`
  return `${payload}.${signature(secret, payload).toString('base64url')}`
}

/**
 * The mailbox address a renewal-link token carries, or null when it is forged, altered or expired.
 * Any of `secrets` may have signed it: links mailed before a rotation keep working.
 */
export function readRenewalLinkToken(secrets: string | readonly string[], token: string, now: Date): string | null {
  if (typeof token !== 'string' || token.length > 1024) return null
  const parts = token.split('.')
  if (parts.length !== 3) return null
  const [encodedAddress, expiry, sent] = parts
  const given = Buffer.from(sent, 'base64url')
  const signedBy = (secret: string) => {
    const expected = signature(secret, `${encodedAddress}.${expiry}`)
    return given.length === expected.length && timingSafeEqual(given, expected)
  }
  if (!(typeof secrets === 'string' ? [secrets] : secrets).some(signedBy)) return null
  const expiresAtSeconds = parseInt(expiry, 36)
  if (!Number.isFinite(expiresAtSeconds) || now.getTime() >= expiresAtSeconds * 1000) return null
  const address = Buffer.from(encodedAddress, 'base64url').toString('utf8')
  return address.includes('@') ? address : null
}
