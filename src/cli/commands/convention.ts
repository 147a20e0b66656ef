import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { datePhrase } from '../../core/date-phrase'
import { withDeps, type CommandGroup } from '../context'
import { dateOption } from '../options'

/**
 * `convention set | show` and `contract add` (issue 11): a real provider sets up its convention,
 * price list and contract documents without the demo. Every change audited with the reason.
 */
export const conventionCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  const convention = program.command('convention').description(t('convention.description'))
  convention
    .command('set <file>')
    .description(t('conventionSet.description'))
    .requiredOption('--reason <text>', t('option.reason'))
    .option('--json', t('option.json'))
    .action(async (file: string, opts) => {
      const [{ parseConventionFile }, { setConvention }] = await Promise.all([import('../../catalog/convention-file'), import('../../catalog/set-convention')])
      const input = parseConventionFile(await readFile(file, 'utf8'), basename(file))
      await withDeps(cli, async (deps) => {
        const result = await setConvention(deps, input, { actor: cli.actor, reason: opts.reason })
        cli.print(opts.json, result, () => {
          if (result.kind === 'unchanged') return t('conventionSet.unchanged', { code: result.code })
          const lines = [t(result.kind === 'created' ? 'conventionSet.created' : 'conventionSet.updated', { code: result.code })]
          for (const field of Object.keys(result.changes)) lines.push(`  ${t('conventionSet.changed', { field })}`)
          for (const p of result.prices) {
            lines.push(`  ${t('conventionSet.price', { years: cli.years(p.years), net: cli.euro(p.netCents), vat: String(p.vatBasisPoints / 100), from: datePhrase(p.effectiveFrom, cli.lang, 'from') })}`)
          }
          return lines.join('\n')
        })
      })
    })
  convention
    .command('show <code>')
    .description(t('conventionShow.description'))
    .option('--json', t('option.json'))
    .action(async (code: string, opts) => {
      const [{ conventionFileOf }, { showConvention }] = await Promise.all([import('../../catalog/convention-file'), import('../../catalog/set-convention')])
      await withDeps(cli, async (deps) => {
        const view = await showConvention(deps, code)
        cli.print(opts.json, conventionFileOf(view), () =>
          [
            `${view.code} — ${view.name}`,
            t('conventionShow.settings', {
              payer: t(`conventionShow.payer.${view.payer}`),
              offsets: view.reminderOffsetsDays.join(', '),
              window: view.renewableWindowDays,
              late: t(`conventionShow.late.${view.lateRenewalFrom}`),
            }),
            ...view.durationsYears.flatMap((years) =>
              view.prices
                .filter((p) => p.years === years)
                .map((p) => `  ${t('conventionSet.price', { years: cli.years(p.years), net: cli.euro(p.netCents), vat: String(p.vatBasisPoints / 100), from: datePhrase(p.effectiveFrom, cli.lang, 'from') })}`),
            ),
          ].join('\n'),
        )
      })
    })

  program
    .command('contract')
    .description(t('contract.description'))
    .command('add <file>')
    .description(t('contractAdd.description'))
    .requiredOption('--document <code>', t('contractAdd.document'))
    .option('--convention <code>', t('contractAdd.convention'))
    .requiredOption('--version <version>', t('contractAdd.version'))
    .requiredOption('--from <date>', t('contractAdd.from'), dateOption(t, '--from'))
    .requiredOption('--reason <text>', t('option.reason'))
    .option('--title-it <title>', t('contractAdd.titleIt'))
    .option('--title-en <title>', t('contractAdd.titleEn'))
    .option('--onerous', t('contractAdd.onerous'))
    .option('--json', t('option.json'))
    .action(async (file: string, opts) => {
      const { addContractVersion } = await import('../../catalog/add-contract-version')
      const body = await readFile(file, 'utf8')
      await withDeps(cli, async (deps) => {
        const result = await addContractVersion(
          deps,
          { conventionCode: opts.convention, documentCode: opts.document, version: opts.version, effectiveFrom: opts.from, body, titleIt: opts.titleIt, titleEn: opts.titleEn, onerous: opts.onerous === true },
          { actor: cli.actor, reason: opts.reason },
        )
        cli.print(opts.json, result, () =>
          t(result.kind === 'added' ? 'contractAdd.added' : 'contractAdd.unchanged', { document: result.documentCode, version: result.version, from: datePhrase(result.effectiveFrom, cli.lang, 'from') }),
        )
      })
    })
}
