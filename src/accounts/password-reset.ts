import { randomBytes } from 'node:crypto'
import { and, asc, count, eq, gt, isNotNull, isNull, lt, or } from 'drizzle-orm'
import { normaliseIdentifier } from '../core/identifiers'
import { auditReason } from '../core/audit-text'
import { audit } from '../db/audit'
import type { Executor, Tx } from '../db/client'
import type { Deps } from '../deps'
import { enqueueMail } from '../notifications/outbox'
import { hashPassword } from './passwords'
import { findAccount, findAccountByIdentifier, findMailboxByAddress } from './queries'
import { accounts, mailboxes, passwordResetRequests, passwordResets } from './schema'
import { closeAccountSessions, hashToken, type HolderSession } from './sessions'
import { clearSignInFailures } from './sign-in-guard'

export const RESET_LINK_MS = 60 * 60_000 // a reset link works for one hour
export const MIN_PASSWORD_LENGTH = 10
const MAX_PASSWORD_LENGTH = 256
// However often the form is sent, the reference address gets at most this many links an hour.
const MAX_LINKS_PER_HOUR = 3

export type PasswordProblem = 'password_missing' | 'password_too_short' | 'password_too_long' | 'confirmation_mismatch'

/** What is wrong with a new password and its confirmation (empty when it can be set). */
export function newPasswordProblems(password: string, confirmation: string): PasswordProblem[] {
  if (!password) return ['password_missing']
  const problems: PasswordProblem[] = []
  if ([...password].length < MIN_PASSWORD_LENGTH) problems.push('password_too_short')
  if (password.length > MAX_PASSWORD_LENGTH) problems.push('password_too_long')
  if (password !== confirmation) problems.push('confirmation_mismatch')
  return problems
}

export interface RequestContext {
  ip: string
}

/** What happened, for tests and logs only: the holder is always told the same thing. */
export type ResetRequestOutcome = 'sent' | 'no_match' | 'throttled'

/**
 * "Forgot password": stores the request, and only that, whether or not the identifier matches an
 * account: the answer takes the same time either way (the lookup and the mail would make it
 * several times slower for a real account). resolvePasswordResetRequests does the rest.
 */
export async function requestPasswordReset(deps: Deps, identifier: string, from: RequestContext): Promise<void> {
  await deps.db.insert(passwordResetRequests).values({ identifier: normaliseIdentifier(identifier), ip: from.ip, requestedAt: deps.clock.now() })
}

/**
 * Resolves the stored requests, oldest first, each in its own transaction with its mail and audit
 * row, and deletes it there (R8: a request is resolved once, by whichever process takes it; one
 * that stopped halfway leaves it for the next). Returns what happened to each.
 */
export async function resolvePasswordResetRequests(deps: Deps): Promise<ResetRequestOutcome[]> {
  const outcomes: ResetRequestOutcome[] = []
  for (;;) {
    const outcome = await deps.db.transaction(async (tx) => {
      const [request] = await tx.select().from(passwordResetRequests).orderBy(asc(passwordResetRequests.id)).limit(1).for('update', { skipLocked: true })
      if (!request) return null
      await tx.delete(passwordResetRequests).where(eq(passwordResetRequests.id, request.id))
      return sendResetLink(tx, deps.clock.now(), request)
    })
    if (!outcome) return outcomes
    outcomes.push(outcome)
  }
}

/**
 * For an account ID or a mailbox address, queues a one-time link (1 hour) to the account's
 * reference e-mail address, with its audit row. The table keeps only the token's SHA-256.
 */
async function sendResetLink(tx: Tx, now: Date, request: typeof passwordResetRequests.$inferSelect): Promise<ResetRequestOutcome> {
  const typed = request.identifier
  if (!typed) return 'no_match'
  const mailbox = typed.includes('@') ? await findMailboxByAddress(tx, typed) : undefined
  const account = typed.includes('@') ? mailbox && (await findAccount(tx, mailbox.accountId)) : await findAccountByIdentifier(tx, typed)
  if (!account) return 'no_match'
  // Serialises requests for one account, so the hourly cap holds when several are resolved at once.
  await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, account.id)).for('update')
  const [recent] = await tx
    .select({ n: count() })
    .from(passwordResets)
    .where(and(eq(passwordResets.accountId, account.id), gt(passwordResets.createdAt, new Date(now.getTime() - 3_600_000))))
  if (recent.n >= MAX_LINKS_PER_HOUR) return 'throttled'
  const token = randomBytes(32).toString('base64url')
  const expiresAt = new Date(now.getTime() + RESET_LINK_MS)
  await tx.insert(passwordResets).values({ tokenHash: hashToken(token), accountId: account.id, createdAt: now, expiresAt })
  await enqueueMail(
    tx,
    {
      template: 'password_reset',
      language: account.language,
      recipient: account.referenceEmail,
      params: {
        holderName: `${account.firstName} ${account.lastName}`,
        accountId: account.id,
        token,
        expiresAt: expiresAt.toISOString(),
      },
      mailboxId: mailbox?.id,
    },
    now,
  )
  await audit(tx, {
    actor: 'portal',
    action: 'account.password_reset_requested',
    at: now,
    mailboxId: mailbox?.id,
    reason: mailbox ? 'requested with the mailbox address' : 'requested with the account ID',
    data: { accountId: account.id, ip: request.ip, requestedAt: request.requestedAt },
  })
  return 'sent'
}

