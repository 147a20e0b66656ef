import type { Actor } from '../../db/audit'
import type { Deps } from '../../deps'
import type { StatementImport } from '../../payments/imports/staged-entry'
import { detectStatementFileFormat, readStatementFile } from '../../payments/offline/read-statement'
import { stageStatementEntry } from '../../payments/offline/stage-statement-entry'
import type { StatementFormat } from '../../payments/offline/statement-entry'
import { reportImport } from './report-import'
import { settleImport, type ImportProgress, type SettleOptions } from './settle-import'
import { storeImport, type StoredImport } from './store-import'

export type { EntryOutcome, ImportedEntry, StatementImport } from '../../payments/imports/staged-entry'

export interface StoreStatementOptions {
  /** Detected from the file's first bytes when absent. */
  format?: StatementFormat
  actor: Actor // operator:NAME
  /** The name the operator knows the file by (an upload's); default the path's last part. */
  fileName?: string
  onProgress?: (progress: ImportProgress) => void | Promise<void>
}

export interface ImportStatementOptions extends StoreStatementOptions, SettleOptions {
  /** 'single' settles entry by entry: batches of one, through the same settlement. */
  registration?: 'batch' | 'single'
}

/**
 * Issue 4 and 10, bank transfers: imports a camt.053 or CBI RH statement. The file is stored first,
 * whole (storeStatement: a truncated or hostile file is refused and stores nothing), then settled in
 * short batches (settleImport): each booked credit in euro is registered as any payment is (R4:
 * paid, held, duplicate to refund, unknown order), a reversal undoes what its original did.
 * Importing the same file again resumes it where a stopped run left it, or, once settled, reports
 * every entry as already imported; a statement that overlaps an earlier one registers only what is
 * new (R8).
 */
export async function importStatement(deps: Deps, filePath: string, options: ImportStatementOptions): Promise<StatementImport> {
  const { importId } = await storeStatement(deps, filePath, options)
  const batchSize = options.registration === 'single' ? 1 : options.batchSize
  const settledByRun = await settleImport(deps, importId, { batchSize, onProgress: options.onProgress })
  return reportImport(deps.db, importId, settledByRun)
}

/**
 * Store first (issue 10): each entry of the statement, in one pass and one transaction: only booked
 * credits in euro count (the others are stored as ignored, with why); each finds its order ID in the
 * remittance text (R3) and its R8 key (stageStatementEntry).
 */
export async function storeStatement(deps: Deps, filePath: string, options: StoreStatementOptions): Promise<StoredImport> {
  const format = options.format ?? (await detectStatementFileFormat(filePath))
  return storeImport(
    deps,
    { path: filePath, fileName: options.fileName, format, scope: 'statement', actor: options.actor },
    async function* () {
      const occurrences = new Map<string, number>()
      for await (const entry of readStatementFile(filePath, format)) yield stageStatementEntry(entry, occurrences)
    },
    options.onProgress,
  )
}
