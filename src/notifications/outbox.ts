import { sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../db/client'
import { outbox } from './schema'
import type { MailTemplate, OutgoingMail } from './mail-types'

/**
 * Params that must not outlive delivery: whoever can read the outbox (a backup, an operator's
 * view) must not be able to use a reset link. Kept while the mail may still be sent.
 */
export const SECRET_PARAMS: Partial<Record<MailTemplate, readonly string[]>> = { password_reset: ['token'] }

/** The row's params without its template's secrets, as an SQL value for an UPDATE; undefined when it has none. */
export function paramsWithoutSecrets(template: string): SQL | undefined {
  const keys = SECRET_PARAMS[template as MailTemplate]
  if (!keys?.length) return undefined
  return keys.reduce<SQL>((params, key) => sql`(${params}) - ${key}::text`, sql`${outbox.params}`)
}

/** Queues an e-mail in the caller's transaction: it leaves only if the change it reports commits. */
export async function enqueueMail<T extends MailTemplate>(tx: Executor, mail: OutgoingMail<T>, now: Date): Promise<number> {
  const [row] = await tx
    .insert(outbox)
    .values({ ...mail, params: mail.params as unknown, nextAttemptAt: now, createdAt: now })
    .returning({ id: outbox.id })
  return row.id
}
