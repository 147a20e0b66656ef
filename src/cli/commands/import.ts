import { withDeps, type CommandGroup } from '../context'
import { MAX_LINES } from '../output'

/** `import mailboxes`: load or sync the mail platform's export; every bad row reported with its line. */
export const importCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  program
    .command('import')
    .description(t('import.description'))
    .command('mailboxes <file>')
    .description(t('importMailboxes.description'))
    .option('--dry-run', t('importMailboxes.dryRun'))
    .option('--skip-invalid', t('importMailboxes.skipInvalid'))
    .option('--json', t('option.json'))
    .action(async (file: string, opts) => {
      const { importMailboxes } = await import('../../accounts/import-mailboxes')
      await withDeps(cli, async (deps) => {
        const progress = cli.progress()
        const result = await importMailboxes(deps, file, {
          dryRun: opts.dryRun,
          skipInvalid: opts.skipInvalid,
          actor: cli.actor,
          onProgress: (rows) => progress.update(t('importMailboxes.progress', { rows: rows.toLocaleString(cli.lang === 'it' ? 'it-IT' : 'en-GB') })),
        })
        progress.done()
        cli.print(opts.json, result, () =>
          [
            t(opts.dryRun ? 'importMailboxes.dryRunDone' : 'importMailboxes.done', {
              imported: result.imported,
              updated: result.updated,
              unchanged: result.unchanged,
              invalid: result.invalid.length,
            }),
            ...result.invalid.slice(0, MAX_LINES).map((r) => t('importMailboxes.invalidRow', { line: r.line, reason: r.reason })),
            ...cli.moreLines(result.invalid.length),
          ].join('\n'),
        )
        if (result.invalid.length > 0 && !opts.skipInvalid) cli.exitCode = 1
      }, { longRun: true })
    })
}
