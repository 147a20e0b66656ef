import http from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import { sql } from 'drizzle-orm'
import { insertAuditRowsSql } from '../db/audit'
import { queryRows } from '../db/client'
import type { Deps } from '../deps'
import { endpointSecret, webhookSettings } from './endpoints'
import { guardedLookup, isNonPublicAddress, type WebhookUrlPolicy } from './safe-url'
import { SIGNATURE_HEADER, signatureHeader } from './signature'

/** How long a failed delivery waits before its next attempt, and when it stops trying. */
export interface EventRetryPolicy {
  firstDelayMs: number
  /** The delay doubles after each failure up to this. */
  maxDelayMs: number
  /** After this many failed attempts the delivery is failed (enabling its endpoint again retries it). */
  maxAttempts: number
}

/** 1 min, 2, 4 … 6 h: twelve attempts over about a day (docs/webhooks.md). */
export const EVENT_RETRY: EventRetryPolicy = { firstDelayMs: 60_000, maxDelayMs: 6 * 3_600_000, maxAttempts: 12 }

/** A call not answered within this fails (and is retried). */
export const DELIVERY_TIMEOUT_MS = 10_000

/** The wait after the given number of failed attempts (1 for the first failure). */
export function eventRetryDelayMs(failedAttempts: number, policy: EventRetryPolicy = EVENT_RETRY): number {
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.max(0, failedAttempts - 1))
}

/** What is POSTed: exactly these bytes are signed. */
export interface WebhookRequest {
  url: string
  body: string
  headers: Record<string, string>
}

/** Sends one request; resolves with the HTTP status, rejects when no answer came. Tests pass their own. */
export type WebhookTransport = (request: WebhookRequest) => Promise<{ status: number }>

export interface EventDeliveryOptions {
  batchSize?: number
  concurrency?: number
  leaseMs?: number
  retry?: EventRetryPolicy
  transport?: WebhookTransport
}

export interface EventDeliveryTotals {
  delivered: number
  retried: number
  failed: number
  /** Endpoints disabled in this run after repeated failure. */
  disabledEndpoints: number
}

interface Claimed {
  id: number
  attempt: number
  endpointId: number
  url: string
  secret: string
  eventId: number
  type: string
  convention: string | null
  data: unknown
  created: Date
}

/** The JSON body of an event (docs/webhooks.md, "Payload"). */
export function eventBody(e: { eventId: number; type: string; created: Date; convention: string | null; data: unknown }): string {
  return JSON.stringify({ id: `evt_${e.eventId}`, type: e.type, created: e.created.toISOString(), convention: e.convention, data: e.data })
}

/**
 * Issue 15: delivers due events to enabled endpoints, oldest due first. As the mail platform's
 * commands: a batch is claimed (in flight, under a lease) and committed, the endpoints are called
 * outside any transaction, and the outcomes are recorded in another. A delivery is recorded only
 * if still ours (same attempt). An endpoint failing `disableAfterFailures` calls in a row is
 * disabled, audited, and shown in the back office's queue; its deliveries wait for an admin.
 */
export async function deliverEvents(deps: Deps, options: EventDeliveryOptions = {}): Promise<EventDeliveryTotals> {
  const totals: EventDeliveryTotals = { delivered: 0, retried: 0, failed: 0, disabledEndpoints: 0 }
  const transport = options.transport ?? httpTransport(webhookSettings(deps))
  for (;;) {
    const claimed = await claimDeliveries(deps, options.batchSize ?? 200, options.leaseMs ?? 5 * 60_000)
    if (claimed.length === 0) return totals
    const outcomes = await callEndpoints(deps, claimed, transport, options.concurrency ?? 16)
    const recorded = await recordDeliveries(deps, outcomes, options.retry ?? EVENT_RETRY)
    totals.delivered += recorded.delivered
    totals.retried += recorded.retried
    totals.failed += recorded.failed
    totals.disabledEndpoints += recorded.disabledEndpoints
  }
}

