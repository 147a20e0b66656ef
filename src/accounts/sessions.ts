import { eq, lt } from 'drizzle-orm'
import { sql, type Executor } from '../db/client'
import type { Deps } from '../deps'
import { webSessions } from './schema'
import { SESSIONS_CLOSED_CHANNEL, type SessionCache } from './session-cache'
import { ABSOLUTE_MS, hashToken, newSession, sessionStanding, touchedAt } from './session-policy'

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

/**
 * The live session for a cookie token, or null; extends the idle expiry as the holder works.
 * With a cache, a session the database confirmed less than a minute ago is not asked again.
 */
export async function findSession(deps: Deps, token: string, cache?: SessionCache): Promise<HolderSession | null> {
  const now = deps.clock.now()
  const tokenHash = hashToken(token)
  const cached = cache?.get(tokenHash, now.getTime())
  if (cached) return cached
  const [row] = await deps.db.select().from(webSessions).where(eq(webSessions.tokenHash, tokenHash))
  const standing = sessionStanding(row, now)
  if (standing === 'over') return null
  if (standing === 'touch') await deps.db.update(webSessions).set(touchedAt(now)).where(eq(webSessions.tokenHash, tokenHash))
  const session: HolderSession = { accountId: row.accountId, signedInWith: row.signedInWith, language: row.language }
  cache?.remember(tokenHash, session, now.getTime(), row.createdAt.getTime() + ABSOLUTE_MS)
  return session
}

/** Signs one session out; other processes that cached it hear of it (NOTIFY, sent at commit). */
export async function closeSession(deps: Deps, token: string, cache?: SessionCache): Promise<void> {
  const tokenHash = hashToken(token)
  cache?.forget(tokenHash)
  await deps.db.execute(
    sql`with closed as (delete from ${webSessions} where ${webSessions.tokenHash} = ${tokenHash} returning ${webSessions.accountId})
        select pg_notify(${SESSIONS_CLOSED_CHANNEL}, account_id) from closed`,
  )
}

/**
 * Signs the account out everywhere (a new password): every session of the account, whatever it
 * signed in with. Processes that cached them hear of it at commit; the caller's own cache is
 * told by the caller after the transaction.
 */
export async function closeAccountSessions(db: Executor, accountId: string): Promise<void> {
  await db.delete(webSessions).where(eq(webSessions.accountId, accountId))
  await db.execute(sql`select pg_notify(${SESSIONS_CLOSED_CHANNEL}, ${accountId})`)
}

/** Housekeeping for the jobs: sessions past their expiry. */
export async function deleteExpiredSessions(deps: Deps): Promise<void> {
  await deps.db.delete(webSessions).where(lt(webSessions.expiresAt, deps.clock.now()))
}
