import type { Tx } from '../../db/client'
import type { Deps } from '../../deps'
import { encodeImportReason } from '../../payments/imports/import-reason'
import * as imports from '../../payments/imports/queries'
import type { EntryResult } from '../../payments/imports/staged-entry'
import { reversePaymentInTransaction, type PaymentReversal } from '../../payments/reverse-payment'
import { findReversal, findReversalOriginal, tryLockForReversal } from '../../payments/reversal-queries'
import { checkPayment, type PaymentRegistration } from '../settlement/payment'
import { settlePayments, worthRetrying } from '../settlement/settle-payments'
import { writeAll } from '../settlement/write'

/** How far an import is: its entries stored, then settled. */
export type ImportProgress = { phase: 'storing'; stored: number } | { phase: 'settling'; settled: number; entries: number }

export interface SettleOptions {
  /** Entries settled per transaction (default 2,000). */
  batchSize?: number
  /** Called after each batch (awaited: the next batch starts when it has done). */
  onProgress?: (progress: ImportProgress) => void | Promise<void>
  /** Stops after the batch under way (a process shutting down); the import stays to resume. */
  signal?: AbortSignal
}

export const DEFAULT_BATCH_SIZE = 2000
const ATTEMPTS = 5

/**
 * Issue 10: settles the entries of a stored import that are not settled yet, in file order, in
 * short batches, each its own transaction: read its entries, settle them (payments through the one
 * settlement: claim, decide, write), record their results and the import's progress, commit. A
 * process stopped half-way loses nothing and repeats nothing: the next run (or the next import of
 * the same file) starts from the first entry not settled. Several processes may settle one import
 * at once: its row is locked per batch, so they take turns. Returns the first positions of the
 * batches this run settled.
 */
export async function settleImport(deps: Deps, importId: number, options: SettleOptions = {}): Promise<Set<number>> {
  const settledByRun = new Set<number>()
  while (!options.signal?.aborted) {
    const batch = await settleNextBatch(deps, importId, options.batchSize ?? DEFAULT_BATCH_SIZE)
    if (batch.count === 0 && batch.first < batch.entries) throw new Error(`import ${importId}: entry ${batch.first} of ${batch.entries} is missing`)
    if (batch.count > 0) settledByRun.add(batch.first)
    await options.onProgress?.({ phase: 'settling', settled: batch.first + batch.count, entries: batch.entries })
    if (batch.first + batch.count >= batch.entries) break
  }
  return settledByRun
}

async function settleNextBatch(deps: Deps, importId: number, size: number): Promise<{ first: number; count: number; entries: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.db.transaction(async (tx) => {
        const { row, entries } = await imports.lockNextEntries(tx, importId, size)
        const now = deps.clock.now()
        const results = await settleEntries(tx, row, entries, { now, timeZone: deps.config.businessTimeZone, invoiceSeries: deps.config.invoicing?.series })
        if (results.length) await writeAll(tx, imports.recordBatchSql(row, results, now))
        return { first: row.settled, count: results.length, entries: row.entries }
      })
    } catch (error) {
      // chosen as a deadlock's victim, or a payment was stored meanwhile by another transaction
      // (an overlapping import, a webhook): the batch starts again and sees it (R8)
      if (attempt < ATTEMPTS && worthRetrying(error)) continue
      throw error
    }
  }
}

/**
 * A batch's entries in file order: runs of payments (and ignored entries) through the settlement,
 * and each reversal on its own once what comes before it is written (its original may be just
 * before it). Only the first step of a batch waits for rows another transaction holds, as it holds
 * none yet; a later step that cannot lock what it needs ends the batch there, and the next batch
 * starts with it. Returns the results of the entries settled, from the first.
 */
async function settleEntries(tx: Tx, row: imports.ImportRow, entries: imports.EntryToSettle[], at: { now: Date; timeZone: string; invoiceSeries: string | undefined }): Promise<EntryResult[]> {
  const results: EntryResult[] = []
  while (results.length < entries.length) {
    const wait = results.length === 0
    const next = entries[results.length]
    if (next.kind === 'reversal') {
      const result = await settleReversal(tx, next, row.actor, at.now, wait)
      if (!result) break
      results.push(result)
      continue
    }
    const end = entries.findIndex((e, i) => i > results.length && e.kind === 'reversal')
    const run = entries.slice(results.length, end < 0 ? entries.length : end)
    const settled = await settlePaymentRun(tx, row, run, at, wait)
    results.push(...settled)
    if (settled.length < run.length) break
  }
  return results
}

