import { withDeps, type CommandGroup } from '../context'
import { importSummary, refusedFile } from './statements'

/** `slips import`: register the postal slips of Poste Italiane's payments report (TD 896, TD 674). */
export const slipsCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  program
    .command('slips')
    .description(t('slips.description'))
    .command('import <file>')
    .description(t('slipsImport.description'))
    .option('--json', t('option.json'))
    .action(async (file: string, opts) => {
      const { importSlips } = await import('../../payments/postal/import-slips')
      await withDeps(cli, async (deps) => {
        const result = await importSlips(deps, file, { actor: cli.actor }).catch(refusedFile(cli))
        const describe = await importSummary(cli)
        cli.print(opts.json, result, () => describe(result))
      }, { longRun: true })
    })
}
