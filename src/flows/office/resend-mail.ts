import { eq } from 'drizzle-orm'
import { accounts, mailboxes } from '../../accounts/schema'
import { DomainError } from '../../core/errors'
import { audit, type Actor } from '../../db/audit'
import type { Executor } from '../../db/client'
import type { Deps } from '../../deps'
import { enqueueMail, SECRET_PARAMS } from '../../notifications/outbox'
import type { MailTemplate, OutgoingMail } from '../../notifications/mail-types'
import { outbox } from '../../notifications/schema'
import { operatorReason } from '../../payments/held/resolve-held'
import { orders } from '../../renewals/schema'
import type { OrderId } from '../../core/order-id'

/** Mail that is not the holder's to receive again: a one-time link (spent or removed), a file for the SdI. */
const NOT_RESENDABLE: readonly string[] = [...Object.keys(SECRET_PARAMS), 'sdi_invoice']

/**
 * An outbox mail and where a copy of it would go now: the reference address of the account it
 * belongs to (through its mailbox or order), else its own recipient. Refuses what may not be resent.
 */
export async function findMailToResend(db: Executor, mailId: number) {
  const [mail] = await db.select().from(outbox).where(eq(outbox.id, mailId))
  if (!mail) throw new DomainError('mail_not_found', String(mailId))
  if (NOT_RESENDABLE.includes(mail.template)) throw new DomainError('mail_not_resendable', mail.template)
  const [owner] = mail.mailboxId
    ? await db.select({ email: accounts.referenceEmail }).from(mailboxes).innerJoin(accounts, eq(accounts.id, mailboxes.accountId)).where(eq(mailboxes.id, mail.mailboxId))
    : mail.orderId
      ? await db.select({ email: accounts.referenceEmail }).from(orders).innerJoin(accounts, eq(accounts.id, orders.accountId)).where(eq(orders.id, mail.orderId as OrderId))
      : []
  return { mail, recipient: owner?.email ?? mail.recipient }
}

export interface ResendMailInput {
  mailId: number
  reason: string
  actor: Actor
}

export interface ResentMail {
  mailId: number
  newMailId: number
  template: string
  recipient: string
  previousRecipient: string
}

/**
 * Issue 11: sends an e-mail again as a new outbox row (the old one keeps its story): to the
 * account's reference address as it is now — after an operator fixed it, the mail that bounced
 * goes to the right place — or to the same recipient when the mail belongs to no account.
 */
export async function resendMail(deps: Deps, input: ResendMailInput): Promise<ResentMail> {
  const reason = operatorReason(input.reason)
  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    const { mail, recipient } = await findMailToResend(tx, input.mailId)
    const copy = {
      template: mail.template as MailTemplate,
      language: mail.language,
      recipient,
      params: mail.params,
      ...(mail.mailboxId ? { mailboxId: mail.mailboxId } : {}),
      ...(mail.orderId ? { orderId: mail.orderId } : {}),
    } as OutgoingMail
    const newMailId = await enqueueMail(tx, copy, now)
    await audit(tx, {
      actor: input.actor,
      action: 'mail.resent',
      at: now,
      ...(mail.mailboxId ? { mailboxId: mail.mailboxId } : {}),
      ...(mail.orderId ? { orderId: mail.orderId } : {}),
      reason,
      data: { mailId: mail.id, newMailId, template: mail.template, to: recipient, previousRecipient: mail.recipient },
    })
    return { mailId: mail.id, newMailId, template: mail.template, recipient, previousRecipient: mail.recipient }
  })
}
