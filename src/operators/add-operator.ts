import { hashPassword } from '../accounts/passwords'
import { audit, type Actor } from '../db/audit'
import { DomainError } from '../core/errors'
import type { Deps } from '../deps'
import { storedUsername } from './queries'
import type { OperatorRole } from './roles'
import { operators } from './schema'

/** Operators open the back office's payment pages: a longer minimum than the holders' 10. */
export const MIN_OPERATOR_PASSWORD_LENGTH = 12
export const MAX_PASSWORD_LENGTH = 256
const USERNAME = /^[a-z][a-z0-9._-]{1,31}$/

export interface NewOperator {
  username: string
  /** The name shown in the back office; the username when absent. */
  displayName?: string
  password: string
  /** What they may do (operators/roles.ts); admin and billing enrol a second factor at their first sign-in. */
  role: OperatorRole
  actor: Actor
}

export interface AddedOperator {
  username: string
  displayName: string
  role: OperatorRole
  createdAt: Date
}

/** The username as stored and audited (operator:USERNAME): normalised as every lookup does it, checked. */
export function operatorUsername(typed: string): string {
  const username = storedUsername(typed)
  if (!USERNAME.test(username)) throw new DomainError('invalid_username', `"${typed}"`)
  return username
}

/** Why a password cannot be an operator's, or null. Counted in characters, not bytes. */
export function operatorPasswordProblem(password: string): DomainError | null {
  const length = [...password].length
  if (length < MIN_OPERATOR_PASSWORD_LENGTH) {
    return new DomainError('password_too_short', `at least ${MIN_OPERATOR_PASSWORD_LENGTH} characters, got ${length}`)
  }
  if (password.length > MAX_PASSWORD_LENGTH) return new DomainError('password_too_long', `at most ${MAX_PASSWORD_LENGTH} characters`)
  return null
}

/**
 * R9: creates a back-office operator with an argon2id password hash, audited in the same
 * transaction. An existing username is refused, never overwritten.
 */
export async function addOperator(deps: Deps, input: NewOperator): Promise<AddedOperator> {
  const username = operatorUsername(input.username)
  const displayName = input.displayName?.trim() || username
  const problem = operatorPasswordProblem(input.password)
  if (problem) throw problem
  const passwordHash = await hashPassword(input.password, deps.config.passwordHashCost) // before the transaction: it takes a while
  const createdAt = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    const { role } = input
    const [row] = await tx.insert(operators).values({ username, displayName, role, passwordHash, createdAt }).onConflictDoNothing().returning()
    if (!row) throw new DomainError('operator_exists', username)
    await audit(tx, { actor: input.actor, action: 'operator.created', at: createdAt, data: { username, displayName, role } })
    return { username, displayName, role, createdAt }
  })
}
