import { and, desc, eq, sql } from 'drizzle-orm'
import { conventions } from '../catalog/schema'
import { DomainError } from '../core/errors'
import { openSecret, sealSecret } from '../core/secret-box'
import { audit, type Actor } from '../db/audit'
import { queryRows, type Executor } from '../db/client'
import type { Deps } from '../deps'
import { webhookUrlProblem } from './safe-url'
import { EVENT_TYPES, eventEndpoints, type EventType } from './schema'
import { STRICT_WEBHOOKS, type WebhookSettings } from './settings'
import { newEndpointSecret } from './signature'

// Issue 15: the endpoints events go to, managed by an admin (back office and `pec-renewal webhook`),
// each change audited in the admin's name.

export interface Endpoint {
  id: number
  url: string
  description: string | null
  /** A partner's endpoint receives this convention's events only; null: every event. */
  conventionCode: string | null
  eventTypes: EventType[]
  enabled: boolean
  disabledReason: 'failures' | 'admin' | null
  disabledAt: Date | null
  consecutiveFailures: number
  lastSuccessAt: Date | null
  createdAt: Date
  createdBy: string
  /** Deliveries waiting or being retried. */
  pending: number
  /** Deliveries that ran out of attempts. */
  failed: number
}

export function webhookSettings(deps: Deps): WebhookSettings {
  return deps.config.webhooks ?? STRICT_WEBHOOKS
}

/** The key endpoint secrets are sealed with (OFFICE_TOTP_KEY, as the operators' second-factor secrets). */
function sealingKey(deps: Deps): Buffer {
  const key = deps.config.officeTotpKey
  if (!key) throw new Error('OFFICE_TOTP_KEY: no key to seal the webhook secrets with')
  return key
}

/** An endpoint's secret in clear, to sign with. */
export function endpointSecret(deps: Deps, sealed: string): string {
  return openSecret(sealingKey(deps), sealed)
}

/** Checks the event types: at least one, each known. */
export function checkedEventTypes(types: readonly string[]): EventType[] {
  const unique = [...new Set(types.map((t) => t.trim()).filter(Boolean))]
  if (unique.length === 0 || unique.some((t) => !(EVENT_TYPES as readonly string[]).includes(t))) throw new DomainError('webhook_events_invalid', unique.join(','))
  return unique as EventType[]
}

/** Refuses a URL that is not https (outside demo mode) or reaches an internal address (SSRF). */
export async function checkWebhookUrl(deps: Deps, url: string): Promise<void> {
  const problem = await webhookUrlProblem(url, webhookSettings(deps))
  if (problem) throw new DomainError(problem, url.slice(0, 200))
}

/** Adds an endpoint; the answer carries its secret, which is never shown again. */
export async function addEndpoint(
  deps: Deps,
  input: { url: string; eventTypes: readonly string[]; conventionCode?: string | null; description?: string | null; actor: Actor },
): Promise<{ endpoint: Endpoint; secret: string }> {
  const url = input.url.trim()
  await checkWebhookUrl(deps, url)
  const eventTypes = checkedEventTypes(input.eventTypes)
  const conventionCode = input.conventionCode?.trim().toUpperCase() || null
  const secret = newEndpointSecret()
  const now = deps.clock.now()
  const id = await deps.db.transaction(async (tx) => {
    if (conventionCode) {
      const [found] = await tx.select({ code: conventions.code }).from(conventions).where(eq(conventions.code, conventionCode))
      if (!found) throw new DomainError('convention_not_found', conventionCode)
    }
    const [row] = await tx
      .insert(eventEndpoints)
      .values({ url, description: input.description?.trim() || null, secret: sealSecret(sealingKey(deps), secret), conventionCode, eventTypes, createdAt: now, createdBy: input.actor })
      .returning({ id: eventEndpoints.id })
    await audit(tx, { actor: input.actor, action: 'webhook.added', at: now, data: { endpointId: row.id, url, conventionCode, eventTypes: eventTypes.join(', ') } })
    return row.id
  })
  return { endpoint: (await findEndpoint(deps.db, id))!, secret }
}

/** Every endpoint, newest first, with its deliveries' counts. */
export async function listEndpoints(db: Executor): Promise<Endpoint[]> {
  return endpointsWhere(db, sql`TRUE`)
}

export async function findEndpoint(db: Executor, id: number): Promise<Endpoint | null> {
  const [endpoint] = await endpointsWhere(db, sql`e.id = ${id}`)
  return endpoint ?? null
}

async function endpointsWhere(db: Executor, where: ReturnType<typeof sql>): Promise<Endpoint[]> {
  const rows = await queryRows<{
    id: number; url: string; description: string | null; convention_code: string | null; event_types: EventType[]; enabled: boolean
    disabled_reason: 'failures' | 'admin' | null; disabled_at: string | Date | null; consecutive_failures: number; last_success_at: string | Date | null
    created_at: string | Date; created_by: string; pending: number; failed: number
  }>(
    db,
    sql`SELECT e.id, e.url, e.description, e.convention_code, e.event_types, e.enabled, e.disabled_reason, e.disabled_at, e.consecutive_failures,
               e.last_success_at, e.created_at, e.created_by,
               (SELECT count(*) FROM event_deliveries d WHERE d.endpoint_id = e.id AND d.status IN ('pending', 'in_flight'))::int AS pending,
               (SELECT count(*) FROM event_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'failed')::int AS failed
          FROM event_endpoints e WHERE ${where} ORDER BY e.id DESC`,
  )
  const date = (v: string | Date | null) => (v === null ? null : new Date(v))
  return rows.map((r) => ({
    id: Number(r.id),
    url: r.url,
    description: r.description,
    conventionCode: r.convention_code,
    eventTypes: r.event_types,
    enabled: r.enabled,
    disabledReason: r.disabled_reason,
    disabledAt: date(r.disabled_at),
    consecutiveFailures: r.consecutive_failures,
    lastSuccessAt: date(r.last_success_at),
    createdAt: new Date(r.created_at),
    createdBy: r.created_by,
    pending: r.pending,
    failed: r.failed,
  }))
}

