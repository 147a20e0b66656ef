import { and, asc, count, eq, gt, sql } from 'drizzle-orm'
import { ABSOLUTE_MS } from '../accounts/session-policy'
import type { Deps } from '../deps'
import type { OperatorRole } from './roles'
import { operators, operatorSessions } from './schema'

export interface OperatorListing {
  username: string
  displayName: string
  role: OperatorRole
  /** Whether a TOTP second factor is enrolled. */
  secondFactorEnrolled: boolean
  createdAt: Date
  /** Null while the operator may sign in. */
  disabledAt: Date | null
  passwordChangedAt: Date | null
  lastSignedInAt: Date | null
  /** Sessions still live now (neither idle nor past their absolute limit). */
  activeSessions: number
}

/** Every operator, by username, with what an administrator needs to decide whom to disable. One query. */
export async function listOperators(deps: Deps): Promise<OperatorListing[]> {
  const now = deps.clock.now()
  const live = and(
    eq(operatorSessions.username, operators.username),
    gt(operatorSessions.expiresAt, now),
    gt(operatorSessions.createdAt, new Date(now.getTime() - ABSOLUTE_MS)),
  )
  return deps.db
    .select({
      username: operators.username,
      displayName: operators.displayName,
      role: operators.role,
      secondFactorEnrolled: sql<boolean>`${operators.totpEnrolledAt} is not null`,
      createdAt: operators.createdAt,
      disabledAt: operators.disabledAt,
      passwordChangedAt: operators.passwordChangedAt,
      lastSignedInAt: operators.lastSignedInAt,
      activeSessions: count(operatorSessions.tokenHash),
    })
    .from(operators)
    .leftJoin(operatorSessions, live)
    .groupBy(operators.username)
    .orderBy(asc(operators.username))
}
