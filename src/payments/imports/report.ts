import { encodeImportReason } from './import-reason'
import type { ReportedEntry } from './queries'
import type { EntryResult, ImportedEntry, StatementImport } from './staged-entry'

/** Batches settled by one run: their first positions. */
export type SettledByRun = ReadonlySet<number>

/**
 * What a run of an import reports, entry by entry in file order: the result of each entry it
 * settled itself. An entry settled before (an earlier run of the same file, or another process
 * settling it at the same time) changed nothing now: it is reported as already imported (R8),
 * with its order; an ignored entry keeps its reason. `present` adds what a format shows of an entry.
 */
export function reportRun<T extends ImportedEntry>(
  entries: readonly ReportedEntry[],
  batches: ReadonlyArray<{ first: number; results: readonly EntryResult[] }>,
  settledByRun: SettledByRun,
  present: (entry: ReportedEntry, result: ImportedEntry) => T,
): StatementImport & { results: T[] } {
  const report = { entries: entries.length, registered: 0, held: 0, duplicates: 0, ignored: 0, results: [] as T[] }
  for (const batch of batches) {
    const ours = settledByRun.has(batch.first)
    batch.results.forEach(([outcome, reason, orderId], i) => {
      const entry = entries[batch.first + i]
      const result: ImportedEntry =
        ours || entry.kind === 'ignored'
          ? { entryRef: entry.entryRef, amountCents: entry.amountCents, orderId, outcome, reason }
          : { entryRef: entry.entryRef, amountCents: entry.amountCents, orderId, outcome: 'ignored', reason: encodeImportReason({ code: 'already_imported' }) }
      if (result.outcome === 'registered') report.registered++
      else if (result.outcome === 'held') report.held++
      else if (result.outcome === 'duplicate') report.duplicates++
      else report.ignored++
      report.results.push(present(entry, result))
    })
  }
  return report
}
