import { eq } from 'drizzle-orm'
import { normaliseIdentifier } from '../core/identifiers'
import type { Executor } from '../db/client'
import type { Deps } from '../deps'
import { MailboxCredentialsUnavailable, type MailboxCredentialChecker } from './mailbox-credentials'
import { findAccountByIdentifier, findMailboxByAddress } from './queries'
import { accounts } from './schema'
import type { HolderSession } from './sessions'
import { admitSignInAttempt, settleSignInAttempt, type SignInAttempt } from './sign-in-guard'
import type { StoredPasswordCheck } from './stored-password-check'

/** What checks a holder's password: the mailbox's own (imported hash or mail platform), or the account's. */
export interface HolderCredentials {
  mailboxes: MailboxCredentialChecker
  /** Account passwords; with the decoy for an unknown account ID. */
  accountPasswords: StoredPasswordCheck
  /** The decoy for an unknown mailbox, like the imported mailbox hashes. */
  mailboxPasswords: StoredPasswordCheck
}

export interface HolderSignInAttempt extends SignInAttempt {
  password: string
}

export type SignInOutcome =
  | { kind: 'signed_in'; session: HolderSession }
  /** Wrong identifier or password: never says which. */
  | { kind: 'refused' }
  /** Too many failures on this identifier from this client: it may try again at `retryAt`. */
  | { kind: 'slowed'; retryAt: Date }
  /** Too many failures on this identifier from everywhere: only a new password (the reset link) lets it in. */
  | { kind: 'blocked' }
  /** The mail platform could not check a mailbox password; nothing was counted. */
  | { kind: 'unavailable' }

/**
 * Signs in with the customer account ID and the account password, or with a PEC mailbox address
 * and that mailbox's password (checked through the port: imported hash or the mail platform).
 * The guard decides first whether the password is checked at all (sign-in-guard.ts).
 */
export async function signIn(deps: Deps, credentials: HolderCredentials, attempt: HolderSignInAttempt): Promise<SignInOutcome> {
  const admission = await admitSignInAttempt(deps.db, attempt, deps.clock.now())
  if (admission.kind !== 'admitted') return admission
  let session: HolderSession | null
  try {
    session = await authenticate(deps.db, credentials, attempt.identifier, attempt.password)
  } catch (error) {
    await settleSignInAttempt(deps.db, attempt, 'not_checked')
    if (error instanceof MailboxCredentialsUnavailable) return { kind: 'unavailable' }
    throw error
  }
  await settleSignInAttempt(deps.db, attempt, session ? 'right_password' : 'wrong_password')
  return session ? { kind: 'signed_in', session } : { kind: 'refused' }
}

/**
 * Checks sign-in credentials. Returns the session to open, or null (never says which part was
 * wrong); an unknown identifier costs a verification against a decoy like the stored hashes.
 */
export async function authenticate(db: Executor, credentials: HolderCredentials, identifier: string, password: string): Promise<HolderSession | null> {
  if (normaliseIdentifier(identifier).includes('@')) {
    const mailbox = await findMailboxByAddress(db, identifier)
    if (!mailbox) {
      await credentials.mailboxPasswords(password, null)
      return null
    }
    if (!(await credentials.mailboxes.verify(mailbox.address, password))) return null
    const [account] = await db.select({ language: accounts.language }).from(accounts).where(eq(accounts.id, mailbox.accountId))
    return { accountId: mailbox.accountId, signedInWith: `mailbox:${mailbox.address}`, language: account.language }
  }
  const account = await findAccountByIdentifier(db, identifier)
  if (!(await credentials.accountPasswords(password, account?.passwordHash))) return null
  return { accountId: account!.id, signedInWith: `account:${account!.id}`, language: account!.language }
}
