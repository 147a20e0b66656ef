import type { Executor } from '../../db/client'
import * as imports from '../../payments/imports/queries'
import { reportRun } from '../../payments/imports/report'
import type { ImportedEntry, StatementImport } from '../../payments/imports/staged-entry'
import type { PosteSlipRecord } from '../../payments/postal/poste-report'

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

/**
 * What a run of an import reports (reportRun): the results of the batches it settled; an entry
 * settled by another run is already imported. Without `settledByRun`, the import's own results,
 * every batch as it was settled: the back office's page of the import.
 */
export async function reportImport(db: Executor, importId: number, settledByRun?: ReadonlySet<number>): Promise<StatementImport> {
  const row = (await imports.findImport(db, importId))!
  const slips = row.format === 'poste'
  const { entries, batches } = await imports.readEntriesWithResults(db, importId, slips)
  const ours = settledByRun ?? new Set(batches.map((b) => b.first))
  if (!slips) return reportRun(entries, batches, ours, (_entry, result) => result)
  return reportRun(entries, batches, ours, (entry, result): SlipResult => {
    const { line, documentType, paidOn } = (entry.facts as { poste: PosteSlipRecord }).poste
    return { ...result, line, documentType, paidOn }
  })
}
