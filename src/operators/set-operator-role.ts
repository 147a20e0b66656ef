import { and, eq, isNull, ne } from 'drizzle-orm'
import { DomainError } from '../core/errors'
import { audit, type Actor } from '../db/audit'
import type { Tx } from '../db/client'
import type { Deps } from '../deps'
import { lockOperator } from './queries'
import { isOperatorRole, type OperatorRole } from './roles'
import { operators } from './schema'

export interface OperatorRoleChange {
  username: string
  role: string
  actor: Actor
}

export type OperatorRoleSetting =
  | { kind: 'role_set'; username: string; role: OperatorRole; previousRole: OperatorRole }
  /** Nothing changed, nothing audited. */
  | { kind: 'unchanged'; username: string; role: OperatorRole }

/**
 * R9: gives an operator another role, in one transaction with its audit row. Their open sessions
 * follow at once (a session reads the role on every request); a role that needs a second factor
 * asks for it at the next page if it was not given. The last active admin keeps the role (last_admin).
 */
export async function setOperatorRole(deps: Deps, input: OperatorRoleChange): Promise<OperatorRoleSetting> {
  const role = input.role
  if (!isOperatorRole(role)) throw new DomainError('invalid_role', `"${role}"`)
  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    const operator = await lockOperator(tx, input.username)
    const { username } = operator
    if (operator.role === role) return { kind: 'unchanged' as const, username, role }
    if (operator.role === 'admin' && !operator.disabledAt) await refuseLastAdmin(tx, username)
    await tx.update(operators).set({ role }).where(eq(operators.username, username))
    await audit(tx, { actor: input.actor, action: 'operator.role_set', at: now, data: { username, role, previousRole: operator.role } })
    return { kind: 'role_set' as const, username, role, previousRole: operator.role }
  })
}

/**
 * Refuses (last_admin) when no other active admin would be left: someone must still be able to
 * manage operators. The other admins' rows are locked, so two demotions at once cannot both pass.
 */
export async function refuseLastAdmin(tx: Tx, username: string): Promise<void> {
  const others = await tx
    .select({ username: operators.username })
    .from(operators)
    .where(and(eq(operators.role, 'admin'), isNull(operators.disabledAt), ne(operators.username, username)))
    .for('update')
  if (others.length === 0) throw new DomainError('last_admin', username)
}
