import { asc, eq } from 'drizzle-orm'
import { isEmailAddress } from '../../accounts/mailbox-csv'
import { accounts, mailboxes, REGISTERS, type Register } from '../../accounts/schema'
import { clearSignInFailures, type ClearedFailures } from '../../accounts/sign-in-guard'
import { DomainError } from '../../core/errors'
import { audit, type Actor } from '../../db/audit'
import type { Tx } from '../../db/client'
import type { Deps } from '../../deps'
import { enqueueMail } from '../../notifications/outbox'
import { operatorReason } from '../../payments/held/resolve-held'
import { findAccount, findMailboxByAddress, lockMailbox } from '../../renewals/queries'

// Issue 11, "Actions": what an operator changes about a holder, each with a reason, audited with
// the operator (R9), in one transaction with the e-mail that tells the holder.

const holderName = (account: { firstName: string; lastName: string }) => `${account.firstName} ${account.lastName}`

export interface SetRegisterInput {
  mailboxAddress: string
  register: Register
  reason: string
  actor: Actor
}

/** R7: sets or clears the mailbox's public-register flag; the holder is told what it means. */
export async function setRegister(deps: Deps, input: SetRegisterInput): Promise<{ mailboxAddress: string; from: Register; to: Register }> {
  if (!(REGISTERS as readonly string[]).includes(input.register)) throw new DomainError('invalid_input', `register: ${input.register}`)
  const reason = operatorReason(input.reason)
  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    const found = await findMailboxByAddress(tx, input.mailboxAddress)
    if (!found) throw new DomainError('mailbox_not_found', input.mailboxAddress)
    const mailbox = (await lockMailbox(tx, found.id))!
    if (mailbox.register === input.register) throw new DomainError('register_unchanged', mailbox.address)
    await tx.update(mailboxes).set({ register: input.register, updatedAt: now }).where(eq(mailboxes.id, mailbox.id))
    await audit(tx, { actor: input.actor, action: 'mailbox.register_changed', at: now, mailboxId: mailbox.id, reason, data: { from: mailbox.register, to: input.register } })
    const account = (await findAccount(tx, mailbox.accountId))!
    await enqueueMail(
      tx,
      {
        template: 'register_changed',
        language: account.language,
        recipient: account.referenceEmail,
        mailboxId: mailbox.id,
        params: { holderName: holderName(account), mailbox: mailbox.address, register: input.register },
      },
      now,
    )
    return { mailboxAddress: mailbox.address, from: mailbox.register, to: input.register }
  })
}

async function lockAccount(tx: Tx, accountId: string) {
  const [account] = await tx.select().from(accounts).where(eq(accounts.id, accountId)).for('update')
  if (!account) throw new DomainError('account_not_found', accountId)
  return account
}

async function accountMailboxes(tx: Tx, accountId: string) {
  return tx.select({ id: mailboxes.id, address: mailboxes.address }).from(mailboxes).where(eq(mailboxes.accountId, accountId)).orderBy(asc(mailboxes.address))
}

export interface ChangeReferenceEmailInput {
  accountId: string
  email: string
  reason: string
  actor: Actor
}

/**
 * Changes the account's reference address (where reminders, orders and receipts go). Both the old
 * and the new address are told, so a change nobody asked for is seen. The audit row names the
 * account in its data (audit rows have no account column) and both addresses.
 */
export async function changeReferenceEmail(deps: Deps, input: ChangeReferenceEmailInput): Promise<{ accountId: string; from: string; to: string }> {
  const email = input.email.trim().toLowerCase()
  if (!isEmailAddress(email)) throw new DomainError('email_invalid', input.email)
  const reason = operatorReason(input.reason)
  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    const account = await lockAccount(tx, input.accountId)
    if (account.referenceEmail.toLowerCase() === email) throw new DomainError('email_unchanged', email)
    await tx.update(accounts).set({ referenceEmail: email, updatedAt: now }).where(eq(accounts.id, account.id))
    await audit(tx, { actor: input.actor, action: 'account.email_changed', at: now, reason, data: { accountId: account.id, from: account.referenceEmail, to: email } })
    const [first] = await accountMailboxes(tx, account.id)
    const params = { holderName: holderName(account), accountId: account.id, mailbox: first?.address ?? account.id, oldEmail: account.referenceEmail, newEmail: email }
    for (const recipient of [account.referenceEmail, email]) {
      await enqueueMail(tx, { template: 'reference_email_changed', language: account.language, recipient, ...(first ? { mailboxId: first.id } : {}), params }, now)
    }
    return { accountId: account.id, from: account.referenceEmail, to: email }
  })
}

export interface UnlockHolderInput {
  accountId: string
  reason: string
  actor: Actor
}

/**
 * Lifts the lock the sign-in guard puts on a holder after too many failed attempts: every failure
 * on the account ID and on each of its mailbox addresses (the identifiers a holder signs in with)
 * is forgotten. Nothing counted: refused (nothing_to_unlock), nothing audited, no e-mail.
 */
export async function unlockHolder(deps: Deps, input: UnlockHolderInput): Promise<{ accountId: string; cleared: Record<string, ClearedFailures> }> {
  const reason = operatorReason(input.reason)
  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    const account = await lockAccount(tx, input.accountId)
    const boxes = await accountMailboxes(tx, account.id)
    const cleared: Record<string, ClearedFailures> = {}
    for (const identifier of [account.id, ...boxes.map((b) => b.address)]) {
      const done = await clearSignInFailures(tx, identifier)
      if (done) cleared[identifier] = done
    }
    if (Object.keys(cleared).length === 0) throw new DomainError('nothing_to_unlock', account.id)
    await audit(tx, { actor: input.actor, action: 'account.unlocked', at: now, reason, data: { accountId: account.id, cleared } })
    await enqueueMail(
      tx,
      {
        template: 'sign_in_unlocked',
        language: account.language,
        recipient: account.referenceEmail,
        ...(boxes[0] ? { mailboxId: boxes[0].id } : {}),
        params: { holderName: holderName(account), accountId: account.id, mailbox: boxes[0]?.address ?? account.id },
      },
      now,
    )
    return { accountId: account.id, cleared }
  })
}


