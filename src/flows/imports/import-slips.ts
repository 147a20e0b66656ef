import type { Actor } from '../../db/audit'
import type { Deps } from '../../deps'
import { readPosteReport } from '../../payments/postal/poste-report'
import { stageSlip } from '../../payments/postal/stage-slip'
import { reportImport, type SlipImport } from './report-import'
import { settleImport, type ImportProgress, type SettleOptions } from './settle-import'
import { storeImport, type StoredImport } from './store-import'

export type { SlipImport, SlipResult } from './report-import'

export interface StoreSlipsOptions {
  actor: Actor // operator:NAME or system:…
  /** When given, slips credited to another postal account are ignored rather than registered. */
  postalAccount?: string
  fileName?: string
  onProgress?: (progress: ImportProgress) => void | Promise<void>
}

export type ImportSlipsOptions = StoreSlipsOptions & SettleOptions

/**
 * Imports Poste's payments report (R4, R8) as a statement is imported: stored first, whole
 * (storeSlips: a truncated or malformed report is refused and stores nothing), then settled in
 * short batches (settleImport). Each slip is registered under its stable reference, so importing
 * the same report twice, or two reports that overlap, registers each slip once (a slip seen before
 * is reported as ignored, already_imported); an import stopped half-way is completed by running
 * it again.
 */
export async function importSlips(deps: Deps, filePath: string, options: ImportSlipsOptions): Promise<SlipImport> {
  const { importId } = await storeSlips(deps, filePath, options)
  const settledByRun = await settleImport(deps, importId, options)
  return (await reportImport(deps.db, importId, settledByRun)) as SlipImport
}

/** Store first (issue 10): each slip of the report, in one pass and one transaction (stageSlip). */
export async function storeSlips(deps: Deps, filePath: string, options: StoreSlipsOptions): Promise<StoredImport> {
  return storeImport(
    deps,
    { path: filePath, fileName: options.fileName, format: 'poste', scope: `account:${options.postalAccount ?? ''}`, actor: options.actor },
    async function* () {
      for await (const slip of readPosteReport(filePath)) yield stageSlip(slip, options)
    },
    options.onProgress,
  )
}
