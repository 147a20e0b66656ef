import { createHash } from 'node:crypto'
import { businessDate } from '../../core/calendar'
import { formatOrderId, parseOrderId } from '../../core/order-id'
import type { Db, Tx } from '../../db/client'
import type { Actor } from '../../db/audit'
import type { Deps } from '../../deps'
import { registerPayment, type IncomingPayment, type PaymentRegistration } from '../register-payment'
import { reversePaymentInTransaction, type PaymentReversal } from '../reverse-payment'
import { findReversal, findReversalOriginal } from '../reversal-queries'
import { findOrderReference, type OrderReference } from './order-reference'
import { readStatementFile } from './read-statement'
import { BankPaymentPipeline, ConcurrentRegistrationError, type BankPaymentRegistration } from './register-bank-payments'
import type { StatementEntry, StatementFormat } from './statement-entry'

export interface ImportStatementOptions {
  /** Detected from the file's first bytes when absent. */
  format?: StatementFormat
  actor: Actor // operator:NAME
  /** Entries registered per set-based batch (default 500). */
  batchSize?: number
  /** 'single' registers entry by entry through registerPayment: the reference the batch is tested against. */
  registration?: 'batch' | 'single'
}

/** What happened to one entry: registered (paid an order, or a reversal applied), held, duplicate (refund), ignored. */
export type EntryOutcome = 'registered' | 'held' | 'duplicate' | 'ignored'

export interface ImportedEntry {
  entryRef: string
  amountCents: number
  orderId: string | null
  outcome: EntryOutcome
  reason: string | null
}

/** The JSON of `statements import --json`: keys exactly as issue 4 names them. */
export interface StatementImport {
  entries: number
  registered: number
  held: number
  duplicates: number
  ignored: number
  results: ImportedEntry[]
}

type EntryFacts = Pick<ImportedEntry, 'entryRef' | 'amountCents'>

export const BANK_TRANSFER = 'bonifico' as const
const RETRY_ATTEMPTS = 3

/**
 * Issue 4, bank transfers: imports a camt.053 or CBI RH statement. Only booked credit entries in euro
 * count. Each finds its order ID in the remittance text (R3: check digits; a probable typo is reported
 * with its candidate and never matched) and is registered as registerPayment would (R4: paid, held,
 * duplicate to refund, unknown order). A reversal undoes what its original did (reversePayment).
 * Each entry is stored under a key that depends only on the bank movement (account + the bank's
 * reference, or a digest of its content), so importing the same file again, or a statement that
 * overlaps an earlier one, registers nothing twice (R8). The import is one transaction: a file that
 * turns out truncated or malformed half-way registers nothing.
 */
export async function importStatement(deps: Deps, filePath: string, options: ImportStatementOptions): Promise<StatementImport> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.db.transaction((tx) => importInTransaction(deps, tx, filePath, options))
    } catch (error) {
      // PostgreSQL chose this import as a deadlock's victim, or another import stored one of its
      // payments first: start over, and what the other one registered is now seen as such (R8)
      if (attempt < RETRY_ATTEMPTS && (isDeadlock(error) || error instanceof ConcurrentRegistrationError)) continue
      throw error
    }
  }
}

