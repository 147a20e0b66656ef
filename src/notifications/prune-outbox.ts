import { and, eq, inArray, lt } from 'drizzle-orm'
import type { Executor } from '../db/client'
import { outbox } from './schema'

const DAY_MS = 86_400_000
const BATCH = 5_000

/**
 * Housekeeping: sent mail older than the retention (MAIL_RETENTION_DAYS) is deleted, a batch at
 * a time so a first run over years of mail never holds a long lock. Unsent and failed mail stays.
 */
export async function deleteOldSentMail(db: Executor, now: Date, retentionDays: number): Promise<number> {
  const before = new Date(now.getTime() - retentionDays * DAY_MS)
  let deleted = 0
  for (;;) {
    const old = db.select({ id: outbox.id }).from(outbox).where(and(eq(outbox.status, 'sent'), lt(outbox.sentAt, before))).limit(BATCH)
    const rows = await db.delete(outbox).where(inArray(outbox.id, old)).returning({ id: outbox.id })
    deleted += rows.length
    if (rows.length < BATCH) return deleted
  }
}
