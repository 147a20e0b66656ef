import { withDeps, type CommandGroup } from '../context'
import { batchSizeOption, importProgress, importSummary, refusedFile } from './statements'

/** `slips import`: register the postal slips of Poste Italiane's payments report (TD 896, TD 674). */
export const slipsCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  program
    .command('slips')
    .description(t('slips.description'))
    .command('import <file>')
    .description(t('slipsImport.description'))
    .addOption(batchSizeOption(cli))
    .option('--json', t('option.json'))
    .action(async (file: string, opts) => {
      const { importSlips } = await import('../../flows/imports/import-slips')
      await withDeps(cli, async (deps) => {
        const progress = importProgress(cli)
        const result = await importSlips(deps, file, { actor: cli.actor, batchSize: opts.batchSize, onProgress: progress.update })
          .catch(refusedFile(cli))
          .finally(() => progress.done())
        const describe = await importSummary(cli)
        cli.print(opts.json, result, () => describe(result))
      }, { longRun: true })
    })
}
