import { eq } from 'drizzle-orm'
import { audit, type Actor } from '../db/audit'
import type { Deps } from '../deps'
import { closeAllOperatorSessions, lockOperator } from './queries'
import { operators } from './schema'
import { refuseLastAdmin } from './set-operator-role'

export interface OperatorChange {
  /** As typed; trimmed and lower-cased before the lookup. */
  username: string
  actor: Actor
}

export type OperatorDisabling =
  | { kind: 'disabled'; username: string; disabledAt: Date; sessionsClosed: number }
  /** Nothing changed, nothing audited: disabling twice is harmless. */
  | { kind: 'already_disabled'; username: string; disabledAt: Date }

/**
 * R9: stops an operator from signing in (someone who left): marks them disabled and closes every
 * session of theirs, in one transaction with its audit row. The operator and their audit trail
 * stay; enableOperator undoes it. An unknown username is refused (operator_not_found), and so is
 * the last active admin (last_admin).
 */
export async function disableOperator(deps: Deps, input: OperatorChange): Promise<OperatorDisabling> {
  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    const operator = await lockOperator(tx, input.username)
    const { username } = operator
    if (operator.disabledAt) return { kind: 'already_disabled' as const, username, disabledAt: operator.disabledAt }
    if (operator.role === 'admin') await refuseLastAdmin(tx, username)
    await tx.update(operators).set({ disabledAt: now }).where(eq(operators.username, username))
    const sessionsClosed = await closeAllOperatorSessions(tx, username)
    await audit(tx, { actor: input.actor, action: 'operator.disabled', at: now, reason: 'disabled; every session closed', data: { username, sessionsClosed } })
    return { kind: 'disabled' as const, username, disabledAt: now, sessionsClosed }
  })
}
