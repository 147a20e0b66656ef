import { eq, inArray } from 'drizzle-orm'
import type { Executor } from '../db/client'
import type { Deps } from '../deps'
import { MailboxCredentialsUnavailable, verifyOrDecoy, type MailboxCredentialChecker } from './mailbox-credentials'
import { findMailboxByAddress } from './queries'
import { accounts } from './schema'
import type { HolderSession } from './sessions'
import { clearSignInFailures, recordSignInFailure, signInLock } from './sign-in-guard'

export type SignInOutcome =
  | { kind: 'signed_in'; session: HolderSession }
  /** Wrong identifier or password: never says which. */
  | { kind: 'refused' }
  /** Too many failures on this identifier (this one may have been the fifth). */
  | { kind: 'locked'; until: Date }
  /** The mail platform could not check a mailbox password; nothing was counted. */
  | { kind: 'unavailable' }

/**
 * Signs in with the customer account ID and the account password, or with a PEC mailbox address
 * and that mailbox's password (checked through the port: imported hash or the mail platform).
 * A locked identifier is not checked at all; a success clears its failures.
 */
export async function signIn(
  deps: Deps,
  mailboxCredentials: MailboxCredentialChecker,
  identifier: string,
  password: string,
): Promise<SignInOutcome> {
  const now = deps.clock.now()
  const lockedUntil = await signInLock(deps.db, identifier, now)
  if (lockedUntil) return { kind: 'locked', until: lockedUntil }
  let session: HolderSession | null
  try {
    session = await authenticate(deps.db, mailboxCredentials, identifier, password)
  } catch (error) {
    if (error instanceof MailboxCredentialsUnavailable) return { kind: 'unavailable' }
    throw error
  }
  if (!session) {
    const until = await recordSignInFailure(deps.db, identifier, now)
    return until ? { kind: 'locked', until } : { kind: 'refused' }
  }
  await clearSignInFailures(deps.db, identifier)
  return { kind: 'signed_in', session }
}

/**
 * Checks sign-in credentials. Returns the session to open, or null (never says which part was
 * wrong); an unknown identifier costs a hash verification like a wrong password.
 */
export async function authenticate(
  db: Executor,
  mailboxCredentials: MailboxCredentialChecker,
  identifier: string,
  password: string,
): Promise<HolderSession | null> {
  const id = identifier.trim()
  if (id.includes('@')) {
    const mailbox = await findMailboxByAddress(db, id)
    if (!mailbox) {
      await verifyOrDecoy(password, null)
      return null
    }
    if (!(await mailboxCredentials.verify(mailbox.address, password))) return null
    const [account] = await db.select({ language: accounts.language }).from(accounts).where(eq(accounts.id, mailbox.accountId))
    return { accountId: mailbox.accountId, signedInWith: `mailbox:${mailbox.address}`, language: account.language }
  }
  const account = await findAccountById(db, id)
  if (!(await verifyOrDecoy(password, account?.passwordHash))) return null
  return { accountId: account!.id, signedInWith: `account:${account!.id}`, language: account!.language }
}

/** The account for an ID as typed: exactly, or in capitals (IDs are issued upper case). */
export async function findAccountById(db: Executor, typed: string) {
  const id = typed.trim()
  const rows = await db.select().from(accounts).where(inArray(accounts.id, [...new Set([id, id.toUpperCase()])]))
  return rows.find((row) => row.id === id) ?? rows[0]
}
