import { and, asc, eq, ne, sql } from 'drizzle-orm'
import { renewMailbox } from '../../accounts/queries'
import { accounts, mailboxes } from '../../accounts/schema'
import { addDays, businessDate, compareDates, type CalendarDate } from '../../core/calendar'
import { DomainError } from '../../core/errors'
import { audit, type Actor } from '../../db/audit'
import type { Executor, Tx } from '../../db/client'
import type { Deps } from '../../deps'
import { enqueueMail } from '../../notifications/outbox'
import { operatorReason } from '../../payments/held/resolve-held'
import { queueCommandRowsSql } from '../../provisioning/commands'
import { findAccount, findMailboxByAddress, lockMailbox, type MailboxRow } from '../../renewals/queries'
import { expiryExtensions } from '../../renewals/schema'

/** The longest extension by hand: ten years (anything longer is a renewal, or a typo). */
export const MAX_EXTENSION_DAYS = 3650
/** Above this many days, by default, an extension waits for a second operator (OFFICE_EXTENSION_APPROVAL_DAYS). */
export const DEFAULT_APPROVAL_DAYS = 30

export interface ExtendExpiryInput {
  mailboxAddress: string
  days: number
  reason: string
  actor: Actor
}

export type ExtensionOutcome =
  /** Applied now: the expiry moved, a deactivated mailbox whose new expiry is not past works again. */
  | { kind: 'applied'; extensionId: number; mailboxAddress: string; days: number; fromExpiresOn: CalendarDate; toExpiresOn: CalendarDate; reactivated: boolean }
  /** Above the threshold: stored, waiting for another operator's approval; nothing changed yet. */
  | { kind: 'pending'; extensionId: number; mailboxAddress: string; days: number; approvalDays: number }

/** The days an extension may have without a second operator (config), the default when unset. */
export function approvalDays(deps: Deps): number {
  return deps.config.officeExtensionApprovalDays ?? DEFAULT_APPROVAL_DAYS
}

function checkedDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > MAX_EXTENSION_DAYS) throw new DomainError('extension_days_invalid', String(days))
  return days
}

/**
 * Issue 11: an operator extends a mailbox's expiry by hand by `days`, with a reason (R9). Up to the
 * configured number of days it applies at once; above it the request waits for a second operator
 * (approveExtension). A ceased mailbox is gone from the platform: refused.
 */
export async function extendExpiry(deps: Deps, input: ExtendExpiryInput): Promise<ExtensionOutcome> {
  const days = checkedDays(input.days)
  const reason = operatorReason(input.reason)
  const now = deps.clock.now()
  const today = businessDate(now, deps.config.businessTimeZone)
  const threshold = approvalDays(deps)
  return deps.db.transaction(async (tx) => {
    const mailbox = await lockMailboxByAddress(tx, input.mailboxAddress)
    const pending = days > threshold
    const [row] = await tx
      .insert(expiryExtensions)
      .values({
        mailboxId: mailbox.id,
        days,
        reason,
        status: pending ? 'pending' : 'approved',
        requestedBy: input.actor,
        requestedAt: now,
        ...(pending ? {} : { decidedBy: input.actor, decidedAt: now }),
      })
      .returning({ id: expiryExtensions.id })
    if (pending) {
      await audit(tx, { actor: input.actor, action: 'mailbox.extension_requested', at: now, mailboxId: mailbox.id, reason, data: { extensionId: row.id, days, approvalDays: threshold } })
      return { kind: 'pending' as const, extensionId: row.id, mailboxAddress: mailbox.address, days, approvalDays: threshold }
    }
    return applyExtension(tx, mailbox, { extensionId: row.id, days, reason, actor: input.actor, now, today })
  })
}

