import { eq } from 'drizzle-orm'
import type { ManualClock } from '../../../src/core/clock'
import { auditLog } from '../../../src/db/audit-schema'
import { mailboxes } from '../../../src/accounts/schema'
import { gatewayCheckouts, inboundWebhooks } from '../../../src/payments/gateways/schema'
import { payments } from '../../../src/payments/schema'
import { placeOrder } from '../../../src/renewals/place-order'
import { orders, type PaymentMethod } from '../../../src/renewals/schema'
import type { TestDatabase } from '../../support/databases'
import { clockOn, seedConvention, seedMailbox } from '../../support/seed'
import { DEMO_ENV } from '../../support/config'
import { testServices } from '../../support/office'
import type { OrderId } from '../../../src/core/order-id'

/** Services on a test database, with the settings given (by default demo mode: the sandbox gateway). */
export function servicesFor(t: TestDatabase, env: Record<string, string> = DEMO_ENV, clock: ManualClock = clockOn('2026-05-01')) {
  return { services: testServices(t.database, clock, env), clock }
}

/** The FNOMCEO convention, one mailbox expiring on E, and an open 1-year order (12,20 €) for it. */
export async function openOrder(t: TestDatabase, services: ReturnType<typeof servicesFor>['services'], options: { expiresOn?: string; method?: PaymentMethod; accountId?: string } = {}) {
  const db = t.database.db
  await seedConvention(db)
  const mailbox = await seedMailbox(db, { expiresOn: options.expiresOn ?? '2026-06-30', ...(options.accountId ? { accountId: options.accountId } : {}) })
  const order = await placeOrder(services.deps, { mailboxId: mailbox.id, years: 1, method: options.method ?? 'card', actor: 'holder:test' })
  return { mailbox, order }
}

export async function expiryOf(t: TestDatabase, mailboxId: number): Promise<string> {
  const [row] = await t.database.db.select({ expiresOn: mailboxes.expiresOn }).from(mailboxes).where(eq(mailboxes.id, mailboxId))
  return row.expiresOn
}

export async function orderStatus(t: TestDatabase, orderId: OrderId) {
  const [row] = await t.database.db.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId))
  return row.status
}

export async function paymentsOf(t: TestDatabase, orderId: OrderId) {
  return t.database.db.select().from(payments).where(eq(payments.orderId, orderId))
}

export async function allPayments(t: TestDatabase) {
  return t.database.db.select().from(payments)
}

export async function webhooks(t: TestDatabase) {
  return t.database.db.select().from(inboundWebhooks)
}

export async function checkouts(t: TestDatabase, orderId: OrderId) {
  return t.database.db.select().from(gatewayCheckouts).where(eq(gatewayCheckouts.orderId, orderId))
}

export async function auditActions(t: TestDatabase, orderId: string): Promise<string[]> {
  const rows = await t.database.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.orderId, orderId)).orderBy(auditLog.id)
  return rows.map((r) => r.action)
}