async function importInTransaction(deps: Deps, tx: Tx, filePath: string, options: ImportStatementOptions): Promise<StatementImport> {
  const now = deps.clock.now()
  const today = businessDate(now, deps.config.businessTimeZone)
  const batchSize = options.batchSize ?? 500
  const summary: StatementImport = { entries: 0, registered: 0, held: 0, duplicates: 0, ignored: 0, results: [] }
  // one slot per entry in file order, filled when its outcome is known (a dense array stays compact)
  const results: Array<ImportedEntry | null> = []
  const occurrences = new Map<string, number>()
  let pending: Array<{ entry: EntryFacts; input: IncomingPayment; reference: OrderReference; slot: number }> = []
  // The database's work runs in file order behind the parser, so its time overlaps the parse.
  const writer = new SequentialWriter()
  const pipeline = new BankPaymentPipeline(tx, now, today)

  const record = (result: ImportedEntry, slot: number) => {
    results[slot] = result
    if (result.outcome === 'registered') summary.registered++
    else if (result.outcome === 'held') summary.held++
    else if (result.outcome === 'duplicate') summary.duplicates++
    else summary.ignored++
  }
  const recordBatch = (batch: typeof pending, registrations: BankPaymentRegistration[]) =>
    batch.forEach((p, i) => record(outcomeOf(p.entry, p.reference, registrations[i]), p.slot))
  const flush = () => {
    if (pending.length === 0) return
    const batch = pending
    pending = []
    const inputs = batch.map((p) => p.input)
    if (options.registration === 'single') {
      writer.enqueue(batch.length, async () => recordBatch(batch, await registerOneByOne(deps, tx, inputs)))
      return
    }
    // the claim goes as soon as the batch before has sent its own (see SequentialWriter)
    writer.enqueue(
      batch.length,
      async (claimed) => recordBatch(batch, await pipeline.settle(claimed)),
      () => pipeline.claim(inputs),
    )
  }

  try {
    for await (const entry of readStatementFile(filePath, options.format)) {
      const slot = results.push(null) - 1
      summary.entries++
      const ignored = ignoredReason(entry)
      if (ignored) {
        record({ entryRef: entry.entryRef, amountCents: entry.amountCents, orderId: null, outcome: 'ignored', reason: ignored }, slot)
        continue
      }
      const key = paymentReference(entry, occurrences)
      const reference = findOrderReference(entry.remittanceText)
      if (entry.reversal) {
        flush() // the original may be in the batch not yet written: it goes first
        writer.enqueue(1, async () => record(await reverseEntry(tx, entry, key, reference, options.actor, now), slot))
        continue
      }
      pending.push({ entry: { entryRef: entry.entryRef, amountCents: entry.amountCents }, input: paymentOf(entry, key, reference, options.actor), reference, slot })
      if (pending.length >= batchSize) {
        await writer.drain(batchSize) // backpressure: one batch written, at most one more waiting
        flush()
      }
    }
    flush()
    await writer.drain(0)
    summary.results = results as ImportedEntry[]
  } catch (error) {
    // the transaction is lost: start nothing more, and let no write outlive it
    await writer.cancel()
    throw error
  }
  return summary
}

interface WriterJob {
  size: number
  done: Promise<void>
  /** The job's first statement, which may be sent before its turn (see SequentialWriter). */
  open?: () => unknown
  opened?: { value: unknown }
  /** The job before this one has finished, or has sent its own first statement. */
  mayOpen: boolean
  next?: WriterJob
}

/**
 * Runs database work one job at a time in the order given, while the caller goes on parsing. A job
 * may name its first statement (`open`): that one is sent before the job's turn, as soon as the job
 * before it has finished or has sent its own first statement. So the claims of batches that follow
 * each other go out together, and the database reads the next batch while this process decides the
 * one before (BankPaymentPipeline makes that safe); a job without `open` (a reversal) runs alone,
 * and what follows it opens only once it has finished. Everything else a job does waits its turn.
 */
class SequentialWriter {
  private tail: Promise<void> = Promise.resolve()
  private jobs: WriterJob[] = []
  private last: WriterJob | null = null
  private queued = 0
  private cancelled = false

  /** `size`: how many entries the job writes, for drain. `work` gets what `open` answered. */
  enqueue<T>(size: number, work: (opened: T) => Promise<void>, open?: () => T): void {
    // the first job, or one behind a job that has sent its first statement, may send its own now
    const job: WriterJob = { size, done: Promise.resolve(), open, mayOpen: this.last === null || this.last.opened !== undefined }
    // after a failure nothing more runs: the failure travels on to whoever awaits
    job.done = this.tail.then(async () => {
      if (this.cancelled) return
      job.mayOpen = true
      this.openIfAllowed(job)
      await work(job.opened?.value as T)
      if (job.next) {
        job.next.mayOpen = true
        this.openIfAllowed(job.next)
        job.next = undefined // a finished job keeps nothing alive
      }
    })
    if (this.last) this.last.next = job
    this.last = job
    this.openIfAllowed(job)
    this.tail = job.done
    job.done.catch(() => {}) // observed by drain or cancel
    this.jobs.push(job)
    this.queued += size
  }

