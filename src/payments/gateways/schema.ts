import { bigint, index, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core'
import { orders } from '../../renewals/schema'
import type { OrderId } from '../../core/order-id'

export const GATEWAY_NAMES = ['stripe', 'paypal', 'sandbox'] as const
export type GatewayName = (typeof GATEWAY_NAMES)[number]

export const CHECKOUT_STATUSES = ['started', 'declined', 'confirmed'] as const
export type CheckoutStatus = (typeof CHECKOUT_STATUSES)[number]

/**
 * One payment attempt at a gateway for an order (a Stripe Checkout Session, a PayPal order, a
 * sandbox page). It never holds money: only the verified webhook registers a payment (R4). The
 * return page reads it to say "waiting for confirmation" or "declined".
 */
export const gatewayCheckouts = pgTable(
  'gateway_checkouts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    gateway: text('gateway', { enum: GATEWAY_NAMES }).notNull(),
    gatewayRef: text('gateway_ref').notNull(), // cs_…, the PayPal order ID, sbx_…
    orderId: text('order_id').$type<OrderId>().notNull().references(() => orders.id),
    method: text('method', { enum: ['card', 'paypal'] }).notNull(),
    amountCents: integer('amount_cents').notNull(),
    redirectUrl: text('redirect_url').notNull(),
    status: text('status', { enum: CHECKOUT_STATUSES }).notNull().default('started'),
    reason: text('reason'), // why declined, as the gateway said it
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [unique('gateway_checkouts_gateway_ref').on(t.gateway, t.gatewayRef), index('gateway_checkouts_order').on(t.orderId)],
)

/**
 * R8: every verified webhook, stored first under the gateway's own event ID, then processed. A
 * replayed event finds its row already processed and changes nothing.
 */
export const inboundWebhooks = pgTable(
  'inbound_webhooks',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    gateway: text('gateway', { enum: GATEWAY_NAMES }).notNull(),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    orderRef: text('order_ref'), // the order ID the event names, when it names one
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    payload: jsonb('payload').notNull(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
    outcome: text('outcome'), // paid, duplicate, held, declined, captured …
  },
  (t) => [unique('inbound_webhooks_gateway_event').on(t.gateway, t.eventId)],
)