async function lockMailboxByAddress(tx: Tx, address: string): Promise<MailboxRow> {
  const found = await findMailboxByAddress(tx, address)
  if (!found) throw new DomainError('mailbox_not_found', address)
  const mailbox = (await lockMailbox(tx, found.id))!
  if (mailbox.status === 'ceased') throw new DomainError('mailbox_ceased', mailbox.address)
  return mailbox
}

/**
 * Moves E by the extension's days, under the mailbox's lock, with its audit rows and the holder's
 * e-mail. A deactivated mailbox whose new E is today or later is active again: the mail platform is
 * told to enable it (R12), as a late payment would (R6).
 */
async function applyExtension(
  tx: Tx,
  mailbox: MailboxRow,
  x: { extensionId: number; days: number; reason: string; actor: Actor; now: Date; today: CalendarDate; approvedBy?: Actor; approvalReason?: string },
): Promise<Extract<ExtensionOutcome, { kind: 'applied' }>> {
  const from = mailbox.expiresOn
  const to = addDays(from, x.days)
  const reactivated = mailbox.status === 'deactivated' && compareDates(to, x.today) >= 0
  await renewMailbox(tx, mailbox.id, { expiresOn: to, reactivate: reactivated, now: x.now })
  await tx.update(expiryExtensions).set({ fromExpiresOn: from, toExpiresOn: to }).where(eq(expiryExtensions.id, x.extensionId))
  await audit(tx, {
    actor: x.approvedBy ?? x.actor,
    action: 'mailbox.extended',
    at: x.now,
    mailboxId: mailbox.id,
    reason: x.reason,
    data: { extensionId: x.extensionId, days: x.days, from, to, requestedBy: x.actor, ...(x.approvedBy ? { approvedBy: x.approvedBy, approvalReason: x.approvalReason } : {}) },
  })
  if (reactivated) {
    await audit(tx, { actor: x.approvedBy ?? x.actor, action: 'mailbox.reactivated', at: x.now, mailboxId: mailbox.id, reason: 'extended_by_hand', data: { extensionId: x.extensionId } })
    await tx.execute(queueCommandRowsSql('enable', { from: sql`mailboxes WHERE id = ${mailbox.id}`, mailboxId: sql`id` }, x.now))
  }
  const account = (await findAccount(tx, mailbox.accountId))!
  await enqueueMail(
    tx,
    {
      template: 'expiry_extended',
      language: account.language,
      recipient: account.referenceEmail,
      mailboxId: mailbox.id,
      params: { holderName: `${account.firstName} ${account.lastName}`, mailbox: mailbox.address, expiresOn: from, newExpiresOn: to, reactivated },
    },
    x.now,
  )
  return { kind: 'applied', extensionId: x.extensionId, mailboxAddress: mailbox.address, days: x.days, fromExpiresOn: from, toExpiresOn: to, reactivated }
}

export interface DecideExtensionInput {
  extensionId: number
  actor: Actor
  /** Why the second operator decides so: required both to approve and to reject (R9). */
  reason: string
}

/**
 * Issue 11: a second operator approves a pending extension, which is then applied. The requester
 * may not approve their own. The status leaves `pending` by one conditional UPDATE under the
 * mailbox's lock: two operators approving at once apply it once; the second is told it is decided.
 */
export async function approveExtension(deps: Deps, input: DecideExtensionInput): Promise<Extract<ExtensionOutcome, { kind: 'applied' }>> {
  const now = deps.clock.now()
  const today = businessDate(now, deps.config.businessTimeZone)
  const decisionReason = operatorReason(input.reason, 'approval_reason_required')
  return deps.db.transaction(async (tx) => {
    const request = await decide(tx, input, 'approved', decisionReason, now)
    const mailbox = (await lockMailbox(tx, request.mailboxId))!
    if (mailbox.status === 'ceased') throw new DomainError('mailbox_ceased', mailbox.address)
    return applyExtension(tx, mailbox, { extensionId: request.id, days: request.days, reason: request.reason, actor: request.requestedBy, approvedBy: input.actor, approvalReason: decisionReason, now, today })
  })
}