  private openIfAllowed(job: WriterJob): void {
    if (!job.open || job.opened || !job.mayOpen || this.cancelled) return
    job.opened = { value: job.open() }
    if (job.next) {
      job.next.mayOpen = true
      this.openIfAllowed(job.next)
    }
  }

  /** Waits until at most `limit` entries are queued or being written; throws what a job threw. */
  async drain(limit: number): Promise<void> {
    while (this.queued > limit) {
      const job = this.jobs.shift()!
      this.queued -= job.size
      await job.done
    }
  }

  /** Skips the jobs not started yet and waits for the one running, whatever its fate. */
  async cancel(): Promise<void> {
    this.cancelled = true
    await this.tail.catch(() => {})
  }
}

/** Why an entry does not count as money received for an order; null when it does. */
function ignoredReason(entry: StatementEntry): string | null {
  if (entry.status !== 'BOOK') return `not_booked:${entry.status || 'none'}` // pending, information only
  if (entry.currency !== 'EUR') return `currency:${entry.currency || 'none'}`
  if (entry.amountCents <= 0) return 'no_amount'
  // ISO 20022: a CRDT reversal undoes a debit, and debits are not ours to register
  if (entry.reversal && entry.creditDebit === 'CRDT') return 'reversal_of_debit'
  if (!entry.reversal && entry.creditDebit === 'DBIT') return 'debit'
  return null
}

/**
 * R8: the key a bank movement is stored under, the same in every statement that lists it: the
 * account and the bank's own reference; without one, a digest of what the movement says, numbered
 * when the same movement occurs twice in one file (two identical transfers on one day are two).
 */
export function paymentReference(entry: StatementEntry, occurrences: Map<string, number> = new Map()): string {
  if (entry.bankRef) return `${entry.account}/${entry.bankRef}`
  const digest = createHash('sha256')
    .update(
      JSON.stringify([entry.account, entry.bookingDate, entry.valueDate, entry.amountCents, entry.creditDebit, entry.reversal, entry.remittanceText, entry.debtorName ?? null, entry.endToEndId ?? null]),
    )
    .digest('hex')
    .slice(0, 32)
  const n = (occurrences.get(digest) ?? 0) + 1
  occurrences.set(digest, n)
  return `${entry.account}/#${digest}-${n}`
}

/** The order reference registerPayment reads: the matched ID, or the text marked so it can never parse as one. */
function quotedOrderRef(entry: StatementEntry, reference: OrderReference): string {
  if (reference.kind === 'match') return reference.orderId
  const text = entry.remittanceText.slice(0, 500)
  return parseOrderId(text) === null ? text : `?${text}` // R3: a typo is never matched automatically
}

function paymentOf(entry: StatementEntry, key: string, reference: OrderReference, actor: Actor): IncomingPayment {
  return {
    orderRef: quotedOrderRef(entry, reference),
    amountCents: entry.amountCents,
    method: BANK_TRANSFER,
    reference: key,
    actor,
    raw: {
      account: entry.account,
      entryRef: entry.entryRef,
      bookingDate: entry.bookingDate,
      valueDate: entry.valueDate,
      remittanceText: entry.remittanceText,
      // one shape for every entry; what is undefined is left out of the stored JSON
      debtorName: entry.debtorName || undefined,
      endToEndId: entry.endToEndId || undefined,
      typoCandidate: reference.kind === 'typo' ? reference.candidate : undefined,
      quoted: reference.kind === 'typo' ? reference.quoted : undefined,
      orderIds: reference.kind === 'ambiguous' ? reference.orderIds : undefined,
    },
  }
}

