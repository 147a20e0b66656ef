import { Option } from 'commander'
import { formatOrderId, type OrderId } from '../../core/order-id'
import type { StatementImport } from '../../payments/offline/import-statement'
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
    .option('--json', t('option.json'))
    .action(async (file: string, opts) => {
      const { importStatement } = await import('../../payments/offline/import-statement')
      await withDeps(cli, async (deps) => {
        const result = await importStatement(deps, file, { format: opts.format, actor: cli.actor }).catch(refusedFile(cli))
        const describe = await importSummary(cli)
        cli.print(opts.json, result, () => describe(result))
      }, { longRun: true })
    })
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
    throw new UsageError(`${message} (${detail})`)
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
          `  ${outcomes[i]}  ${r.entryRef}  ${cli.euro(r.amountCents)}  ${r.orderId ? formatOrderId(r.orderId as OrderId) : '—'}  ${describeReason(r.reason, lang)}`,
      ),
      ...cli.moreLines(toCheck.length),
    ].join('\n')
  }
}
