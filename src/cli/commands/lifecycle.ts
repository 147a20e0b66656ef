import { Option } from 'commander'
import { addDays, businessDate } from '../../core/calendar'
import { withDeps, type CommandGroup } from '../context'
import { dateOption, positiveInteger } from '../options'
import { padColumn } from '../output'

/** `lifecycle run`: the daily run (R2, R5–R7), or with --dry-run tomorrow's preview, mailbox by mailbox. */
export const lifecycleCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  program
    .command('lifecycle')
    .description(t('lifecycle.description'))
    .command('run')
    .description(t('lifecycleRun.description'))
    .option('--date <YYYY-MM-DD>', t('lifecycleRun.date'), dateOption(t, '--date'))
    .option('--dry-run', t('lifecycleRun.dryRun'))
    .option('--json', t('option.json'))
    .addOption(new Option('--batch-size <n>', t('lifecycleRun.batchSize')).argParser(positiveInteger(t, '--batch-size')).default(5000).hideHelp())
    .action(async (opts) => {
      const { runLifecycle } = await import('../../lifecycle/run-lifecycle')
      await withDeps(cli, async (deps, config) => {
        // The dry run is a preview: without --date it shows what tomorrow's run would do.
        const today = businessDate(deps.clock.now(), config.businessTimeZone)
        const date = opts.date ?? (opts.dryRun ? addDays(today, 1) : today)
        const progress = cli.progress()
        const summary = await runLifecycle(deps, {
          date,
          dryRun: opts.dryRun,
          batchSize: opts.batchSize,
          onProgress: (step, s) =>
            progress.update(t('lifecycleRun.progress', { step: t(`step.${step}`), ceased: s.ceased, deactivated: s.deactivated, reminders: s.reminders })),
        })
        progress.done()
        const { dryRun, actions, ...counts } = summary
        cli.print(opts.json, dryRun ? { ...counts, actions } : counts, () => {
          const rows = actions ?? []
          const words = padColumn(rows.map((a) => t(`action.${a.action}`)))
          const addresses = padColumn(rows.map((a) => a.address))
          const expiries = padColumn(rows.map((a) => cli.day(a.expiresOn)))
          return [
            t(dryRun ? 'lifecycleRun.dryRunDone' : 'lifecycleRun.done', { ...counts, date: cli.day(date) }),
            ...rows.map(
              (a, i) =>
                t('lifecycleRun.action', { action: words[i], address: addresses[i], expiresOn: expiries[i] }) +
                (a.offsetDays === null ? '' : a.offsetDays === 1 ? t('lifecycleRun.offsetOne') : t('lifecycleRun.offset', { days: a.offsetDays })) +
                (a.registerWarning ? t('lifecycleRun.registerWarning') : ''),
            ),
          ].join('\n')
        })
      }, { longRun: true })
    })
}
