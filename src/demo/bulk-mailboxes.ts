import { sql } from 'drizzle-orm'
import type { CalendarDate } from '../core/calendar'
import type { Executor } from '../db/client'

export interface BulkMailboxes {
  count: number
  today: CalendarDate
  /** Expiries spread evenly over [today + fromDays, today + toDays]. */
  fromDays: number
  toDays: number
  /** Share flagged as registered with INI-PEC or the Registro delle Imprese (R7). */
  registeredShare?: number
  /** Give mailboxes past their expiry the status a daily run would have given them. */
  settledPast?: boolean
  firstNumber?: number
}

/**
 * Generated accounts and mailboxes for benchmarks and load tests, inserted set-based in the
 * database (a million rows in seconds). Not for production data: use `import mailboxes`.
 */
export async function insertBulkMailboxes(db: Executor, p: BulkMailboxes): Promise<void> {
  const first = p.firstNumber ?? 1
  const last = first + p.count - 1
  const span = p.toDays - p.fromDays + 1
  const registeredEvery = p.registeredShare ? Math.max(1, Math.round(1 / p.registeredShare)) : 0
  await db.execute(sql`INSERT INTO accounts (id, first_name, last_name, fiscal_code, reference_email, language, created_at, updated_at)
    SELECT 'B' || lpad(i::text, 9, '0'), 'Nome', 'Cognome ' || i, 'RSSMRA85T10A562S', 'titolare' || i || '@example.it',
           CASE WHEN i % 10 = 0 THEN 'en' ELSE 'it' END, now(), now()
      FROM generate_series(${first}::int, ${last}::int) AS i`)
  await db.execute(sql`INSERT INTO mailboxes (address, account_id, convention_code, activated_on, expires_on, status, register, updated_at)
    SELECT 'casella' || i || '@pec.example.it', 'B' || lpad(i::text, 9, '0'), 'FNOMCEO', e - 365, e,
           CASE WHEN NOT ${p.settledPast ?? false}::boolean OR e >= ${p.today}::date - 1 THEN 'active'
                WHEN e < ${p.today}::date - 91 THEN 'ceased' ELSE 'deactivated' END,
           CASE WHEN ${registeredEvery}::int > 0 AND i % ${registeredEvery || 1}::int = 0
                THEN (CASE WHEN i % 2 = 0 THEN 'ini_pec' ELSE 'registro_imprese' END) ELSE 'none' END,
           now()
      FROM (SELECT i, ${p.today}::date + ${p.fromDays}::int + ((i::bigint * 7919) % ${span}::int)::int AS e
              FROM generate_series(${first}::int, ${last}::int) AS i) AS g`)
}
