import { eq } from 'drizzle-orm'
import { hashPassword } from '../accounts/passwords'
import { audit, type Actor } from '../db/audit'
import type { Deps } from '../deps'
import { operatorPasswordProblem } from './add-operator'
import { clearOperatorLockout, closeAllOperatorSessions, lockOperator } from './queries'
import { operators } from './schema'

export interface NewOperatorPassword {
  username: string
  password: string
  actor: Actor
}

export interface OperatorPasswordSet {
  username: string
  changedAt: Date
  sessionsClosed: number
  /** A disabled operator stays disabled: a new password alone does not let them in. */
  disabled: boolean
}

/**
 * R9: sets an operator's password (a forgotten one) as argon2id, with the rules of addOperator;
 * signs them out everywhere and lifts their lockout, in one transaction with its audit row. The
 * audit row never holds the password, nor its hash.
 */
export async function setOperatorPassword(deps: Deps, input: NewOperatorPassword): Promise<OperatorPasswordSet> {
  const problem = operatorPasswordProblem(input.password)
  if (problem) throw problem
  const passwordHash = await hashPassword(input.password, deps.config.passwordHashCost) // before the transaction: it takes a while
  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    const { username, disabledAt } = await lockOperator(tx, input.username)
    await tx.update(operators).set({ passwordHash, passwordChangedAt: now }).where(eq(operators.username, username))
    const sessionsClosed = await closeAllOperatorSessions(tx, username)
    await clearOperatorLockout(tx, username)
    await audit(tx, { actor: input.actor, action: 'operator.password_set', at: now, reason: 'new password; every session closed', data: { username, sessionsClosed } })
    return { username, changedAt: now, sessionsClosed, disabled: disabledAt !== null }
  })
}
