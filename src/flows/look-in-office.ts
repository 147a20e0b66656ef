import { and, asc, desc, eq, gt, inArray, or, sql } from 'drizzle-orm'
import { accounts, holderSignInGuard, mailboxes, webSessions, type MailboxStatus, type Register } from '../accounts/schema'
import { isBlocked } from '../accounts/sign-in-guard'
import { conventions } from '../catalog/schema'
import type { CalendarDate } from '../core/calendar'
import { normaliseIdentifier } from '../core/identifiers'
import type { OrderId } from '../core/order-id'
import { auditLog } from '../db/audit-schema'
import type { Executor } from '../db/client'
import { invoiceNumber } from '../invoicing/config'
import { invoices, type InvoiceKind, type InvoiceState } from '../invoicing/schema'
import { notices } from '../lifecycle/schema'
import { SECRET_PARAMS } from '../notifications/outbox'
import { mailSubject } from '../notifications/render-mail'
import { outbox } from '../notifications/schema'
import type { MailTemplate } from '../notifications/mail-types'
import { payments } from '../payments/schema'
import { operators } from '../operators/schema'
import { provisioningCommands } from '../provisioning/schema'
import { billingProfiles, orders, type BillingData } from '../renewals/schema'

/**
 * Issue 11, "Find and look": what the back office shows of a mailbox, an account, an order and
 * one e-mail, read in one place (reads only: nothing here changes a row).
 */

/** One audit entry (R9) as stored: who, when, what, why. */
export interface AuditRecord {
  at: Date
  actor: string
  action: string
  reason: string | null
  data: Record<string, unknown> | null
  orderId: string | null
}

export interface OrderLine {
  orderId: OrderId
  status: string
  years: number
  totalCents: number
  method: string
  placedOn: CalendarDate
  paidAt: Date | null
  newExpiresOn: CalendarDate | null
}

export interface PaymentLine {
  id: number
  orderId: string | null
  method: string
  reference: string
  amountCents: number
  outcome: string
  reason: string | null
  refundStatus: string
  resolution: string | null
  receivedAt: Date
}

export interface MailLine {
  id: number
  template: string
  language: 'it' | 'en'
  recipient: string
  /** Rendered from the row's params, as the holder received it; null when the template is gone. */
  subject: string | null
  status: 'pending' | 'sent' | 'failed'
  createdAt: Date
  sentAt: Date | null
  lastError: string | null
}

export interface MailboxFile {
  id: number
  address: string
  status: MailboxStatus
  expiresOn: CalendarDate
  activatedOn: CalendarDate
  deactivatedOn: CalendarDate | null
  ceasedOn: CalendarDate | null
  register: Register
  convention: { code: string; name: string }
  account: { id: string; name: string; fiscalCode: string; referenceEmail: string; language: 'it' | 'en' }
  orders: OrderLine[]
  payments: PaymentLine[]
  mails: MailLine[]
  notices: Array<{ kind: string; expiresOn: CalendarDate; offsetDays: number; status: 'queued' | 'skipped'; runDate: CalendarDate }>
  commands: Array<{ action: 'disable' | 'enable' | 'delete'; status: string; createdAt: Date; attempts: number; doneAt: Date | null; lastError: string | null }>
  /** The mailbox's and its orders' audit entries, oldest first. */
  history: AuditRecord[]
}

