import { desc, eq } from 'drizzle-orm'
import type { Executor } from '../db/client'
import { mailSubject } from './render-mail'
import { outbox } from './schema'

export type OutboxStatus = 'pending' | 'sent' | 'failed'

export interface OutboxEntry {
  id: number
  template: string
  language: 'it' | 'en'
  recipient: string
  status: OutboxStatus
  attempts: number
  createdAt: Date
  nextAttemptAt: Date
  sentAt: Date | null
  lastError: string | null
  messageId: string | null
  mailboxId: number | null
  orderId: string | null
  /** Rendered from the row's params, in its language. */
  subject: string
}

/** The outbox, newest first, for `pec-renewal outbox list` and the dev mail viewer. */
export async function listOutbox(db: Executor, options: { status?: OutboxStatus; limit?: number } = {}): Promise<OutboxEntry[]> {
  const rows = await db
    .select()
    .from(outbox)
    .where(options.status ? eq(outbox.status, options.status) : undefined)
    .orderBy(desc(outbox.id))
    .limit(options.limit ?? 50)
  return rows.map((row) => ({
    id: row.id,
    template: row.template,
    language: row.language,
    recipient: row.recipient,
    status: row.status,
    attempts: row.attempts,
    createdAt: row.createdAt,
    nextAttemptAt: row.nextAttemptAt,
    sentAt: row.sentAt,
    lastError: row.lastError,
    messageId: row.messageId,
    mailboxId: row.mailboxId,
    orderId: row.orderId,
    subject: subjectOf(row),
  }))
}

function subjectOf(row: typeof outbox.$inferSelect): string {
  try {
    return mailSubject({ template: row.template, language: row.language, params: row.params })
  } catch (error) {
    return `(${row.template}: ${(error as Error).message})`
  }
}

/** One outbox row, or null: for the dev mail viewer's detail page. */
export async function findOutboxMail(db: Executor, id: number) {
  const [row] = await db.select().from(outbox).where(eq(outbox.id, id))
  return row ?? null
}
