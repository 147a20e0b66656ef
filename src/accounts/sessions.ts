import { eq, lt } from 'drizzle-orm'
import type { Executor } from '../db/client'
import type { Deps } from '../deps'
import { webSessions } from './schema'
import { hashToken, newSession, sessionStanding, touchedAt } from './session-policy'

export { hashToken } from './session-policy'

export interface HolderSession {
  accountId: string
  /** account:ID sees the account's mailboxes; mailbox:ADDRESS sees that mailbox only. */
  signedInWith: string
  language: 'it' | 'en'
}

/** Starts a session and returns the token for the cookie; the table keeps only its hash. */
export async function openSession(deps: Deps, session: HolderSession): Promise<string> {
  const { token, ...row } = newSession(deps.clock.now())
  await deps.db.insert(webSessions).values({ ...row, ...session })
  return token
}

/** The live session for a cookie token, or null; extends the idle expiry as the holder works. */
export async function findSession(deps: Deps, token: string): Promise<HolderSession | null> {
  const now = deps.clock.now()
  const tokenHash = hashToken(token)
  const [row] = await deps.db.select().from(webSessions).where(eq(webSessions.tokenHash, tokenHash))
  const standing = sessionStanding(row, now)
  if (standing === 'over') return null
  if (standing === 'touch') await deps.db.update(webSessions).set(touchedAt(now)).where(eq(webSessions.tokenHash, tokenHash))
  return { accountId: row.accountId, signedInWith: row.signedInWith, language: row.language }
}

export async function closeSession(deps: Deps, token: string): Promise<void> {
  await deps.db.delete(webSessions).where(eq(webSessions.tokenHash, hashToken(token)))
}

/** Signs the account out everywhere (a new password): every session of the account, whatever it signed in with. */
export async function closeAccountSessions(db: Executor, accountId: string): Promise<void> {
  await db.delete(webSessions).where(eq(webSessions.accountId, accountId))
}

/** Housekeeping for the jobs: sessions past their expiry. */
export async function deleteExpiredSessions(deps: Deps): Promise<void> {
  await deps.db.delete(webSessions).where(lt(webSessions.expiresAt, deps.clock.now()))
}
