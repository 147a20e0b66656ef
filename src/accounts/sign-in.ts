import { eq } from 'drizzle-orm'
import type { Deps } from '../deps'
import { hashPassword, verifyPassword } from './passwords'
import { findMailboxByAddress } from './queries'
import { accounts } from './schema'
import type { HolderSession } from './sessions'

// Verified when the identifier matches nothing, so an unknown ID takes as long as a wrong password.
let decoyHash: Promise<string> | undefined

/**
 * Checks sign-in credentials: the customer account ID with the account password, or a PEC mailbox
 * address with that mailbox's password. Returns the session to open, or null (never says which part
 * was wrong).
 */
export async function authenticate(deps: Deps, identifier: string, password: string): Promise<HolderSession | null> {
  const id = identifier.trim()
  if (id.includes('@')) {
    const mailbox = await findMailboxByAddress(deps.db, id)
    const ok = await verifyPassword(password, mailbox?.passwordHash ?? (await decoy()))
    if (!mailbox || !ok || !mailbox.passwordHash) return null
    const [account] = await deps.db.select().from(accounts).where(eq(accounts.id, mailbox.accountId))
    return { accountId: mailbox.accountId, signedInWith: `mailbox:${mailbox.address}`, language: account.language }
  }
  const [account] = await deps.db.select().from(accounts).where(eq(accounts.id, id))
  const ok = await verifyPassword(password, account?.passwordHash ?? (await decoy()))
  if (!account || !ok || !account.passwordHash) return null
  return { accountId: account.id, signedInWith: `account:${account.id}`, language: account.language }
}

function decoy(): Promise<string> {
  decoyHash ??= hashPassword('decoy password that matches nothing')
  return decoyHash
}
