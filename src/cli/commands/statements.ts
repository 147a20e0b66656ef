import { Option } from 'commander'
import { formatOrderId } from '../../core/order-id'
import type { StatementImport } from '../../flows/imports/import-statement'
import type { ImportProgress } from '../../flows/imports/settle-import'
import { positiveInteger } from '../options'
import { withDeps, type Cli, type CommandGroup } from '../context'
import { MAX_LINES, padColumn, UsageError } from '../output'

/** `statements import`: register the bank transfers of a camt.053 or CBI RH statement (R4, R8). */
export const statementsCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  program
    .command('statements')
    .description(t('statements.description'))
    .command('import <file>')
    .description(t('statementsImport.description'))
    .addOption(new Option('--format <format>', t('statementsImport.format')).choices(['camt053', 'cbi-rh']))
    .addOption(batchSizeOption(cli))
    .option('--json', t('option.json'))
    .action(async (file: string, opts) => {
      const { importStatement } = await import('../../flows/imports/import-statement')
      await withDeps(cli, async (deps) => {
        const progress = importProgress(cli)
        const result = await importStatement(deps, file, { format: opts.format, actor: cli.actor, batchSize: opts.batchSize, onProgress: progress.update })
          .catch(refusedFile(cli))
          .finally(() => progress.done())
        const describe = await importSummary(cli)
        cli.print(opts.json, result, () => describe(result))
      }, { longRun: true })
    })
}

/** Entries settled per transaction: hidden, for benchmarks and tests. */
export function batchSizeOption(cli: Cli): Option {
  return new Option('--batch-size <n>', cli.t('import.batchSize')).argParser(positiveInteger(cli.t, '--batch-size')).hideHelp()
}

/** The progress line of `statements import` and `slips import` (on a terminal): entries stored, then settled of total. */
export function importProgress(cli: Cli): { update(progress: ImportProgress): void; done(): void } {
  const line = cli.progress()
  const count = (n: number) => n.toLocaleString(cli.lang === 'it' ? 'it-IT' : 'en-GB')
  return {
    update: (p) =>
      line.update(p.phase === 'storing' ? cli.t('import.storing', { stored: count(p.stored) }) : cli.t('import.settling', { settled: count(p.settled), entries: count(p.entries) })),
    done: () => line.done(),
  }
}

/** A file refused as a whole (malformed, truncated, over a limit): said in the operator's words, as the back office says it. */
export function refusedFile(cli: Cli): (error: unknown) => Promise<never> {
  return async (error) => {
    const [{ describeFileRefusal }, { StatementError }, { PosteReportError }] = await Promise.all([
      import('../../web/admin/import-view'),
      import('../../payments/offline/statement-entry'),
      import('../../payments/postal/poste-report'),
    ])
    if (!(error instanceof StatementError || error instanceof PosteReportError)) throw error
    const { message, detail } = describeFileRefusal(error, cli.lang)
    throw new UsageError(detail ? `${message} (${detail})` : message)
  }
}

/**
 * The human summary shared by `statements import` and `slips import`, in the back office's words
 * for outcomes and reasons: the totals, then the entries to check (held, duplicates).
 */
export async function importSummary(cli: Cli): Promise<(result: StatementImport) => string> {
  const [{ describeReason }, { officeMessages }] = await Promise.all([import('../../web/admin/import-view'), import('../../web/admin/messages')])
  const { t, lang } = cli
  return (result) => {
    const { entries, registered, held, duplicates, ignored } = result
    const toCheck = result.results.filter((r) => r.outcome !== 'registered' && r.outcome !== 'ignored')
    const shown = toCheck.slice(0, MAX_LINES)
    const outcomes = padColumn(shown.map((r) => officeMessages[lang][`outcome.${r.outcome}`]))
    return [
      t('entries.summary', { entries, registered, held, duplicates, ignored }),
      ...shown.map(
        (r, i) =>
          `  ${outcomes[i]}  ${r.entryRef}  ${cli.euro(r.amountCents)}  ${r.orderId ? formatOrderId(r.orderId) : '—'}  ${describeReason(r.reason, lang)}`,
      ),
      ...cli.moreLines(toCheck.length),
    ].join('\n')
  }
}
