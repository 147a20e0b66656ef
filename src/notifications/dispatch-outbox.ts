import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm'
import type { Deps } from '../deps'
import type { MailContext } from './mail-context'
import { paramsWithoutSecrets } from './outbox'
import { renderMail } from './render-mail'
import { outbox } from './schema'
import { MailDeliveryError, type MailTransport } from './transport'

export interface DispatchOptions {
  batchSize?: number
  /** After this many attempts a temporary failure becomes permanent. */
  maxAttempts?: number
}

export interface DispatchResult {
  sent: number
  retried: number
  failed: number
}

const MINUTE = 60_000
/** Waits after the 1st, 2nd, … failed attempt; the last one repeats. */
export const RETRY_DELAYS_MS = [1 * MINUTE, 5 * MINUTE, 30 * MINUTE, 120 * MINUTE, 720 * MINUTE]
/**
 * A claimed row is hidden from other workers this long. A worker that dies mid-send leaves it to be
 * retried after the lease; the same Message-ID then tells the receiving side it is a re-send.
 */
export const CLAIM_LEASE_MS = 15 * MINUTE

export function retryDelayMs(attempts: number): number {
  return RETRY_DELAYS_MS[Math.min(Math.max(attempts, 1), RETRY_DELAYS_MS.length) - 1]
}

/** <outbox-42.mbz4k1c0@rinnovi.example.it>: the same for every attempt at the same row. */
export function outboxMessageId(id: number, createdAt: Date, publicUrl: string): string {
  let host = 'pec-renewal'
  try {
    host = new URL(publicUrl).hostname || host
  } catch {
    // keep the fallback: a Message-ID needs some domain part
  }
  return `<outbox-${id}.${createdAt.getTime().toString(36)}@${host}>`
}

type ClaimedRow = typeof outbox.$inferSelect

type Outcome = { kind: 'sent'; messageId: string } | { kind: 'retry'; error: string } | { kind: 'failed'; error: string }

/**
 * R8: sends the due outbox mail in batches. Each batch is claimed with FOR UPDATE SKIP LOCKED and
 * leased, in one short statement, so concurrent workers never send the same row; the mail of a
 * batch goes out concurrently; each row is then marked sent, retried later with backoff, or failed.
 */
export async function dispatchOutbox(
  deps: Deps,
  transport: MailTransport,
  context: MailContext,
  options: DispatchOptions = {},
): Promise<DispatchResult> {
  const batchSize = options.batchSize ?? 50
  const maxAttempts = options.maxAttempts ?? 8
  const totals: DispatchResult = { sent: 0, retried: 0, failed: 0 }
  for (;;) {
    const batch = await claimDueBatch(deps, batchSize)
    if (batch.length === 0) break
    const outcomes = await Promise.all(batch.map((row) => sendRow(row, transport, context, maxAttempts)))
    await recordOutcomes(deps, batch, outcomes)
    for (const outcome of outcomes) {
      if (outcome.kind === 'sent') totals.sent++
      else if (outcome.kind === 'retry') totals.retried++
      else totals.failed++
    }
    if (batch.length < batchSize) break
  }
  return totals
}

async function claimDueBatch(deps: Deps, batchSize: number): Promise<ClaimedRow[]> {
  const now = deps.clock.now()
  const due = deps.db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.status, 'pending'), lte(outbox.nextAttemptAt, now)))
    .orderBy(asc(outbox.nextAttemptAt), asc(outbox.id))
    .limit(batchSize)
    .for('update', { skipLocked: true })
  const rows = await deps.db
    .update(outbox)
    .set({ attempts: sql`${outbox.attempts} + 1`, nextAttemptAt: new Date(now.getTime() + CLAIM_LEASE_MS) })
    .where(inArray(outbox.id, due))
    .returning()
  return rows.sort((a, b) => a.id - b.id)
}

async function sendRow(row: ClaimedRow, transport: MailTransport, context: MailContext, maxAttempts: number): Promise<Outcome> {
  const messageId = outboxMessageId(row.id, row.createdAt, context.publicUrl)
  let error: MailDeliveryError
  try {
    const mail = renderMail({ template: row.template, language: row.language, params: row.params }, context)
    try {
      await transport.send({ to: row.recipient, messageId, ...mail })
      return { kind: 'sent', messageId }
    } catch (sendError) {
      error = sendError instanceof MailDeliveryError ? sendError : new MailDeliveryError(String(sendError), false)
    }
  } catch (renderError) {
    // A row that cannot be rendered never will be: retrying would only delay the operator's look.
    error = new MailDeliveryError(`cannot render: ${(renderError as Error).message}`, true)
  }
  if (error.permanent) return { kind: 'failed', error: error.message }
  if (row.attempts >= maxAttempts) return { kind: 'failed', error: `gave up after ${row.attempts} attempts: ${error.message}` }
  return { kind: 'retry', error: error.message }
}

async function recordOutcomes(deps: Deps, batch: ClaimedRow[], outcomes: Outcome[]): Promise<void> {
  const now = deps.clock.now()
  await deps.db.transaction(async (tx) => {
    for (const [i, row] of batch.entries()) {
      const outcome = outcomes[i]
      // Delivered or given up: the secrets it carried (a reset token) are no longer needed.
      const scrubbed = outcome.kind === 'retry' ? undefined : paramsWithoutSecrets(row.template)
      const change =
        outcome.kind === 'sent'
          ? { status: 'sent' as const, sentAt: now, messageId: outcome.messageId, lastError: null, ...(scrubbed && { params: scrubbed }) }
          : outcome.kind === 'retry'
            ? { nextAttemptAt: new Date(now.getTime() + retryDelayMs(row.attempts)), lastError: outcome.error }
            : { status: 'failed' as const, lastError: outcome.error, ...(scrubbed && { params: scrubbed }) }
      // Only our own claim: if the lease ran out and another worker took the row, its result stands.
      await tx
        .update(outbox)
        .set(change)
        .where(and(eq(outbox.id, row.id), eq(outbox.status, 'pending'), eq(outbox.attempts, row.attempts)))
    }
  })
}

export interface OutboxDispatcher {
  /** Runs a pass now rather than at the next interval (e.g. right after a payment was registered). */
  wake(): void
  /** Lets the pass in progress finish, then stops. */
  stop(): Promise<void>
}

/** Drains the outbox, waits intervalMs, and again, until stopped. */
export function startOutboxDispatcher(
  deps: Deps,
  transport: MailTransport,
  context: MailContext,
  options: DispatchOptions & { intervalMs: number; onError?: (error: unknown) => void },
): OutboxDispatcher {
  const onError = options.onError ?? ((error: unknown) => console.error('outbox dispatcher:', error))
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let again = false

  const pass = () => {
    clearTimeout(timer)
    timer = undefined
    if (stopped) return
    if (running) {
      again = true // a pass is under way: run once more when it ends
      return
    }
    running = dispatchOutbox(deps, transport, context, options)
      .then(
        () => undefined,
        (error) => onError(error),
      )
      .finally(() => {
        running = undefined
        if (stopped) return
        if (again) {
          again = false
          pass()
        } else {
          timer = setTimeout(pass, options.intervalMs)
        }
      })
  }
  pass()
  return {
    wake: pass,
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
