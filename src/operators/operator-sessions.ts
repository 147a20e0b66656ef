import { and, eq, isNull, lt } from 'drizzle-orm'
import { hashToken, newSession, sessionStanding, touchedAt } from '../accounts/session-policy'
import type { Deps } from '../deps'
import { needsSecondFactor, type OperatorRole } from './roles'
import { operators, operatorSessions } from './schema'

export interface OperatorSession {
  username: string
  displayName: string
  /** Read on every request: a role changed by an admin applies at the operator's next page. */
  role: OperatorRole
  /**
   * 'missing' while a role that needs a second factor has not given it on this session: the
   * session then opens only the second-factor pages.
   */
  secondFactor: 'given' | 'missing' | 'not_needed'
}

/** Starts an operator's session and returns the token for the cookie; the table keeps only its hash. */
export async function openOperatorSession(deps: Deps, username: string): Promise<string> {
  const { token, ...row } = newSession(deps.clock.now())
  await deps.db.transaction(async (tx) => {
    await tx.insert(operatorSessions).values({ ...row, username })
    await tx.update(operators).set({ lastSignedInAt: row.createdAt }).where(eq(operators.username, username))
  })
  return token
}

/**
 * The live operator session for a cookie token, or null. A holder's token is not in this table.
 * A disabled operator's session counts for nothing, even if its row outlived the disabling (a
 * sign-in that raced it): the join refuses it in the same query.
 */
export async function findOperatorSession(deps: Deps, token: string): Promise<OperatorSession | null> {
  const now = deps.clock.now()
  const tokenHash = hashToken(token)
  const [row] = await deps.db
    .select({ createdAt: operatorSessions.createdAt, lastSeenAt: operatorSessions.lastSeenAt, expiresAt: operatorSessions.expiresAt, username: operators.username, displayName: operators.displayName, role: operators.role, secondFactorAt: operatorSessions.secondFactorAt })
    .from(operatorSessions)
    .innerJoin(operators, and(eq(operators.username, operatorSessions.username), isNull(operators.disabledAt)))
    .where(eq(operatorSessions.tokenHash, tokenHash))
  const standing = sessionStanding(row, now)
  if (standing === 'over') return null
  if (standing === 'touch') await deps.db.update(operatorSessions).set(touchedAt(now)).where(eq(operatorSessions.tokenHash, tokenHash))
  const secondFactor = !needsSecondFactor(row.role) ? 'not_needed' : row.secondFactorAt ? 'given' : 'missing'
  return { username: row.username, displayName: row.displayName, role: row.role, secondFactor }
}

export async function closeOperatorSession(deps: Deps, token: string): Promise<void> {
  await deps.db.delete(operatorSessions).where(eq(operatorSessions.tokenHash, hashToken(token)))
}

/** Housekeeping for the jobs: operator sessions past their expiry. */
export async function deleteExpiredOperatorSessions(deps: Deps): Promise<void> {
  await deps.db.delete(operatorSessions).where(lt(operatorSessions.expiresAt, deps.clock.now()))
}