/** Everything about the mailbox at an address (any case), or null when there is none. */
export async function lookAtMailbox(db: Executor, address: string): Promise<MailboxFile | null> {
  const [row] = await db
    .select({ mailbox: mailboxes, account: accounts, conventionName: conventions.name })
    .from(mailboxes)
    .innerJoin(accounts, eq(accounts.id, mailboxes.accountId))
    .innerJoin(conventions, eq(conventions.code, mailboxes.conventionCode))
    .where(eq(mailboxes.address, normaliseIdentifier(address)))
  if (!row) return null
  const { mailbox, account } = row
  const orderLines = await ordersOf(db, eq(orders.mailboxId, mailbox.id))
  const orderIds = orderLines.map((o) => o.orderId)
  const paymentLines = orderIds.length ? await paymentsOf(db, inArray(payments.orderId, orderIds)) : []
  const mails = await mailsOf(db, orderIds.length ? or(eq(outbox.mailboxId, mailbox.id), inArray(outbox.orderId, orderIds))! : eq(outbox.mailboxId, mailbox.id))
  const noticeRows = await db
    .select({ kind: notices.kind, expiresOn: notices.expiresOn, offsetDays: notices.offsetDays, status: notices.status, runDate: notices.runDate })
    .from(notices)
    .where(eq(notices.mailboxId, mailbox.id))
    .orderBy(desc(notices.runDate), desc(notices.id))
  const commands = await db
    .select({
      action: provisioningCommands.action,
      status: provisioningCommands.status,
      createdAt: provisioningCommands.createdAt,
      attempts: provisioningCommands.attempts,
      doneAt: provisioningCommands.doneAt,
      lastError: provisioningCommands.lastError,
    })
    .from(provisioningCommands)
    .where(eq(provisioningCommands.mailboxId, mailbox.id))
    .orderBy(desc(provisioningCommands.id))
  const history = await historyOf(db, orderIds.length ? or(eq(auditLog.mailboxId, mailbox.id), inArray(auditLog.orderId, orderIds))! : eq(auditLog.mailboxId, mailbox.id))
  return {
    id: mailbox.id,
    address: mailbox.address,
    status: mailbox.status,
    expiresOn: mailbox.expiresOn,
    activatedOn: mailbox.activatedOn,
    deactivatedOn: mailbox.deactivatedOn,
    ceasedOn: mailbox.ceasedOn,
    register: mailbox.register,
    convention: { code: mailbox.conventionCode, name: row.conventionName },
    account: { id: account.id, name: `${account.firstName} ${account.lastName}`, fiscalCode: account.fiscalCode, referenceEmail: account.referenceEmail, language: account.language },
    orders: orderLines,
    payments: paymentLines,
    mails,
    notices: noticeRows,
    commands,
    history,
  }
}

export interface SignInRecord {
  /** The account ID or a mailbox address, as the guard counts it. */
  identifier: string
  failures: number
  windowStartedAt: Date
  /** The ceiling was reached: no password signs in until a reset or an unlock. */
  blocked: boolean
  /** Connections slowed down on this identifier, and the last failure among them. */
  clients: number
  lastFailureAt: Date | null
}

export interface AccountFile {
  id: string
  name: string
  fiscalCode: string
  referenceEmail: string
  language: 'it' | 'en'
  createdAt: Date
  hasPassword: boolean
  mailboxes: Array<{ address: string; status: MailboxStatus; expiresOn: CalendarDate }>
  billing: { data: BillingData; orderId: string; updatedAt: Date } | null
  orders: Array<OrderLine & { address: string }>
  /** Sessions the database still keeps (open ones first): when opened, last seen, with what. */
  sessions: Array<{ signedInWith: string; createdAt: Date; lastSeenAt: Date; expiresAt: Date; open: boolean }>
  /** Failed sign-ins the guard remembers, on the account ID and on each of its mailboxes' addresses. */
  signInFailures: SignInRecord[]
}

