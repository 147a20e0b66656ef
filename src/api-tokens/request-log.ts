import type { Deps } from '../deps'
import { apiRequests } from './schema'

type RequestRow = typeof apiRequests.$inferInsert

/** Rows written together: one INSERT per batch, not one per read. */
const BATCH_ROWS = 200
const FLUSH_AFTER_MS = 1000

/**
 * Issue 15: every API call, with its token, in the light api_requests table, written in batches
 * after the answers (a read costs no write of its own). A write is audited besides, in its use
 * case's transaction (R9), with the token's name; a batch lost with a killed process loses only
 * this log of calls.
 */
export function requestLog(deps: Deps) {
  let queued: RequestRow[] = []
  let timer: NodeJS.Timeout | null = null
  let writing: Promise<void> = Promise.resolve()

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer)
    timer = null
    const rows = queued
    queued = []
    if (rows.length) {
      writing = writing.then(() => deps.db.insert(apiRequests).values(rows)).then(
        () => undefined,
        (error: unknown) => console.error('api request log: a batch was not written', error),
      )
    }
    return writing
  }
  return {
    add(row: RequestRow) {
      queued.push(row)
      if (queued.length >= BATCH_ROWS) void flush()
      else timer ??= setTimeout(() => void flush(), FLUSH_AFTER_MS).unref()
    },
    flush,
  }
}
