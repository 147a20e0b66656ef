import { eq } from 'drizzle-orm'
import { audit } from '../db/audit'
import type { Deps } from '../deps'
import type { OperatorChange } from './disable-operator'
import { clearOperatorLockout, lockOperator } from './queries'
import { operators } from './schema'

export type OperatorEnabling =
  | { kind: 'enabled'; username: string; disabledSince: Date }
  /** Not disabled; `unlocked` when failed sign-ins were forgotten (audited as operator.unlocked), else nothing changed. */
  | { kind: 'already_enabled'; username: string; unlocked: boolean }

/**
 * R9: lets an operator sign in again, at once: clears the disabled mark and any failed sign-ins
 * on their username (as unlockOperator), in one transaction with its audit row. Their password is
 * unchanged. On an operator who is not disabled it still lifts a sign-in block.
 */
export async function enableOperator(deps: Deps, input: OperatorChange): Promise<OperatorEnabling> {
  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    const operator = await lockOperator(tx, input.username)
    const { username, disabledAt } = operator
    const cleared = await clearOperatorLockout(tx, username)
    if (!disabledAt) {
      if (cleared) await audit(tx, { actor: input.actor, action: 'operator.unlocked', at: now, reason: 'enabled while not disabled: failed sign-ins forgotten', data: { username, ...cleared } })
      return { kind: 'already_enabled' as const, username, unlocked: cleared !== null }
    }
    await tx.update(operators).set({ disabledAt: null }).where(eq(operators.username, username))
    await audit(tx, { actor: input.actor, action: 'operator.enabled', at: now, reason: 'enabled; sign-in lockout cleared', data: { username, disabledSince: disabledAt } })
    return { kind: 'enabled' as const, username, disabledSince: disabledAt }
  })
}
