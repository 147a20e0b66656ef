import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { basename } from 'node:path'
import { CsvError, parse } from 'csv-parse'
import { DomainError } from '../core/errors'
import { auditReason } from '../core/audit-text'
import type { Deps } from '../deps'
import type { Tx } from '../db/client'
import { accountFingerprint, parseMailboxRow, readHeader, type ColumnLayout, type MailboxRow } from './mailbox-csv'
import * as queries from './queries'

export interface ImportOptions {
  /** Validate and count what would change, then roll everything back. */
  dryRun?: boolean
  /** Import the valid rows even when some are bad (the bad ones are still reported). */
  skipInvalid?: boolean
  /** Who imports, for the audit log (R9): operator:NAME. */
  actor: string
  /** Rows of the file read so far (valid or not), every thousand rows and at the end. */
  onProgress?: (rowsDone: number) => void
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

/**
 * Loads or syncs mailboxes from the mail platform's CSV export (issue 2: `import mailboxes`).
 * One streaming pass, so a file of a million rows is never held in memory: every row is
 * validated, and the valid ones are written in batches inside one transaction. When a row is bad
 * (and not `skipInvalid`) writing stops, the rest is only validated, and the transaction is
 * rolled back: nothing is imported, every bad row is reported. A dry run always rolls back.
 * Re-importing updates by address (accounts by ID); rows identical to the stored data count as
 * unchanged and are not touched. A blank status, register, language or password hash keeps the
 * stored value (a new mailbox gets active, none, it). A header that does not match the expected
 * columns, or a file that is not CSV, throws DomainError('invalid_input') naming the line.
 */
export async function importMailboxes(deps: Deps, filePath: string, options: ImportOptions): Promise<ImportResult> {
  const conventions = await queries.conventionCodes(deps.db)
  const stamp = { at: deps.clock.now(), actor: options.actor, reason: auditReason('mailbox_import', basename(filePath)) }
  let result: ImportResult
  try {
    result = await deps.db.transaction(async (tx) => {
      await queries.lockMailboxImport(tx)
      const read = await importRows(tx, filePath, conventions, stamp, options)
      if (options.dryRun || (read.invalid.length > 0 && !options.skipInvalid)) throw new Rollback(read)
      return read
    })
  } catch (error) {
    if (!(error instanceof Rollback)) throw error
    result = error.result
  }
  if (result.invalid.length > 0 && !options.skipInvalid) return { imported: 0, updated: 0, unchanged: 0, invalid: result.invalid }
  return result
}

/** Thrown to roll back a dry run, or an import with bad rows, once its result is known. */
class Rollback extends Error {
  constructor(readonly result: ImportResult) {
    super('rolled back')
  }
}

async function importRows(
  tx: Tx,
  filePath: string,
  conventions: Map<string, string>,
  stamp: queries.AuditStamp,
  options: ImportOptions,
): Promise<ImportResult> {
  const result: ImportResult = { imported: 0, updated: 0, unchanged: 0, invalid: [] }
  const changedAccounts = new Set<string>() // a row whose holder data changed is an updated row
  await queries.createImportScratch(tx)
  let pending: ReadRowOk[] = []
  const flush = async () => {
    const accepted = await acceptRows(tx, pending, result.invalid)
    pending = []
    // with a bad row and no skipInvalid everything is rolled back: only validate the rest
    if (accepted.length === 0 || (result.invalid.length > 0 && !options.skipInvalid)) return
    const rows = accepted.map((candidate) => candidate.row)
    const accounts = new Map(rows.map((row) => [row.accountId, row]))
    for (const id of await queries.upsertAccounts(tx, [...accounts.values()], stamp.at)) changedAccounts.add(id)
    const written = await queries.upsertMailboxes(tx, rows, stamp)
    const touched = new Set([...written.inserted, ...written.updated])
    result.imported += written.inserted.length
    result.updated += written.updated.length
    for (const row of rows) {
      if (touched.has(row.address)) continue
      if (changedAccounts.has(row.accountId)) result.updated++
      else result.unchanged++
    }
  }
  let rowsDone = 0
  for await (const read of readRows(filePath, conventions)) {
    if (read.row) pending.push(read)
    else result.invalid.push({ line: read.line, reason: read.reason })
    if (pending.length === BATCH_ROWS) await flush()
    if (++rowsDone % BATCH_ROWS === 0) options.onProgress?.(rowsDone)
  }
  await flush()
  options.onProgress?.(rowsDone)
  result.invalid.sort((a, b) => a.line - b.line)
  return result
}

/**
 * What a row cannot tell alone: an address repeated in the file, or an account whose rows
 * disagree on the holder. Earlier batches are remembered in the import's scratch tables, not in
 * memory; the rows refused are added to `invalid`.
 */
async function acceptRows(tx: Tx, candidates: ReadRowOk[], invalid: InvalidRow[]): Promise<ReadRowOk[]> {
  if (candidates.length === 0) return []
  const earlier = await queries.findEarlierRows(
    tx,
    candidates.map((c) => c.row.address),
    candidates.map((c) => c.row.accountId),
  )
  const accepted: ReadRowOk[] = []
  const newAccounts: Array<{ id: string; line: number; holder: string }> = []
  for (const candidate of candidates) {
    const { line, row } = candidate
    const firstLine = earlier.addresses.get(row.address)
    if (firstLine !== undefined) {
      invalid.push({ line, reason: `address ${JSON.stringify(row.address)} already appears on line ${firstLine}` })
      continue
    }
    const holder = accountFingerprint(row)
    const account = earlier.accounts.get(row.accountId)
    if (account && account.holder !== holder) {
      invalid.push({
        line,
        reason:
          `account_id ${JSON.stringify(row.accountId)} has holder data different from line ${account.line}: ` +
          'names, fiscal_code, reference_email, language and account_password_hash must agree on every row of an account',
      })
      continue
    }
    earlier.addresses.set(row.address, line) // later rows of this batch see it too
    if (!account) {
      earlier.accounts.set(row.accountId, { line, holder })
      newAccounts.push({ id: row.accountId, line, holder })
    }
    accepted.push(candidate)
  }
  await queries.rememberAcceptedRows(
    tx,
    accepted.map(({ line, row }) => ({ address: row.address, line })),
    newAccounts,
  )
  return accepted
}

type ReadRowOk = { line: number; row: MailboxRow; reason?: undefined }
type ReadRow = ReadRowOk | { line: number; row?: undefined; reason: string }

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
