import type { Actor } from '../../db/audit'
import type { Deps } from '../../deps'
import * as imports from '../../payments/imports/queries'
import { reportRun } from '../../payments/imports/report'
import type { ImportedEntry, StatementImport } from '../../payments/imports/staged-entry'
import { readPosteReport, type PosteSlipRecord } from '../../payments/postal/poste-report'
import { stageSlip } from '../../payments/postal/stage-slip'
import { settleImport, type SettleOptions } from './settle-import'
import { storeImport } from './store-import'

/**
 * One slip of the report, in the shape `statements import` reports a bank entry (issue 4), plus
 * where the slip sits in Poste's file.
 */
export interface SlipResult extends ImportedEntry {
  /** The slip's stable reference: postal account, payment date, Poste's two sequence numbers. */
  entryRef: string
  line: number
  documentType: string
  paidOn: string
  /**
   * Why held, duplicate or ignored: amount_mismatch, mailbox_ceased, order_lapsed,
   * order_already_paid (from settlement); unknown_order:ID, invalid_codice_cliente,
   * no_order_id, probable_typo:ID (a candidate, never matched automatically), several_order_ids:ID,ID
   * (from the slip); unsupported_document_type, zero_amount, other_postal_account, and
   * already_imported (R8: seen in an earlier import). null when registered.
   */
  reason: string | null
}

/** The JSON of `slips import --json`: the keys of `statements import`. */
export interface SlipImport extends StatementImport {
  results: SlipResult[]
}

export interface ImportSlipsOptions extends SettleOptions {
  actor: Actor // operator:NAME or system:…
  /** When given, slips credited to another postal account are ignored rather than registered. */
  postalAccount?: string
  fileName?: string
}

/**
 * Imports Poste's payments report (R4, R8) as a statement is imported: stored first, whole (a
 * truncated or malformed report is refused and stores nothing), then settled in short batches
 * (settleImport). A TD 896 finds its order by codice cliente, a TD 674 by the order ID in its
 * causale (stageSlip). Each slip is registered under its stable reference, so importing the same
 * report twice, or two reports that overlap, registers each slip once (a slip seen before is
 * reported as ignored, already_imported); an import stopped half-way is completed by running it
 * again.
 */
export async function importSlips(deps: Deps, filePath: string, options: ImportSlipsOptions): Promise<SlipImport> {
  const stored = await storeImport(
    deps,
    { path: filePath, fileName: options.fileName, format: 'poste', scope: `account:${options.postalAccount ?? ''}`, actor: options.actor },
    async function* () {
      for await (const slip of readPosteReport(filePath)) yield stageSlip(slip, options)
    },
    options.onProgress,
  )
  const settledByRun = await settleImport(deps, stored.importId, options)
  const { entries, batches } = await imports.readEntriesWithResults(deps.db, stored.importId, true)
  return reportRun(entries, batches, settledByRun, (entry, result) => slipResult(entry.facts as { poste: PosteSlipRecord }, result))
}

/** A slip's result with where it sits in Poste's file. */
export function slipResult(facts: { poste: PosteSlipRecord }, result: ImportedEntry): SlipResult {
  const { line, documentType, paidOn } = facts.poste
  return { ...result, line, documentType, paidOn }
}
