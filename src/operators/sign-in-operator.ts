import { admitSignInAttempt, settleSignInAttempt } from '../accounts/sign-in-guard'
import type { StoredPasswordCheck } from '../accounts/stored-password-check'
import type { Deps } from '../deps'
import type { OperatorSession } from './operator-sessions'
import { findOperatorRow } from './queries'
import { needsSecondFactor } from './roles'
import { operatorSignInGuard } from './schema'

export interface OperatorSignInAttempt {
  username: string
  password: string
  ip: string
}

export type OperatorSignIn =
  | { kind: 'signed_in'; operator: OperatorSession }
  /** Wrong username or password: never says which. */
  | { kind: 'refused' }
  /** Too many failures on this username from this client: it may try again at `retryAt`. */
  | { kind: 'slowed'; retryAt: Date }
  /** Too many failures on this username from everywhere: an administrator must unlock it. */
  | { kind: 'blocked' }
  /** The right password on a disabled account: only someone who knows the password learns it is disabled. */
  | { kind: 'disabled' }

/**
 * Checks an operator's username and password under the holders' guard, counted in the operators'
 * own tables: the guard decides whether the password is checked at all, an unknown username costs
 * a verification against a decoy like the stored hashes and is counted like a real one.
 */
export async function signInOperator(deps: Deps, passwords: StoredPasswordCheck, attempt: OperatorSignInAttempt): Promise<OperatorSignIn> {
  const guarded = { identifier: attempt.username, ip: attempt.ip }
  const admission = await admitSignInAttempt(deps.db, guarded, deps.clock.now(), operatorSignInGuard)
  if (admission.kind !== 'admitted') return admission
  const row = await findOperatorRow(deps.db, attempt.username)
  if (!(await passwords(attempt.password, row?.passwordHash))) {
    await settleSignInAttempt(deps.db, guarded, 'wrong_password', operatorSignInGuard)
    return { kind: 'refused' }
  }
  // Checked only after the password, so the answer tells a guesser nothing. The password was
  // right: the failure counted in advance is taken back, but the client's earlier ones stay, as
  // no one signed in.
  if (row!.disabledAt) {
    await settleSignInAttempt(deps.db, guarded, 'not_checked', operatorSignInGuard)
    return { kind: 'disabled' }
  }
  await settleSignInAttempt(deps.db, guarded, 'right_password', operatorSignInGuard)
  const { username, displayName, role } = row!
  return { kind: 'signed_in', operator: { username, displayName, role, secondFactor: needsSecondFactor(role) ? 'missing' : 'not_needed' } }
}
