import { audit } from '../db/audit'
import type { Deps } from '../deps'
import type { OperatorChange } from './disable-operator'
import { clearOperatorLockout, lockOperator } from './queries'

export type OperatorUnlocking =
  /** `blocked`: the username had reached the ceiling of failures, and its password did not sign in. */
  | { kind: 'unlocked'; username: string; failures: number; blocked: boolean }
  /** No failure was counted: nothing changed, nothing audited. */
  | { kind: 'nothing_to_unlock'; username: string }

/**
 * R9: lets an operator sign in again after too many failed sign-ins: forgets every failure on
 * their username (the ceiling reached from many clients, and each client's wait), in one
 * transaction with its audit row. Their password and sessions are unchanged.
 */
export async function unlockOperator(deps: Deps, input: OperatorChange): Promise<OperatorUnlocking> {
  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    const { username } = await lockOperator(tx, input.username)
    const cleared = await clearOperatorLockout(tx, username)
    if (!cleared) return { kind: 'nothing_to_unlock' as const, username }
    await audit(tx, { actor: input.actor, action: 'operator.unlocked', at: now, reason: 'failed sign-ins forgotten', data: { username, ...cleared } })
    return { kind: 'unlocked' as const, username, ...cleared }
  })
}