/** The account with this ID (as stored, or typed in lower case), or null. */
export async function lookAtAccount(db: Executor, accountId: string, now: Date): Promise<AccountFile | null> {
  // as stored or in capitals (account IDs are issued in capitals): both through the primary key
  const typed = accountId.normalize('NFKC').trim()
  const [account] = await db.select().from(accounts).where(inArray(accounts.id, [...new Set([typed, typed.toUpperCase()])]))
  if (!account) return null
  const boxes = await db
    .select({ address: mailboxes.address, status: mailboxes.status, expiresOn: mailboxes.expiresOn })
    .from(mailboxes)
    .where(eq(mailboxes.accountId, account.id))
    .orderBy(asc(mailboxes.address))
  const [profile] = await db.select().from(billingProfiles).where(eq(billingProfiles.accountId, account.id))
  const orderRows = await db
    .select({ order: orders, address: mailboxes.address })
    .from(orders)
    .innerJoin(mailboxes, eq(mailboxes.id, orders.mailboxId))
    .where(eq(orders.accountId, account.id))
    .orderBy(desc(orders.placedAt))
  const sessions = await db
    .select({ signedInWith: webSessions.signedInWith, createdAt: webSessions.createdAt, lastSeenAt: webSessions.lastSeenAt, expiresAt: webSessions.expiresAt })
    .from(webSessions)
    .where(eq(webSessions.accountId, account.id))
    .orderBy(desc(webSessions.lastSeenAt))
  const identifiers = [account.id, ...boxes.map((b) => b.address)].map(normaliseIdentifier)
  const { identifiers: counted, clients } = holderSignInGuard
  const failures = await db.select().from(counted).where(inArray(counted.identifier, identifiers))
  const slowed = await db
    .select({ identifier: clients.identifier, clients: sql<number>`count(*)::int`, lastFailureAt: sql<string>`max(${clients.lastFailureAt})` })
    .from(clients)
    .where(and(inArray(clients.identifier, identifiers), gt(clients.failures, 0)))
    .groupBy(clients.identifier)
  const signInFailures = identifiers.flatMap((identifier): SignInRecord[] => {
    const record = failures.find((f) => f.identifier === identifier)
    const client = slowed.find((s) => s.identifier === identifier)
    if (!record && !client) return []
    return [
      {
        identifier,
        failures: record?.failures ?? 0,
        windowStartedAt: record?.windowStartedAt ?? new Date(client!.lastFailureAt),
        blocked: isBlocked(record),
        clients: client?.clients ?? 0,
        lastFailureAt: client ? new Date(client.lastFailureAt) : null,
      },
    ]
  })
  return {
    id: account.id,
    name: `${account.firstName} ${account.lastName}`,
    fiscalCode: account.fiscalCode,
    referenceEmail: account.referenceEmail,
    language: account.language,
    createdAt: account.createdAt,
    hasPassword: account.passwordHash !== null,
    mailboxes: boxes,
    billing: profile ? { data: profile.billing, orderId: profile.orderId, updatedAt: profile.updatedAt } : null,
    orders: orderRows.map((r) => ({ ...orderLine(r.order), address: r.address })),
    sessions: sessions.map((s) => ({ ...s, open: s.expiresAt > now })).sort((a, b) => Number(b.open) - Number(a.open)),
    signInFailures,
  }
}

export interface InvoiceLine {
  id: number
  kind: InvoiceKind
  number: string
  issuedOn: CalendarDate
  totalCents: number
  state: InvoiceState
}

export interface OrderFile extends OrderLine {
  netCents: number
  vatCents: number
  address: string
  accountId: string
  billing: BillingData
  acceptedContracts: Array<{ documentCode: string; version: string; acceptedAt: string }>
  placedBy: string
  extendedFrom: CalendarDate | null
  payments: PaymentLine[]
  mails: MailLine[]
  invoices: InvoiceLine[]
  history: AuditRecord[]
}

/** The order with this ID, or null. */
export async function lookAtOrder(db: Executor, orderId: OrderId): Promise<OrderFile | null> {
  const [row] = await db
    .select({ order: orders, address: mailboxes.address })
    .from(orders)
    .innerJoin(mailboxes, eq(mailboxes.id, orders.mailboxId))
    .where(eq(orders.id, orderId))
  if (!row) return null
  const { order } = row
  const invoiceRows = await db.select().from(invoices).where(eq(invoices.orderId, order.id)).orderBy(asc(invoices.id))
  return {
    ...orderLine(order),
    netCents: order.netCents,
    vatCents: order.vatCents,
    address: row.address,
    accountId: order.accountId,
    billing: order.billing,
    acceptedContracts: order.acceptedContracts,
    placedBy: order.placedBy,
    extendedFrom: order.extendedFrom,
    payments: await paymentsOf(db, eq(payments.orderId, order.id)),
    mails: await mailsOf(db, eq(outbox.orderId, order.id)),
    invoices: invoiceRows.map((i) => ({ id: i.id, kind: i.kind, number: invoiceNumber(i.year, i.number, i.series), issuedOn: i.issuedOn as CalendarDate, totalCents: i.totalCents, state: i.state })),
    history: await historyOf(db, eq(auditLog.orderId, order.id)),
  }
}

export interface OutboxMailFile extends MailLine {
  mailboxAddress: string | null
  orderId: string | null
  attempts: number
  messageId: string | null
  /** What the template renders from: its secrets (a reset link's token) left out. */
  params: unknown
  /** Whether a secret was left out (the page says the link is not shown). */
  secretHidden: boolean
}

