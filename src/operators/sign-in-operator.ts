import { eq } from 'drizzle-orm'
import { verifyOrDecoy } from '../accounts/mailbox-credentials'
import { clearSignInFailures, recordSignInFailure, signInLock } from '../accounts/sign-in-guard'
import type { Deps } from '../deps'
import type { OperatorSession } from './operator-sessions'
import { storedUsername } from './queries'
import { operators, operatorSignInFailures } from './schema'

export type OperatorSignIn =
  | { kind: 'signed_in'; operator: OperatorSession }
  /** Wrong username or password: never says which. */
  | { kind: 'refused' }
  /** Too many failures on this username (this one may have been the fifth). */
  | { kind: 'locked'; until: Date }
  /** The right password on a disabled account: only someone who knows the password learns it is disabled. */
  | { kind: 'disabled' }

/**
 * Checks an operator's username and password, with the holders' lockout rules counted in the
 * operators' own table: a locked username is not checked at all, an unknown one costs a hash
 * verification and is counted like a real one, a success clears the count.
 */
export async function signInOperator(deps: Deps, typedUsername: string, password: string): Promise<OperatorSignIn> {
  const now = deps.clock.now()
  const username = storedUsername(typedUsername)
  const lockedUntil = await signInLock(deps.db, username, now, operatorSignInFailures)
  if (lockedUntil) return { kind: 'locked', until: lockedUntil }
  const [row] = await deps.db.select().from(operators).where(eq(operators.username, username))
  if (!(await verifyOrDecoy(password, row?.passwordHash))) {
    const until = await recordSignInFailure(deps.db, username, now, operatorSignInFailures)
    return until ? { kind: 'locked', until } : { kind: 'refused' }
  }
  // Checked only after the password, so the answer tells a guesser nothing. Not counted as a
  // failure: the lockout slows password guessing, and this password was right; counting it would
  // only leave a lock for enableOperator to clear. Nor does it clear the count: no one signed in.
  if (row.disabledAt) return { kind: 'disabled' }
  await clearSignInFailures(deps.db, username, operatorSignInFailures)
  return { kind: 'signed_in', operator: { username: row.username, displayName: row.displayName } }
}