async function claimDeliveries(deps: Deps, limit: number, leaseMs: number): Promise<Claimed[]> {
  const now = deps.clock.now()
  const rows = await queryRows<{ id: number; attempts: number; endpoint_id: number; url: string; secret: string; event_id: number; type: string; convention_code: string | null; payload: unknown; created_at: string | Date }>(
    deps.db,
    sql`WITH due AS (
      SELECT d.id FROM event_deliveries d JOIN event_endpoints e ON e.id = d.endpoint_id AND e.enabled
       WHERE d.status IN ('pending', 'in_flight') AND d.next_attempt_at <= ${now}::timestamptz
         AND (d.status = 'pending' OR d.lease_until <= ${now}::timestamptz)
       ORDER BY d.next_attempt_at, d.id LIMIT ${limit} FOR UPDATE OF d SKIP LOCKED
    ),
    claimed AS (
      UPDATE event_deliveries d SET status = 'in_flight', attempts = d.attempts + 1, lease_until = ${new Date(now.getTime() + leaseMs)}::timestamptz
        FROM due WHERE d.id = due.id
      RETURNING d.id, d.attempts, d.endpoint_id, d.event_id
    )
    SELECT c.id, c.attempts, c.endpoint_id, e.url, e.secret, c.event_id, ev.type, ev.convention_code, ev.payload, ev.created_at
      FROM claimed c JOIN event_endpoints e ON e.id = c.endpoint_id JOIN events ev ON ev.id = c.event_id ORDER BY c.event_id`,
  )
  return rows.map((r) => ({
    id: Number(r.id),
    attempt: r.attempts,
    endpointId: Number(r.endpoint_id),
    url: r.url,
    secret: r.secret,
    eventId: Number(r.event_id),
    type: r.type,
    convention: r.convention_code,
    data: r.payload,
    created: new Date(r.created_at),
  }))
}

interface Outcome {
  claimed: Claimed
  status: number | null
  error: string | null
}

async function callEndpoints(deps: Deps, claimed: Claimed[], transport: WebhookTransport, concurrency: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(claimed.length)
  let next = 0
  const lane = async () => {
    while (next < claimed.length) {
      const i = next++
      const c = claimed[i]
      const body = eventBody(c)
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'pec-renewal-webhooks/1',
        [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(endpointSecret(deps, c.secret), body, deps.clock.now()),
        'pec-event-id': `evt_${c.eventId}`,
        'pec-event-type': c.type,
        'pec-delivery-attempt': String(c.attempt),
      }
      try {
        const { status } = await transport({ url: c.url, body, headers })
        outcomes[i] = { claimed: c, status, error: status >= 200 && status < 300 ? null : `HTTP ${status}` }
      } catch (error) {
        outcomes[i] = { claimed: c, status: null, error: (error instanceof Error ? error.message : String(error)).slice(0, 300) }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, claimed.length) }, lane))
  return outcomes
}

