import { sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../db/client'
import { outbox } from './schema'
import type { MailParamsByTemplate, MailTemplate, OutgoingMail } from './mail-types'

/**
 * Params that must not outlive delivery: whoever can read the outbox (a backup, an operator's
 * view) must not be able to use a reset link. Kept while the mail may still be sent.
 */
export const SECRET_PARAMS: Partial<Record<MailTemplate, readonly string[]>> = { password_reset: ['token'] }

/**
 * The params of the outbox row aliased `row`, without its template's secrets, as an SQL value for
 * a set-based UPDATE (one CASE over the templates that carry secrets; the others' params unchanged).
 */
export function paramsWithoutSecretsSql(row: SQL): SQL {
  const branches = Object.entries(SECRET_PARAMS).map(
    ([template, keys]) => sql`WHEN ${template}::text THEN ${keys!.reduce<SQL>((params, key) => sql`(${params}) - ${key}::text`, sql`${row}.params`)}`,
  )
  if (!branches.length) return sql`${row}.params`
  return sql`CASE ${row}.template ${sql.join(branches, sql` `)} ELSE ${row}.params END`
}

/** Queues an e-mail in the caller's transaction: it leaves only if the change it reports commits. */
export async function enqueueMail<T extends MailTemplate>(tx: Executor, mail: OutgoingMail<T>, now: Date): Promise<number> {
  const [row] = await tx
    .insert(outbox)
    .values({ ...mail, params: mail.params as unknown, nextAttemptAt: now, createdAt: now })
    .returning({ id: outbox.id })
  return row.id
}

// Set-based writers queue their mail in the statement that makes the change it reports (a
// data-modifying CTE); these build that INSERT, so the outbox table is written only from here.

const COLUMNS = sql`INSERT INTO outbox (template, language, recipient, params, mailbox_id, order_id, next_attempt_at, created_at)`

/** The e-mail's params as SQL expressions: one per key of the template's params, checked by the compiler. */
export type MailParamsSql<T extends MailTemplate> = { [K in keyof MailParamsByTemplate[T]]-?: SQL }

/** The params object built in SQL (jsonb_build_object) from the expressions of `mailParams`. */
export function mailParamsSql<T extends MailTemplate>(_template: T, params: MailParamsSql<T>): SQL {
  const pairs = Object.entries(params as Record<string, SQL>).map(([key, value]) => sql`${key}::text, ${value}`)
  return sql`jsonb_build_object(${sql.join(pairs, sql`, `)})`
}

/**
 * Mail computed in SQL: one per row of `from` (the FROM clause and what may follow it: WHERE,
 * ORDER BY), its recipient, language and params SQL expressions over those rows.
 */
export interface MailRowsSql<T extends MailTemplate> {
  template: T
  from: SQL
  language: SQL
  recipient: SQL
  params: MailParamsSql<T>
  mailboxId?: SQL
  orderId?: SQL
}

/** Queues one e-mail per row of `from`, in the statement of the change it reports. */
export function enqueueMailRowsSql<T extends MailTemplate>(mail: MailRowsSql<T>, now: Date): SQL {
  return sql`${COLUMNS}
    SELECT ${mail.template}::text, ${mail.language}, ${mail.recipient}, ${mailParamsSql(mail.template, mail.params)},
           ${mail.mailboxId ?? sql`NULL`}::bigint, ${mail.orderId ?? sql`NULL`}::text, ${now}::timestamptz, ${now}::timestamptz
      FROM ${mail.from}`
}