function outcomeOf(entry: EntryFacts, reference: OrderReference, registration: BankPaymentRegistration): ImportedEntry {
  const result = (orderId: string | null, outcome: EntryOutcome, reason: string | null): ImportedEntry => ({ entryRef: entry.entryRef, amountCents: entry.amountCents, orderId, outcome, reason })
  if (registration.replayed) return result(registration.orderId, 'ignored', 'already_imported')
  switch (registration.outcome) {
    case 'paid':
      return result(registration.orderId, 'registered', null)
    case 'duplicate':
      return result(registration.orderId, 'duplicate', registration.reason ?? 'order_already_paid')
    case 'held':
      return result(registration.orderId, 'held', registration.reason ?? null)
    case 'unknownOrder':
      return result(null, 'held', unknownReason(reference))
  }
}

function unknownReason(reference: OrderReference): string {
  switch (reference.kind) {
    case 'match':
      return `unknown_order:${formatOrderId(reference.orderId)}`
    case 'typo':
      return `probable_typo:${formatOrderId(reference.candidate)}`
    case 'ambiguous':
      return `several_order_ids:${reference.orderIds.map(formatOrderId).join(',')}`
    case 'none':
      return 'no_order_id'
  }
}

/** A DBIT reversal: the bank took back a credit; undo what that credit did. */
async function reverseEntry(
  tx: Tx,
  entry: StatementEntry,
  key: string,
  reference: OrderReference,
  actor: Actor,
  now: Date,
): Promise<ImportedEntry> {
  const base = { entryRef: entry.entryRef, amountCents: entry.amountCents }
  const reversalReference = `${key}/reversal`
  const earlier = await findReversal(tx, BANK_TRANSFER, reversalReference)
  if (earlier) return { ...base, orderId: earlier.orderId, outcome: 'ignored', reason: 'already_imported' }
  const original = await findReversalOriginal(tx, {
    method: BANK_TRANSFER,
    ...(entry.bankRef ? { sameReference: key } : {}),
    account: entry.account,
    amountCents: entry.amountCents,
    ...(entry.endToEndId ? { endToEndId: entry.endToEndId } : {}),
    ...(reference.kind === 'match' ? { orderId: reference.orderId } : { orderRef: quotedOrderRef(entry, reference) }),
  })
  const reversal = await reversePaymentInTransaction(
    tx,
    {
      method: BANK_TRANSFER,
      reference: original?.reference ?? `unmatched:${reversalReference}`,
      reversalReference,
      amountCents: entry.amountCents,
      actor,
      raw: { account: entry.account, entryRef: entry.entryRef, bookingDate: entry.bookingDate, remittanceText: entry.remittanceText },
    },
    now,
  )
  return reversalResult(base, reversal)
}

function reversalResult(base: { entryRef: string; amountCents: number }, reversal: PaymentReversal): ImportedEntry {
  switch (reversal.outcome) {
    case 'unpaid':
    case 'refund_cancelled':
    case 'recorded':
      return { ...base, orderId: reversal.orderId, outcome: 'registered', reason: `reversal:${reversal.outcome}` }
    case 'held':
      return { ...base, orderId: reversal.orderId, outcome: 'held', reason: `reversal:${reversal.reason}` }
    case 'unmatched':
      return { ...base, orderId: null, outcome: 'held', reason: 'reversal:original_not_found' }
  }
}

/** registerPayment itself, entry by entry, each in a savepoint of the import's transaction. */
async function registerOneByOne(deps: Deps, tx: Tx, inputs: IncomingPayment[]): Promise<PaymentRegistration[]> {
  const inner: Deps = { ...deps, db: tx as unknown as Db }
  const registrations: PaymentRegistration[] = []
  for (const input of inputs) registrations.push(await registerPayment(inner, input))
  return registrations
}

function isDeadlock(error: unknown): boolean {
  for (let e = error as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '40P01') return true
  }
  return false
}