/** One outbox mail, with what it renders from, or null. A one-time secret it carries is never returned. */
export async function lookAtMail(db: Executor, id: number): Promise<OutboxMailFile | null> {
  const [row] = await db
    .select({ mail: outbox, address: mailboxes.address })
    .from(outbox)
    .leftJoin(mailboxes, eq(mailboxes.id, outbox.mailboxId))
    .where(eq(outbox.id, id))
  if (!row) return null
  const { mail } = row
  const secrets = SECRET_PARAMS[mail.template as MailTemplate] ?? []
  const stored = Object.entries((mail.params ?? {}) as Record<string, unknown>)
  const params = Object.fromEntries(stored.filter(([key]) => !secrets.includes(key)))
  const secretHidden = stored.some(([key, value]) => secrets.includes(key) && value !== null && value !== undefined)
  return { ...mailLine(mail), mailboxAddress: row.address, orderId: mail.orderId, attempts: mail.attempts, messageId: mail.messageId, params, secretHidden }
}

async function ordersOf(db: Executor, where: ReturnType<typeof eq>): Promise<OrderLine[]> {
  const rows = await db.select().from(orders).where(where).orderBy(desc(orders.placedAt))
  return rows.map(orderLine)
}

function orderLine(o: typeof orders.$inferSelect): OrderLine {
  return { orderId: o.id, status: o.status, years: o.years, totalCents: o.totalCents, method: o.method, placedOn: o.placedOn, paidAt: o.paidAt, newExpiresOn: o.newExpiresOn }
}

async function paymentsOf(db: Executor, where: ReturnType<typeof eq>): Promise<PaymentLine[]> {
  return db
    .select({
      id: payments.id,
      orderId: payments.orderId,
      method: payments.method,
      reference: payments.reference,
      amountCents: payments.amountCents,
      outcome: payments.outcome,
      reason: payments.reason,
      refundStatus: payments.refundStatus,
      resolution: payments.resolution,
      receivedAt: payments.receivedAt,
    })
    .from(payments)
    .where(where)
    .orderBy(desc(payments.receivedAt), desc(payments.id))
}

async function mailsOf(db: Executor, where: ReturnType<typeof eq>): Promise<MailLine[]> {
  const rows = await db.select().from(outbox).where(where).orderBy(desc(outbox.createdAt), desc(outbox.id))
  return rows.map(mailLine)
}

function mailLine(mail: typeof outbox.$inferSelect): MailLine {
  let subject: string | null = null
  try {
    subject = mailSubject({ template: mail.template, language: mail.language, params: mail.params })
  } catch {
    subject = null // a template no longer known: the page says so
  }
  return { id: mail.id, template: mail.template, language: mail.language, recipient: mail.recipient, subject, status: mail.status, createdAt: mail.createdAt, sentAt: mail.sentAt, lastError: mail.lastError }
}

/** R9: audit entries, oldest first. */
async function historyOf(db: Executor, where: ReturnType<typeof eq>): Promise<AuditRecord[]> {
  const rows = await db
    .select({ at: auditLog.at, actor: auditLog.actor, action: auditLog.action, reason: auditLog.reason, data: auditLog.data, orderId: auditLog.orderId })
    .from(auditLog)
    .where(where)
    .orderBy(asc(auditLog.at), asc(auditLog.id))
  return rows.map(asAuditRecord)
}

function asAuditRecord(entry: { at: Date | string; actor: string; action: string; reason: string | null; data: unknown; orderId: string | null }): AuditRecord {
  return {
    orderId: entry.orderId,
    at: new Date(entry.at), // a Date from node-postgres, a string or Date from PGlite
    actor: entry.actor,
    action: entry.action,
    reason: entry.reason,
    data: entry.data && typeof entry.data === 'object' ? (entry.data as Record<string, unknown>) : null,
  }
}

/** Operators' display names by username, for saying who did what. */
export async function operatorNames(db: Executor, usernames: readonly string[]): Promise<Map<string, string>> {
  if (!usernames.length) return new Map()
  const rows = await db.select({ username: operators.username, displayName: operators.displayName }).from(operators).where(inArray(operators.username, [...usernames]))
  return new Map(rows.map((r) => [r.username, r.displayName]))
}
