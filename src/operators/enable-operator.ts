import { eq } from 'drizzle-orm'
import { audit } from '../db/audit'
import type { Deps } from '../deps'
import type { OperatorChange } from './disable-operator'
import { clearOperatorLockout, lockOperator } from './queries'
import { operators } from './schema'

export type OperatorEnabling =
  | { kind: 'enabled'; username: string; disabledSince: Date }
  /** Nothing changed, nothing audited. */
  | { kind: 'already_enabled'; username: string }

/**
 * R9: lets a disabled operator sign in again, at once: clears the disabled mark and any sign-in
 * lockout on their username, in one transaction with its audit row. Their password is unchanged.
 */
export async function enableOperator(deps: Deps, input: OperatorChange): Promise<OperatorEnabling> {
  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    const operator = await lockOperator(tx, input.username)
    const { username, disabledAt } = operator
    if (!disabledAt) return { kind: 'already_enabled' as const, username }
    await tx.update(operators).set({ disabledAt: null }).where(eq(operators.username, username))
    await clearOperatorLockout(tx, username)
    await audit(tx, { actor: input.actor, action: 'operator.enabled', at: now, reason: 'enabled; sign-in lockout cleared', data: { username, disabledSince: disabledAt } })
    return { kind: 'enabled' as const, username, disabledSince: disabledAt }
  })
}
