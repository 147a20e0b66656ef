import { sql, type SQL } from 'drizzle-orm'
import { queryRows, type Executor } from '../db/client'
import type { NamedWrite } from '../invoicing/issue'
import type { EventType } from './schema'

// Issue 15: events are written in the transaction of the change that causes them, by the statement
// that makes the change (a data-modifying CTE), and only when some endpoint wants them: an event
// no endpoint subscribes to is never written. The events and event_deliveries tables are written
// only from here; each capability says what happened, in SQL over its own rows.

/** The event types some endpoint subscribes to (enabled or not: a disabled endpoint's deliveries wait for it). Read once per batch. */
export async function subscribedEventTypes(db: Executor): Promise<ReadonlySet<EventType>> {
  const rows = await queryRows<{ type: EventType }>(db, sql`SELECT DISTINCT unnest(event_types) AS type FROM event_endpoints`)
  return new Set(rows.map((r) => r.type))
}

/** Events of one type computed in SQL: one per row of `from` (a FROM clause and what may follow it: joins, WHERE, ORDER BY). */
export interface EventRowsSql {
  type: EventType
  from: SQL
  /** The convention of the mailbox it is about (NULL: none, e.g. a payment that matched no order): which partners may see it. */
  conventionCode: SQL
  /** The event's `data` object (jsonb), as docs/webhooks.md describes it for the type. */
  data: SQL
}

/**
 * The CTEs that write the events of `rows` and one delivery per matching endpoint: `name` (the
 * events written) and `name_to` (their deliveries). None when no endpoint subscribes to the type
 * (`subscribed`, read once per batch); an event whose convention no subscribed endpoint may see is
 * not written either. A partner endpoint (convention_code set) matches its convention's events only.
 */
export function eventWrites(subscribed: ReadonlySet<EventType>, name: string, rows: EventRowsSql, now: Date): NamedWrite[] {
  if (!subscribed.has(rows.type)) return []
  const matches = (conventionCode: SQL) =>
    sql`${rows.type}::text = ANY (e.event_types) AND (e.convention_code IS NULL OR e.convention_code = ${conventionCode})`
  return [
    {
      name,
      sql: sql`INSERT INTO events (type, convention_code, payload, created_at)
        SELECT ${rows.type}::text, q.convention_code, q.data, ${now}::timestamptz
          FROM (SELECT ${rows.conventionCode}::text AS convention_code, ${rows.data}::jsonb AS data FROM ${rows.from}) q
         WHERE EXISTS (SELECT 1 FROM event_endpoints e WHERE ${matches(sql`q.convention_code`)})
        RETURNING id, convention_code`,
    },
    {
      name: `${name}_to`,
      sql: sql`INSERT INTO event_deliveries (event_id, endpoint_id, next_attempt_at, created_at)
        SELECT ev.id, e.id, ${now}::timestamptz, ${now}::timestamptz
          FROM ${sql.identifier(name)} ev JOIN event_endpoints e ON ${matches(sql`ev.convention_code`)}
         ORDER BY ev.id, e.id
        RETURNING 1`,
    },
  ]
}

/** The writes as further CTEs of a statement that has some already: `, name AS (…)` each (nothing when none). */
export function eventCtesSql(writes: readonly NamedWrite[]): SQL {
  return sql.join(
    writes.map((w) => sql`, ${sql.identifier(w.name)} AS (${w.sql})`),
    sql``,
  )
}

/** One event in the caller's transaction, for a change made row by row (a credit note); nothing when no endpoint wants it. */
export async function emitEvent(tx: Executor, event: { type: EventType; conventionCode: string | null; data: SQL }, now: Date): Promise<void> {
  const writes = eventWrites(await subscribedEventTypes(tx), 'emitted', { type: event.type, from: sql`(SELECT 1) one`, conventionCode: sql`${event.conventionCode}`, data: event.data }, now)
  if (writes.length === 0) return
  await tx.execute(sql`WITH ${sql.identifier(writes[0].name)} AS (${writes[0].sql})${eventCtesSql(writes.slice(1))} SELECT 1`)
}

/**
 * The `mailbox` object every mailbox event carries (docs/webhooks.md), from a mailboxes row `m`
 * (or a CTE with its columns) and its account `a`. `status` and `expiresOn` are given when the
 * statement changes them (a CTE reads the rows as they were before it).
 */
export function mailboxDataSql(p: { m: SQL; a: SQL; status?: SQL; expiresOn?: SQL; conventionCode?: SQL }): SQL {
  const { m, a } = p
  return sql`jsonb_build_object('id', ${m}.id, 'address', ${m}.address, 'convention', ${p.conventionCode ?? sql`${m}.convention_code`},
    'status', ${p.status ?? sql`${m}.status`}, 'expiresOn', ${p.expiresOn ?? sql`${m}.expires_on`}, 'register', ${m}.register,
    'holder', jsonb_build_object('accountId', ${a}.id, 'fiscalCode', ${a}.fiscal_code))`
}
