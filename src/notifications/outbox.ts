import type { Executor } from '../db/client'
import { outbox } from './schema'
import type { MailTemplate, OutgoingMail } from './mail-types'

/** Queues an e-mail in the caller's transaction: it leaves only if the change it reports commits. */
export async function enqueueMail<T extends MailTemplate>(tx: Executor, mail: OutgoingMail<T>, now: Date): Promise<number> {
  const [row] = await tx
    .insert(outbox)
    .values({ ...mail, params: mail.params as unknown, nextAttemptAt: now, createdAt: now })
    .returning({ id: outbox.id })
  return row.id
}