/** An admin disables an endpoint: its deliveries wait, pending, until it is enabled again. */
export async function disableEndpoint(deps: Deps, input: { id: number; actor: Actor }): Promise<Endpoint> {
  const now = deps.clock.now()
  await deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(eventEndpoints).where(eq(eventEndpoints.id, input.id)).for('update')
    if (!row) throw new DomainError('webhook_not_found', String(input.id))
    if (!row.enabled) return // already: nothing to record
    await tx.update(eventEndpoints).set({ enabled: false, disabledReason: 'admin', disabledAt: now }).where(eq(eventEndpoints.id, input.id))
    await audit(tx, { actor: input.actor, action: 'webhook.disabled', at: now, data: { endpointId: row.id, url: row.url } })
  })
  return (await findEndpoint(deps.db, input.id))!
}

/**
 * An admin enables an endpoint again (after fixing the receiver): its failure count starts over and
 * the deliveries that waited are due now, those that ran out of attempts too (nothing is lost).
 */
export async function enableEndpoint(deps: Deps, input: { id: number; actor: Actor }): Promise<Endpoint> {
  const now = deps.clock.now()
  await deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(eventEndpoints).where(eq(eventEndpoints.id, input.id)).for('update')
    if (!row) throw new DomainError('webhook_not_found', String(input.id))
    if (row.enabled) return
    await tx.update(eventEndpoints).set({ enabled: true, disabledReason: null, disabledAt: null, consecutiveFailures: 0 }).where(eq(eventEndpoints.id, input.id))
    const [{ n }] = await queryRows<{ n: number }>(
      tx,
      sql`WITH again AS (
            UPDATE event_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ${now}::timestamptz, lease_until = NULL
             WHERE endpoint_id = ${input.id} AND status IN ('pending', 'failed') RETURNING 1)
          SELECT count(*)::int AS n FROM again`,
    )
    await audit(tx, { actor: input.actor, action: 'webhook.enabled', at: now, data: { endpointId: row.id, url: row.url, waiting: n } })
  })
  return (await findEndpoint(deps.db, input.id))!
}

/** An admin deletes an endpoint, its deliveries with it (the events stay for the others). */
export async function deleteEndpoint(deps: Deps, input: { id: number; actor: Actor }): Promise<void> {
  const now = deps.clock.now()
  await deps.db.transaction(async (tx) => {
    const [row] = await tx.delete(eventEndpoints).where(eq(eventEndpoints.id, input.id)).returning({ id: eventEndpoints.id, url: eventEndpoints.url })
    if (!row) throw new DomainError('webhook_not_found', String(input.id))
    await audit(tx, { actor: input.actor, action: 'webhook.deleted', at: now, data: { endpointId: row.id, url: row.url } })
  })
}

export interface DeliveryListing {
  id: number
  eventId: number
  type: string
  status: 'pending' | 'in_flight' | 'delivered' | 'failed'
  attempts: number
  nextAttemptAt: Date | null
  lastAttemptAt: Date | null
  lastStatus: number | null
  lastError: string | null
  createdAt: Date
}

/** An endpoint's latest deliveries, newest first. */
export async function listDeliveries(db: Executor, endpointId: number, limit = 100): Promise<DeliveryListing[]> {
  if (!(await findEndpoint(db, endpointId))) throw new DomainError('webhook_not_found', String(endpointId))
  const rows = await queryRows<{ id: number; event_id: number; type: string; status: DeliveryListing['status']; attempts: number; next_attempt_at: string | Date; last_attempt_at: string | Date | null; last_status: number | null; last_error: string | null; created_at: string | Date }>(
    db,
    sql`SELECT d.id, d.event_id, ev.type, d.status, d.attempts, d.next_attempt_at, d.last_attempt_at, d.last_status, d.last_error, d.created_at
          FROM event_deliveries d JOIN events ev ON ev.id = d.event_id
         WHERE d.endpoint_id = ${endpointId} ORDER BY d.id DESC LIMIT ${limit}`,
  )
  return rows.map((r) => ({
    id: Number(r.id),
    eventId: Number(r.event_id),
    type: r.type,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? new Date(r.next_attempt_at) : null,
    lastAttemptAt: r.last_attempt_at ? new Date(r.last_attempt_at) : null,
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: new Date(r.created_at),
  }))
}

/** Endpoints the dispatcher disabled after repeated failure: the back office's queue shows them. */
export async function endpointsDisabledByFailures(db: Executor): Promise<Array<{ id: number; url: string; disabledAt: Date | null }>> {
  const rows = await db
    .select({ id: eventEndpoints.id, url: eventEndpoints.url, disabledAt: eventEndpoints.disabledAt })
    .from(eventEndpoints)
    .where(and(eq(eventEndpoints.enabled, false), eq(eventEndpoints.disabledReason, 'failures')))
    .orderBy(desc(eventEndpoints.disabledAt))
  return rows
}