/** Payments and ignored entries, up to the first payment whose order another transaction holds. */
async function settlePaymentRun(tx: Tx, row: imports.ImportRow, run: imports.EntryToSettle[], at: { now: Date; timeZone: string; invoiceSeries: string | undefined }, wait: boolean): Promise<EntryResult[]> {
  const payments = run
    .filter((e) => e.kind === 'payment')
    .map((e) =>
      checkPayment({ orderRef: e.orderRef!, amountCents: e.amountCents, method: e.method!, reference: e.reference!, actor: row.actor, staged: { importId: row.id, position: e.position } }),
    )
  const registrations = await settlePayments(tx, payments, { ...at, waitForFirst: wait })
  const results: EntryResult[] = []
  let next = 0
  for (const entry of run) {
    if (entry.kind === 'ignored') results.push(['ignored', entry.note, null, null])
    else if (next < registrations.length) results.push(paymentResult(entry, registrations[next++]))
    else break // this payment waits for the next batch, and what follows it
  }
  return results
}

function paymentResult(entry: imports.EntryToSettle, registration: PaymentRegistration): EntryResult {
  const { orderId, paymentId } = registration
  // R8: registered before (an earlier import, or earlier in this file): nothing changed now
  if (registration.replayed) return ['ignored', 'already_imported', orderId, paymentId]
  switch (registration.outcome) {
    case 'paid':
      return ['registered', null, orderId, paymentId]
    case 'duplicate':
      return ['duplicate', registration.reason ?? 'order_already_paid', orderId, paymentId]
    case 'held':
      return ['held', registration.reason ?? null, orderId, paymentId]
    case 'unknownOrder':
      return ['held', entry.note, null, paymentId] // what the entry's text says about the order it names
  }
}

interface ReversalFacts {
  search: { account: string; sameReference?: string; endToEndId?: string }
  raw: unknown
}

/**
 * A DBIT reversal: the bank took back a credit; undo what that credit did (reversePayment). Null
 * when it must not wait and another transaction holds the original's rows.
 */
async function settleReversal(tx: Tx, entry: imports.EntryToSettle, actor: string, now: Date, wait: boolean): Promise<EntryResult | null> {
  const method = entry.method!
  const reversalReference = entry.reference!
  const earlier = await findReversal(tx, method, reversalReference)
  if (earlier) return ['ignored', 'already_imported', earlier.orderId, earlier.paymentId]
  const { search, raw } = entry.facts as ReversalFacts
  const original = await findReversalOriginal(tx, {
    method,
    ...search,
    amountCents: entry.amountCents,
    ...(entry.orderId ? { orderId: entry.orderId } : { orderRef: entry.orderRef! }),
  })
  if (original && !wait && !(await tryLockForReversal(tx, original))) return null
  const reversal = await reversePaymentInTransaction(
    tx,
    { method, reference: original?.reference ?? `unmatched:${reversalReference}`, reversalReference, amountCents: entry.amountCents, actor, raw },
    now,
  )
  return reversalResult(reversal)
}

function reversalResult(reversal: PaymentReversal): EntryResult {
  switch (reversal.outcome) {
    case 'unpaid':
    case 'refund_cancelled':
    case 'recorded':
      return ['registered', encodeImportReason({ code: 'reversal', detail: reversal.outcome }), reversal.orderId, reversal.paymentId]
    case 'held':
      return ['held', encodeImportReason({ code: 'reversal', detail: reversal.reason === 'payment_not_found' || !reversal.reason ? 'original_not_found' : reversal.reason }), reversal.orderId, reversal.paymentId]
    case 'unmatched':
      return ['held', encodeImportReason({ code: 'reversal', detail: 'original_not_found' }), null, null]
  }
}
