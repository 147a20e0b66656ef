import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { basename } from 'node:path'
import { CsvError, parse } from 'csv-parse'
import { DomainError } from '../core/errors'
import type { Deps } from '../deps'
import type { Tx } from '../db/client'
import { accountFingerprint, parseMailboxRow, readHeader, type ColumnLayout, type MailboxRow } from './mailbox-csv'
import * as queries from './queries'

export type ImportPhase = 'validating' | 'writing'

export interface ImportOptions {
  /** Validate and count what would change, then roll everything back. */
  dryRun?: boolean
  /** Import the valid rows even when some are bad (the bad ones are still reported). */
  skipInvalid?: boolean
  /** Who imports, for the audit log (R9): operator:NAME. */
  actor: string
  /** Rows done so far in the current pass: first the whole file is validated, then written. */
  onProgress?: (rowsDone: number, phase: ImportPhase) => void
}

export interface InvalidRow {
  /** The line of the file where the record starts; the header is line 1. */
  line: number
  reason: string
}

export interface ImportResult {
  imported: number
  updated: number
  unchanged: number
  invalid: InvalidRow[]
}

const BATCH_ROWS = 1000
const PROGRESS_EVERY = 10_000

/**
 * Loads or syncs mailboxes from the mail platform's CSV export (issue 2: `import mailboxes`).
 * Two streaming passes, so a file of a million rows is never held in memory: the first validates
 * every row, the second writes in batches inside one transaction, so a failure leaves nothing
 * half-imported. A bad row stops the whole import unless `skipInvalid`. Re-importing updates by
 * address (accounts by ID); rows identical to the stored data count as unchanged and are not
 * touched. A blank status, register, language or password hash keeps the stored value.
 * A header that does not match the expected columns throws DomainError('invalid_input').
 */
export async function importMailboxes(deps: Deps, filePath: string, options: ImportOptions): Promise<ImportResult> {
  const conventions = await queries.conventionCodes(deps.db)
  const { invalid, validRows } = await validateFile(filePath, conventions, options.onProgress)
  if (invalid.length > 0 && !options.skipInvalid) return { imported: 0, updated: 0, unchanged: 0, invalid }

  const stamp = { at: deps.clock.now(), actor: options.actor, reason: `import of ${basename(filePath)}` }
  const skipLines = new Set(invalid.map((row) => row.line))
  let counts: Counts
  try {
    counts = await deps.db.transaction(async (tx) => {
      await queries.lockMailboxImport(tx)
      const written = await writeFile(tx, filePath, conventions, skipLines, stamp, options.onProgress)
      if (written.imported + written.updated + written.unchanged !== validRows) {
        throw new Error(`${basename(filePath)} changed while it was being imported: nothing was imported`)
      }
      if (options.dryRun) throw new DryRunRollback(written)
      return written
    })
  } catch (error) {
    if (!(error instanceof DryRunRollback)) throw error
    counts = error.counts
  }
  return { ...counts, invalid }
}

interface Counts {
  imported: number
  updated: number
  unchanged: number
}

/** Thrown to roll back a dry run's transaction once its counts are known. */
class DryRunRollback extends Error {
  constructor(readonly counts: Counts) {
    super('dry run')
  }
}

interface AccountSeen {
  line: number
  fingerprint: number
}

/** Pass 1: every row, with what needs the whole file (repeated addresses, one account's rows). */
async function validateFile(
  filePath: string,
  conventions: Map<string, string>,
  onProgress: ImportOptions['onProgress'],
): Promise<{ invalid: InvalidRow[]; validRows: number }> {
  const invalid: InvalidRow[] = []
  const addresses = new Map<string, number>() // address → line of its first row
  const accounts = new Map<string, AccountSeen>()
  let rows = 0
  for await (const { line, row, reason } of readRows(filePath, conventions)) {
    if (++rows % PROGRESS_EVERY === 0) onProgress?.(rows, 'validating')
    if (!row) {
      invalid.push({ line, reason })
      continue
    }
    const firstLine = addresses.get(row.address)
    if (firstLine !== undefined) {
      invalid.push({ line, reason: `address ${JSON.stringify(row.address)} already appears on line ${firstLine}` })
      continue
    }
    const fingerprint = fnv1a(accountFingerprint(row))
    const account = accounts.get(row.accountId)
    if (account && account.fingerprint !== fingerprint) {
      invalid.push({
        line,
        reason:
          `account_id ${JSON.stringify(row.accountId)} has holder data different from line ${account.line}: ` +
          'names, fiscal_code, reference_email, language and account_password_hash must agree on every row of an account',
      })
      continue
    }
    if (!account) accounts.set(row.accountId, { line, fingerprint })
    addresses.set(row.address, line)
  }
  onProgress?.(rows, 'validating')
  return { invalid, validRows: rows - invalid.length }
}