export type ResetLinkState = { kind: 'valid'; accountId: string } | { kind: 'used' } | { kind: 'expired' } | { kind: 'unknown' }

type ResetRow = typeof passwordResets.$inferSelect

function linkState(row: ResetRow | undefined, now: Date): ResetLinkState {
  if (!row) return { kind: 'unknown' }
  if (row.usedAt) return { kind: 'used' }
  if (row.expiresAt <= now) return { kind: 'expired' }
  return { kind: 'valid', accountId: row.accountId }
}

/** Whether a reset link can still be used: the page shows the form, or says why not. */
export async function checkPasswordResetLink(deps: Deps, token: string): Promise<ResetLinkState> {
  if (!token) return { kind: 'unknown' }
  const [row] = await deps.db.select().from(passwordResets).where(eq(passwordResets.tokenHash, hashToken(token)))
  return linkState(row, deps.clock.now())
}

export type ResetOutcome = { kind: 'done'; session: HolderSession } | { kind: 'used' } | { kind: 'expired' } | { kind: 'unknown' }

/**
 * Sets the account password (argon2id) from a reset link, once: the link and every other open
 * link of the account are spent, every session of the account is closed, every failed sign-in on
 * the account ID and its mailboxes is forgotten (the ceiling too: this is how a holder gets past
 * it), and it is audited. Returns the session the holder is signed in with.
 */
export async function resetPassword(deps: Deps, token: string, newPassword: string, from: RequestContext): Promise<ResetOutcome> {
  if (newPasswordProblems(newPassword, newPassword).length) throw new RangeError('check newPasswordProblems first')
  const passwordHash = await hashPassword(newPassword, deps.config.passwordHashCost) // before the transaction: it takes a while
  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(passwordResets).where(eq(passwordResets.tokenHash, hashToken(token))).for('update')
    const state = linkState(row, now)
    if (state.kind !== 'valid') return state
    const [account] = await tx
      .update(accounts)
      .set({ passwordHash, updatedAt: now })
      .where(eq(accounts.id, state.accountId))
      .returning({ id: accounts.id, language: accounts.language })
    await tx
      .update(passwordResets)
      .set({ usedAt: now })
      .where(and(eq(passwordResets.accountId, account.id), isNull(passwordResets.usedAt)))
    await closeAccountSessions(tx, account.id)
    await clearAccountLockouts(tx, account.id)
    await audit(tx, {
      actor: `holder:${account.id}`,
      action: 'account.password_reset',
      at: now,
      reason: auditReason('password_reset_link'),
      data: { accountId: account.id, ip: from.ip },
    })
    return { kind: 'done' as const, session: { accountId: account.id, signedInWith: `account:${account.id}`, language: account.language } }
  })
}

/** A new password forgets the failed sign-ins on the account ID and on its mailboxes, from every client. */
async function clearAccountLockouts(tx: Executor, accountId: string): Promise<void> {
  await clearSignInFailures(tx, accountId)
  const owned = await tx.select({ address: mailboxes.address }).from(mailboxes).where(eq(mailboxes.accountId, accountId))
  for (const { address } of owned) await clearSignInFailures(tx, address)
}

/** Housekeeping for the jobs: links used or expired more than a day ago. */
export async function deleteSpentPasswordResets(db: Executor, now: Date): Promise<void> {
  const dayAgo = new Date(now.getTime() - 86_400_000)
  await db
    .delete(passwordResets)
    .where(or(lt(passwordResets.expiresAt, dayAgo), and(isNotNull(passwordResets.usedAt), lt(passwordResets.usedAt, dayAgo))))
}
