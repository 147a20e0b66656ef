import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm'
import type { Deps } from '../deps'
import type { MailContext } from './mail-context'
import { paramsWithoutSecretsSql } from './outbox'
import { renderMail } from './render-mail'
import { outbox } from './schema'
import { MailDeliveryError, type MailTransport } from './transport'
import type { MailAttachment } from './templates/sdi-invoice'

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
 * batch goes out concurrently; each row is then marked sent, retried later with backoff, or failed,
 * the whole batch in one statement. The SMTP pool is kept busy (bench/outbox measures it): the
 * next batch is claimed while this one is sent, and handed to the transport before this one's last
 * mail is done; a batch is recorded while the next ones are sent.
 */
export async function dispatchOutbox(
  deps: Deps,
  transport: MailTransport,
  context: MailContext,
  options: DispatchOptions = {},
): Promise<DispatchResult> {
  const batchSize = options.batchSize ?? 100
  const maxAttempts = options.maxAttempts ?? 8
  const totals: DispatchResult = { sent: 0, retried: 0, failed: 0 }
  let claiming = prefetch(claimDueBatch(deps, batchSize))
  // the batch before this one: its sends, then its recording queued (claim order)
  let previous: Promise<void> = Promise.resolve()
  let recording: Promise<void> = Promise.resolve()
  let recordFailed: { error: unknown } | undefined
  try {
    for (;;) {
      const batch = await claiming
      if (batch.length === 0) break
      // a short batch took the last due rows: nothing more to claim in this pass
      claiming = prefetch(batch.length < batchSize ? Promise.resolve([]) : claimDueBatch(deps, batchSize))
      const sends = Promise.all(batch.map((row) => sendRow(row, transport, context, maxAttempts)))
      const before = previous
      previous = Promise.all([before, sends]).then(([, outcomes]) => {
        for (const outcome of outcomes) {
          if (outcome.kind === 'sent') totals.sent++
          else if (outcome.kind === 'retry') totals.retried++
          else totals.failed++
        }
        // One recording at a time, the next batches sent meanwhile. A failed one stops the pass:
        // the rows it did not record are sent again after their lease (with the same Message-ID).
        recording = recording
          .then(() => (recordFailed ? undefined : recordOutcomes(deps, batch, outcomes)))
          .catch((error: unknown) => void (recordFailed ??= { error }))
      })
      // Two batches in the transport at most: its pool always has the next mail at hand.
      await before
      if (recordFailed) throw recordFailed.error
    }
  } finally {
    await Promise.allSettled([claiming, previous]) // a batch claimed ahead and not sent waits for its lease
    await recording
  }
  if (recordFailed) throw recordFailed.error
  return totals
}

/** A claim started ahead of its use: a failure is kept for the `await` that uses it, never reported as unhandled. */
function prefetch<T>(claim: Promise<T>): Promise<T> {
  claim.catch(() => {})
  return claim
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
  const error = await attemptSend(row, transport, context, messageId)
  if (!error) return { kind: 'sent', messageId }
  if (error.permanent) return { kind: 'failed', error: error.message }
  if (row.attempts >= maxAttempts) return { kind: 'failed', error: `gave up after ${row.attempts} attempts: ${error.message}` }
  return { kind: 'retry', error: error.message }
}

/** Builds the row's attachments, renders and sends it; the error that stopped it, or null once the server accepted it. */
async function attemptSend(row: ClaimedRow, transport: MailTransport, context: MailContext, messageId: string): Promise<MailDeliveryError | null> {
  let attached: MailAttachment[]
  try {
    attached = (await context.attachments?.attachmentsFor(row)) ?? []
  } catch (attachError) {
    // built from the database at send time: what fails now may pass at the next attempt
    return new MailDeliveryError(`cannot build attachments: ${(attachError as Error).message}`, false)
  }
  let mail: ReturnType<typeof renderMail>
  try {
    mail = renderMail({ template: row.template, language: row.language, params: row.params }, context, attached)
  } catch (renderError) {
    // A row that cannot be rendered never will be: retrying would only delay the operator's look.
    return new MailDeliveryError(`cannot render: ${(renderError as Error).message}`, true)
  }
  try {
    await transport.send({ to: row.recipient, messageId, ...mail })
    return null
  } catch (sendError) {
    return sendError instanceof MailDeliveryError ? sendError : new MailDeliveryError(String(sendError), false)
  }
}

/**
 * Records a batch's outcomes in one statement: sent (with its Message-ID), retried later with
 * backoff, or failed. Delivered or given up, a row loses the secrets it carried (a reset token).
 * Only our own claim is written: if the lease ran out and another worker took the row, its result stands.
 */
async function recordOutcomes(deps: Deps, batch: ClaimedRow[], outcomes: Outcome[]): Promise<void> {
  const now = deps.clock.now()
  const changes = batch.map((row, i) => {
    const outcome = outcomes[i]
    return {
      id: row.id,
      attempts: row.attempts,
      status: outcome.kind === 'retry' ? 'pending' : outcome.kind,
      message_id: outcome.kind === 'sent' ? outcome.messageId : null,
      last_error: outcome.kind === 'sent' ? null : outcome.error,
      next_attempt_at: outcome.kind === 'retry' ? new Date(now.getTime() + retryDelayMs(row.attempts)).toISOString() : null,
    }
  })
  await deps.db.execute(sql`
    UPDATE outbox o
       SET status = c.status,
           sent_at = CASE WHEN c.status = 'sent' THEN ${now}::timestamptz ELSE o.sent_at END,
           message_id = coalesce(c.message_id, o.message_id),
           last_error = c.last_error,
           next_attempt_at = coalesce(c.next_attempt_at, o.next_attempt_at),
           params = CASE WHEN c.status = 'pending' THEN o.params ELSE ${paramsWithoutSecretsSql(sql`o`)} END
      FROM jsonb_to_recordset(${JSON.stringify(changes)}::jsonb)
           AS c(id bigint, attempts int, status text, message_id text, last_error text, next_attempt_at timestamptz)
     WHERE o.id = c.id AND o.status = 'pending' AND o.attempts = c.attempts`)
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
