import { and, asc, count, eq, inArray, lte, or } from 'drizzle-orm'
import { mailboxes } from '../accounts/schema'
import { conventions } from '../catalog/schema'
import { addDays, type CalendarDate } from '../core/calendar'
import { endpointsDisabledByFailures } from '../events/endpoints'
import type { Deps } from '../deps'
import { countInvoicesToCorrect } from '../invoicing/list-invoices'
import { countPendingExtensions } from './office/extend-expiry'
import { runLifecycle } from '../lifecycle/run-lifecycle'
import type { PreviewRow } from '../lifecycle/queries'
import { outbox } from '../notifications/schema'
import { provisioningCommands } from '../provisioning/schema'
import { openOrderFacts, PAYMENT_TRANSIT_DAYS } from '../renewals/rules'
import { orders } from '../renewals/schema'

/** Issue 11: an open order whose payment should have been sent by now (its pay-by day is past). */
export interface OverdueOrder {
  orderId: string
  address: string
  totalCents: number
  method: string
  payBy: CalendarDate
  placedOn: string
}

const LONGEST_TRANSIT_DAYS = Math.max(...Object.values(PAYMENT_TRANSIT_DAYS))

/**
 * Open orders past their pay-by day (R2's "by when the payment must arrive", less the method's
 * transit). SQL narrows to the orders that may be late; openOrderFacts, the rule the reminders
 * print, decides — so the queue and the holder's e-mail never disagree.
 */
export async function overdueOrders(deps: Deps, today: CalendarDate): Promise<OverdueOrder[]> {
  const rows = await deps.db
    .select({
      id: orders.id,
      totalCents: orders.totalCents,
      method: orders.method,
      placedOn: orders.placedOn,
      address: mailboxes.address,
      status: mailboxes.status,
      expiresOn: mailboxes.expiresOn,
      renewableWindowDays: conventions.renewableWindowDays,
    })
    .from(orders)
    .innerJoin(mailboxes, eq(mailboxes.id, orders.mailboxId))
    .innerJoin(conventions, eq(conventions.code, mailboxes.conventionCode))
    .where(and(eq(orders.status, 'open'), or(eq(mailboxes.status, 'deactivated'), lte(mailboxes.expiresOn, addDays(today, LONGEST_TRANSIT_DAYS)))))
    .orderBy(asc(orders.placedAt))
  return rows.flatMap((row) => {
    const facts = openOrderFacts({ id: row.id, totalCents: row.totalCents, method: row.method }, { status: row.status, expiresOn: row.expiresOn as CalendarDate }, row)
    return facts.payBy < today ? [{ orderId: row.id, address: row.address, totalCents: row.totalCents, method: row.method, payBy: facts.payBy, placedOn: row.placedOn }] : []
  })
}

/** Tomorrow's daily run as it would go now (the lifecycle's dry run), mailbox by mailbox. */
export async function tomorrowsRun(deps: Deps, today: CalendarDate): Promise<{ date: CalendarDate; actions: PreviewRow[] }> {
  const date = addDays(today, 1)
  const summary = await runLifecycle(deps, { date, dryRun: true })
  return { date, actions: summary.actions ?? [] }
}

export interface FailedMail {
  id: number
  template: string
  recipient: string
  lastError: string | null
  createdAt: Date
  mailboxId: number | null
  orderId: string | null
}

/** Mail that could not be delivered (permanent SMTP failures, bounces), oldest first. */
export async function failedMail(deps: Deps, limit = 500): Promise<FailedMail[]> {
  return deps.db
    .select({ id: outbox.id, template: outbox.template, recipient: outbox.recipient, lastError: outbox.lastError, createdAt: outbox.createdAt, mailboxId: outbox.mailboxId, orderId: outbox.orderId })
    .from(outbox)
    .where(eq(outbox.status, 'failed'))
    .orderBy(asc(outbox.id))
    .limit(limit)
}

export interface FailedCommand {
  id: number
  address: string
  action: string
  attempts: number
  lastError: string | null
  createdAt: Date
}

/** Mail-platform commands that failed (disable, enable, delete), oldest first. */
export async function failedCommands(deps: Deps, limit = 500): Promise<FailedCommand[]> {
  return deps.db
    .select({
      id: provisioningCommands.id,
      address: mailboxes.address,
      action: provisioningCommands.action,
      attempts: provisioningCommands.attempts,
      lastError: provisioningCommands.lastError,
      createdAt: provisioningCommands.createdAt,
    })
    .from(provisioningCommands)
    .innerJoin(mailboxes, eq(mailboxes.id, provisioningCommands.mailboxId))
    .where(eq(provisioningCommands.status, 'failed'))
    .orderBy(asc(provisioningCommands.id))
    .limit(limit)
}

export interface WorkQueueCounts {
  overdueOrders: number
  tomorrow: { date: CalendarDate; deactivations: number; reminders: number; cessations: number }
  failedMail: number
  failedCommands: number
  /** Issue 11: extensions by hand above the limit, waiting for a second operator. */
  pendingExtensions: number
  /** R11: invoices whose file the schema refused or the SdI rejected: to correct and send again. */
  invoicesToCorrect: number
  /** Issue 15: webhook endpoints the dispatcher disabled after repeated failure: an admin enables them again. */
  disabledWebhooks: number
}

/** The counts on the back office's home page. */
export async function workQueueCounts(deps: Deps, today: CalendarDate): Promise<WorkQueueCounts> {
  const [overdue, tomorrow, [mail], [commands], pendingExtensions, invoices, disabledWebhooks] = await Promise.all([
    overdueOrders(deps, today),
    tomorrowsRun(deps, today),
    deps.db.select({ n: count() }).from(outbox).where(eq(outbox.status, 'failed')),
    deps.db.select({ n: count() }).from(provisioningCommands).where(inArray(provisioningCommands.status, ['failed'])),
    countPendingExtensions(deps.db),
    countInvoicesToCorrect(deps.db),
    endpointsDisabledByFailures(deps.db),
  ])
  const of = (action: PreviewRow['action']) => tomorrow.actions.filter((a) => a.action === action).length
  return {
    overdueOrders: overdue.length,
    tomorrow: { date: tomorrow.date, deactivations: of('deactivate'), reminders: of('reminder'), cessations: of('cease') },
    failedMail: mail.n,
    failedCommands: commands.n,
    pendingExtensions,
    invoicesToCorrect: invoices,
    disabledWebhooks: disabledWebhooks.length,
  }
}
