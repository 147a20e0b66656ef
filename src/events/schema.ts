import { sql } from 'drizzle-orm'
import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core'
import { conventions } from '../catalog/schema'

/** Issue 15: what the provider's systems and a convention partner can subscribe to (docs/webhooks.md). */
export const EVENT_TYPES = [
  'mailbox.reminded',
  'mailbox.deactivated',
  'mailbox.ceased',
  'mailbox.renewed',
  'payment.registered',
  'payment.held',
  'invoice.issued',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

/**
 * Where events go: an HTTPS URL, the secret its deliveries are signed with (sealed at rest with
 * OFFICE_TOTP_KEY: we need it in clear to sign), the event types it wants and, for a convention
 * partner, the one convention whose members' events it may receive (NULL: every event).
 * Disabled by an admin, or by the dispatcher after `consecutive_failures` reached the limit.
 */
export const eventEndpoints = pgTable('event_endpoints', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  url: text('url').notNull(),
  description: text('description'),
  secret: text('secret').notNull(),
  conventionCode: text('convention_code').references(() => conventions.code),
  eventTypes: text('event_types').array().notNull(),
  enabled: boolean('enabled').notNull().default(true),
  // 'failures' (the dispatcher gave up on it) or 'admin'; NULL while enabled
  disabledReason: text('disabled_reason', { enum: ['failures', 'admin'] }),
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
  consecutiveFailures: integer('consecutive_failures').notNull().default(0),
  lastSuccessAt: timestamp('last_success_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  createdBy: text('created_by').notNull(),
})

/** One thing that happened, written in the transaction of the change itself; its payload is the event's `data`. */
export const events = pgTable(
  'events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    type: text('type').notNull(),
    // the mailbox's convention: which partner endpoints may receive it (NULL: only unrestricted ones)
    conventionCode: text('convention_code'),
    payload: jsonb('payload').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('events_created').on(t.createdAt)],
)

/**
 * An event to deliver to one endpoint: pending → in_flight (claimed, under a lease) → delivered,
 * back to pending with a later attempt when the call failed, or failed after the last attempt.
 * A disabled endpoint's deliveries wait, pending, until an admin enables it again.
 */
export const eventDeliveries = pgTable(
  'event_deliveries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    eventId: bigint('event_id', { mode: 'number' }).notNull().references(() => events.id, { onDelete: 'cascade' }),
    endpointId: bigint('endpoint_id', { mode: 'number' }).notNull().references(() => eventEndpoints.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['pending', 'in_flight', 'delivered', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    unique('event_deliveries_once').on(t.eventId, t.endpointId),
    // open deliveries only: the dispatcher's claim walks them by due time
    index('event_deliveries_open').on(t.nextAttemptAt, t.id).where(sql`status IN ('pending', 'in_flight')`),
    index('event_deliveries_endpoint').on(t.endpointId, t.id),
  ],
)