/** Issue 11: a second operator rejects a pending extension, with a reason; nothing else changes. */
export async function rejectExtension(deps: Deps, input: DecideExtensionInput): Promise<{ extensionId: number; mailboxAddress: string }> {
  const reason = operatorReason(input.reason, 'rejection_reason_required')
  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    const request = await decide(tx, input, 'rejected', reason, now)
    const mailbox = (await lockMailbox(tx, request.mailboxId))!
    await audit(tx, { actor: input.actor, action: 'mailbox.extension_rejected', at: now, mailboxId: mailbox.id, reason, data: { extensionId: request.id, days: request.days, requestedBy: request.requestedBy } })
    return { extensionId: request.id, mailboxAddress: mailbox.address }
  })
}

/** Takes the mailbox's lock (as every expiry change does), then moves the request out of pending, once. */
async function decide(tx: Tx, input: DecideExtensionInput, status: 'approved' | 'rejected', decisionReason: string | null, now: Date) {
  const [request] = await tx.select().from(expiryExtensions).where(eq(expiryExtensions.id, input.extensionId))
  if (!request) throw new DomainError('extension_not_found', String(input.extensionId))
  if (request.requestedBy === input.actor) throw new DomainError('extension_own_request', String(input.extensionId))
  await lockMailbox(tx, request.mailboxId)
  const [decided] = await tx
    .update(expiryExtensions)
    .set({ status, decidedBy: input.actor, decidedAt: now, decisionReason })
    .where(and(eq(expiryExtensions.id, request.id), eq(expiryExtensions.status, 'pending'), ne(expiryExtensions.requestedBy, input.actor)))
    .returning()
  if (!decided) throw new DomainError('extension_not_pending', String(input.extensionId))
  return decided
}

export interface PendingExtension {
  id: number
  mailboxAddress: string
  expiresOn: CalendarDate
  status: string
  holderName: string
  days: number
  reason: string
  requestedBy: Actor
  requestedAt: Date
}

const pendingColumns = {
  id: expiryExtensions.id,
  mailboxAddress: mailboxes.address,
  expiresOn: mailboxes.expiresOn,
  status: mailboxes.status,
  holderName: sql<string>`${accounts.firstName} || ' ' || ${accounts.lastName}`,
  days: expiryExtensions.days,
  reason: expiryExtensions.reason,
  requestedBy: expiryExtensions.requestedBy,
  requestedAt: expiryExtensions.requestedAt,
}

/** The work queue "extensions to approve", oldest first. */
export async function pendingExtensions(db: Executor, limit = 500): Promise<PendingExtension[]> {
  return db
    .select(pendingColumns)
    .from(expiryExtensions)
    .innerJoin(mailboxes, eq(mailboxes.id, expiryExtensions.mailboxId))
    .innerJoin(accounts, eq(accounts.id, mailboxes.accountId))
    .where(eq(expiryExtensions.status, 'pending'))
    .orderBy(asc(expiryExtensions.requestedAt), asc(expiryExtensions.id))
    .limit(limit)
}

/** One request, whatever its status (the decision page). */
export async function findExtension(db: Executor, id: number) {
  const [row] = await db
    .select({ ...pendingColumns, extensionStatus: expiryExtensions.status, decidedBy: expiryExtensions.decidedBy, decisionReason: expiryExtensions.decisionReason, toExpiresOn: expiryExtensions.toExpiresOn })
    .from(expiryExtensions)
    .innerJoin(mailboxes, eq(mailboxes.id, expiryExtensions.mailboxId))
    .innerJoin(accounts, eq(accounts.id, mailboxes.accountId))
    .where(eq(expiryExtensions.id, id))
  return row
}

/** How many wait (the home page's count). */
export async function countPendingExtensions(db: Executor): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(expiryExtensions).where(eq(expiryExtensions.status, 'pending'))
  return row.n
}