/** Pass 2: the rows pass 1 accepted, written a batch at a time. */
async function writeFile(
  tx: Tx,
  filePath: string,
  conventions: Map<string, string>,
  skipLines: Set<number>,
  stamp: queries.AuditStamp,
  onProgress: ImportOptions['onProgress'],
): Promise<Counts> {
  const counts: Counts = { imported: 0, updated: 0, unchanged: 0 }
  const changedAccounts = new Set<string>() // a row whose holder data changed is an updated row
  let batch: MailboxRow[] = []
  const flush = async () => {
    const accounts = new Map(batch.map((row) => [row.accountId, row]))
    for (const id of await queries.upsertAccounts(tx, [...accounts.values()], stamp.at)) changedAccounts.add(id)
    const written = await queries.upsertMailboxes(tx, batch, stamp)
    const touched = new Set([...written.inserted, ...written.updated])
    counts.imported += written.inserted.length
    counts.updated += written.updated.length
    for (const row of batch) {
      if (touched.has(row.address)) continue
      if (changedAccounts.has(row.accountId)) counts.updated++
      else counts.unchanged++
    }
    batch = []
    onProgress?.(counts.imported + counts.updated + counts.unchanged, 'writing')
  }
  for await (const { line, row } of readRows(filePath, conventions)) {
    if (skipLines.has(line)) continue
    if (!row) throw new Error(`${basename(filePath)} changed while it was being imported (line ${line}): nothing was imported`)
    batch.push(row)
    if (batch.length === BATCH_ROWS) await flush()
  }
  if (batch.length > 0) await flush()
  return counts
}

type ReadRow = { line: number; row: MailboxRow; reason?: undefined } | { line: number; row?: undefined; reason: string }

/** Streams the data rows of the file, each validated on its own. */
async function* readRows(filePath: string, conventions: Map<string, string>): AsyncGenerator<ReadRow> {
  let layout: ColumnLayout | undefined
  for await (const { line, fields } of readRecords(filePath)) {
    if (!layout) {
      try {
        layout = readHeader(fields)
      } catch (error) {
        throw new DomainError('invalid_input', `${basename(filePath)}: line ${line}: ${(error as Error).message}`)
      }
      continue
    }
    const result = parseMailboxRow(fields, layout, conventions)
    yield result.ok ? { line, row: result.row } : { line, reason: result.reason }
  }
  if (!layout) throw new DomainError('invalid_input', `${basename(filePath)} is empty: expected a header row`)
}

/** CSV records with the line each starts on. Tolerates a BOM, `;` as delimiter and blank lines. */
async function* readRecords(filePath: string): AsyncGenerator<{ line: number; fields: string[] }> {
  const delimiter = await detectDelimiter(filePath)
  const parser = createReadStream(filePath).pipe(
    parse({
      bom: true,
      delimiter,
      info: true,
      relax_column_count: true, // a short or long row is that row's error, not the file's
      skip_empty_lines: true,
      skip_records_with_empty_values: true, // ";;;;" lines that spreadsheets leave at the end
      trim: true,
    }),
  )
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      // info.lines is the line where the record ends; a quoted field may span several lines
      const innerBreaks = record.reduce((sum, field) => sum + countLineBreaks(field), 0)
      yield { line: info.lines - innerBreaks, fields: record }
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines
      throw new DomainError('invalid_input', `${basename(filePath)}: line ${line}: ${error.message}`)
    }
    throw error
  }
}

/** `;` when the first line has more semicolons than commas (Italian spreadsheets export that way). */
async function detectDelimiter(filePath: string): Promise<',' | ';'> {
  let handle
  try {
    handle = await open(filePath, 'r')
  } catch (error) {
    throw new DomainError('invalid_input', `cannot read ${filePath}: ${(error as Error).message}`)
  }
  try {
    const buffer = Buffer.alloc(64 * 1024)
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
    const firstLine = buffer.toString('utf8', 0, bytesRead).split(/\r?\n/, 1)[0]
    const count = (char: string) => firstLine.split(char).length - 1
    return count(';') > count(',') ? ';' : ','
  } finally {
    await handle.close()
  }
}

function countLineBreaks(text: string): number {
  let count = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++
  return count
}

/** 32-bit FNV-1a: a small fingerprint per account instead of its whole data, for big files. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}
