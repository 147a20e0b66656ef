import { and, desc, eq } from 'drizzle-orm'
import type { Executor, Tx } from '../../db/client'
import { gatewayCheckouts, inboundWebhooks, type GatewayName } from './schema'
import type { OrderId } from '../../core/order-id'

// Every SQL statement on gateway checkouts and inbound webhooks.

export type CheckoutRow = typeof gatewayCheckouts.$inferSelect
export type NewCheckoutRow = typeof gatewayCheckouts.$inferInsert
export type WebhookRow = typeof inboundWebhooks.$inferSelect
export type NewWebhookRow = typeof inboundWebhooks.$inferInsert

export async function insertCheckout(tx: Tx, checkout: NewCheckoutRow): Promise<CheckoutRow> {
  const [row] = await tx.insert(gatewayCheckouts).values(checkout).returning()
  return row
}

export async function findCheckout(db: Executor, gateway: GatewayName, gatewayRef: string): Promise<CheckoutRow | undefined> {
  const [row] = await db
    .select()
    .from(gatewayCheckouts)
    .where(and(eq(gatewayCheckouts.gateway, gateway), eq(gatewayCheckouts.gatewayRef, gatewayRef)))
  return row
}

export async function lockCheckout(tx: Tx, gateway: GatewayName, gatewayRef: string): Promise<CheckoutRow | undefined> {
  const [row] = await tx
    .select()
    .from(gatewayCheckouts)
    .where(and(eq(gatewayCheckouts.gateway, gateway), eq(gatewayCheckouts.gatewayRef, gatewayRef)))
    .for('update')
  return row
}

/** The order's latest attempt, at any gateway (the return page shows its state). */
export async function latestCheckout(db: Executor, orderId: OrderId, gateway?: GatewayName): Promise<CheckoutRow | undefined> {
  const [row] = await db
    .select()
    .from(gatewayCheckouts)
    .where(and(eq(gatewayCheckouts.orderId, orderId), gateway ? eq(gatewayCheckouts.gateway, gateway) : undefined))
    .orderBy(desc(gatewayCheckouts.startedAt), desc(gatewayCheckouts.id))
    .limit(1)
  return row
}

/** A recent attempt still open for the same amount and method: a second click reuses it. */
export async function findReusableCheckout(
  db: Executor,
  wanted: Pick<CheckoutRow, 'orderId' | 'gateway' | 'method' | 'amountCents'>,
  startedSince: Date,
): Promise<CheckoutRow | undefined> {
  const latest = await latestCheckout(db, wanted.orderId)
  const reusable =
    latest &&
    latest.status === 'started' &&
    latest.gateway === wanted.gateway &&
    latest.method === wanted.method &&
    latest.amountCents === wanted.amountCents &&
    latest.startedAt >= startedSince
  return reusable ? latest : undefined
}

export async function setCheckoutStatus(
  tx: Tx,
  checkoutId: number,
  change: Pick<CheckoutRow, 'status' | 'reason' | 'updatedAt'>,
): Promise<void> {
  await tx.update(gatewayCheckouts).set(change).where(eq(gatewayCheckouts.id, checkoutId))
}

/** R8: stores a webhook once per (gateway, event ID); undefined when it was already there. */
export async function insertWebhookOnce(db: Executor, webhook: NewWebhookRow): Promise<number | undefined> {
  const [row] = await db
    .insert(inboundWebhooks)
    .values(webhook)
    .onConflictDoNothing({ target: [inboundWebhooks.gateway, inboundWebhooks.eventId] })
    .returning({ id: inboundWebhooks.id })
  return row?.id
}

export async function findWebhook(db: Executor, gateway: GatewayName, eventId: string): Promise<WebhookRow | undefined> {
  const [row] = await db
    .select()
    .from(inboundWebhooks)
    .where(and(eq(inboundWebhooks.gateway, gateway), eq(inboundWebhooks.eventId, eventId)))
  return row
}

export async function markWebhookProcessed(db: Executor, webhookId: number, outcome: string, at: Date): Promise<void> {
  await db.update(inboundWebhooks).set({ processedAt: at, outcome }).where(eq(inboundWebhooks.id, webhookId))
}