async function recordDeliveries(deps: Deps, outcomes: Outcome[], policy: EventRetryPolicy): Promise<EventDeliveryTotals> {
  const now = deps.clock.now()
  const limit = webhookSettings(deps).disableAfterFailures
  const totals: EventDeliveryTotals = { delivered: 0, retried: 0, failed: 0, disabledEndpoints: 0 }
  const param = <T>(values: T[]) => sql.param(values)
  await deps.db.transaction(async (tx) => {
    const rows = await queryRows<{ status: 'delivered' | 'pending' | 'failed'; endpoint_id: number }>(
      tx,
      sql`UPDATE event_deliveries d SET status = r.status, lease_until = NULL, last_status = r.http_status, last_error = r.error,
                 last_attempt_at = ${now}::timestamptz,
                 delivered_at = CASE WHEN r.status = 'delivered' THEN ${now}::timestamptz END,
                 next_attempt_at = CASE WHEN r.status = 'pending' THEN r.retry_at ELSE d.next_attempt_at END
            FROM unnest(${param(outcomes.map((o) => o.claimed.id))}::bigint[], ${param(outcomes.map((o) => o.claimed.attempt))}::int[],
                        ${param(outcomes.map((o) => (o.error === null ? 'delivered' : o.claimed.attempt >= policy.maxAttempts ? 'failed' : 'pending')))}::text[],
                        ${param(outcomes.map((o) => o.status))}::int[], ${param(outcomes.map((o) => o.error))}::text[],
                        ${param(outcomes.map((o) => new Date(now.getTime() + eventRetryDelayMs(o.claimed.attempt, policy)).toISOString()))}::timestamptz[])
                 AS r(id, attempt, status, http_status, error, retry_at)
           WHERE d.id = r.id AND d.attempts = r.attempt AND d.status = 'in_flight'
          RETURNING r.status, d.endpoint_id`,
    )
    const perEndpoint = new Map<number, { ok: boolean; failures: number }>()
    for (const row of rows) {
      totals[row.status === 'delivered' ? 'delivered' : row.status === 'failed' ? 'failed' : 'retried']++
      const e = perEndpoint.get(Number(row.endpoint_id)) ?? { ok: false, failures: 0 }
      if (row.status === 'delivered') e.ok = true
      else e.failures++
      perEndpoint.set(Number(row.endpoint_id), e)
    }
    if (perEndpoint.size === 0) return
    // An endpoint that answered once in the batch is reachable: its count starts over; otherwise it grows.
    const ids = [...perEndpoint.keys()]
    const counted = await queryRows<{ id: number; failures: number }>(
      tx,
      sql`UPDATE event_endpoints e SET
                 consecutive_failures = CASE WHEN r.ok THEN 0 ELSE e.consecutive_failures + r.failures END,
                 last_success_at = CASE WHEN r.ok THEN ${now}::timestamptz ELSE e.last_success_at END
            FROM unnest(${param(ids)}::bigint[], ${param(ids.map((id) => perEndpoint.get(id)!.ok))}::boolean[], ${param(ids.map((id) => perEndpoint.get(id)!.failures))}::int[]) AS r(id, ok, failures)
           WHERE e.id = r.id AND e.enabled
          RETURNING e.id, e.consecutive_failures AS failures`,
    )
    const giveUp = counted.filter((c) => c.failures >= limit).map((c) => Number(c.id))
    if (giveUp.length === 0) return
    const [row] = await queryRows<{ disabled: number }>(
      tx,
      sql`WITH disabled AS (
            UPDATE event_endpoints e SET enabled = false, disabled_reason = 'failures', disabled_at = ${now}::timestamptz
             WHERE e.id = ANY (${param(giveUp)}::bigint[]) AND e.enabled
            RETURNING e.id, e.url, e.consecutive_failures
          ),
          audited AS (
            ${insertAuditRowsSql(
              { at: now, actor: 'system:webhooks' },
              { from: sql`disabled`, action: 'webhook.disabled_after_failures', data: sql`jsonb_build_object('endpointId', id, 'url', url, 'failures', consecutive_failures)` },
            )}
            RETURNING 1
          )
          SELECT (SELECT count(*) FROM disabled)::int AS disabled, (SELECT count(*) FROM audited)::int AS audited`,
    )
    totals.disabledEndpoints = row.disabled
  })
  return totals
}

/** POSTs with node's http(s), no redirect followed, the host's addresses checked at connection (SSRF), within DELIVERY_TIMEOUT_MS. */
export function httpTransport(policy: WebhookUrlPolicy, timeoutMs = DELIVERY_TIMEOUT_MS): WebhookTransport {
  return (request) =>
    new Promise((resolve, reject) => {
      const url = new URL(request.url)
      if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) return reject(new Error('webhook URL is not https'))
      const host = url.hostname.replace(/^\[|\]$/g, '')
      if (isIP(host) && !policy.allowPrivateAddresses && isNonPublicAddress(host)) return reject(new Error(`${host} is not a public address`))
      const send = url.protocol === 'https:' ? https.request : http.request
      const req = send(url, { method: 'POST', headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) }, lookup: guardedLookup(policy) as never, timeout: timeoutMs }, (res) => {
        res.resume() // the answer's body is not read: only its status counts
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }))
        res.on('error', reject)
      })
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
      req.on('error', reject)
      req.end(request.body)
    })
}
