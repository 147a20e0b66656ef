import { createHash, randomBytes } from 'node:crypto'

// How long a web session lives, for holders and operators alike; each keeps its sessions in its own table.
export const IDLE_MS = 30 * 60_000 // signed out after 30 minutes without a request
export const ABSOLUTE_MS = 12 * 3_600_000 // and after 12 hours in any case
const TOUCH_EVERY_MS = 60_000 // sliding expiry written at most once a minute

export interface SessionTimes {
  createdAt: Date
  lastSeenAt: Date
  expiresAt: Date
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** A new session: the random token for the cookie, the hash the table keeps instead, and its times. */
export function newSession(now: Date): SessionTimes & { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url')
  return { token, tokenHash: hashToken(token), createdAt: now, lastSeenAt: now, expiresAt: new Date(now.getTime() + IDLE_MS) }
}

/**
 * What a stored session is worth at `now`: over (idle or past its absolute limit), live, or live
 * and due for its sliding expiry to be written again.
 */
export function sessionStanding(row: SessionTimes | undefined, now: Date): 'over' | 'live' | 'touch' {
  if (!row || row.expiresAt <= now || now.getTime() - row.createdAt.getTime() > ABSOLUTE_MS) return 'over'
  return now.getTime() - row.lastSeenAt.getTime() > TOUCH_EVERY_MS ? 'touch' : 'live'
}

/** The times a session gets when it is touched by a request. */
export function touchedAt(now: Date): Pick<SessionTimes, 'lastSeenAt' | 'expiresAt'> {
  return { lastSeenAt: now, expiresAt: new Date(now.getTime() + IDLE_MS) }
}
