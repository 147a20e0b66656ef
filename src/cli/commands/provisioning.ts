import { withDeps, withServices, type CommandGroup } from '../context'
import { UsageError } from '../output'

/** `provisioning deliver | failed | check`: the mail platform's command queue (R12, issue 13). */
export const provisioningCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  const provisioning = program.command('provisioning').description(t('provisioning.description'))
  provisioning
    .command('deliver')
    .description(t('provisioningDeliver.description'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const { deliverProvisioningCommands } = await import('../../provisioning/deliver-commands')
      await withServices(cli, async ({ deps, platform }) => {
        if (!platform) throw new UsageError(t('provisioning.noPlatform'))
        const totals = await deliverProvisioningCommands(deps, platform)
        cli.print(opts.json, totals, () => t('provisioningDeliver.done', { ...totals }))
      })
    })
  provisioning
    .command('failed')
    .description(t('provisioningFailed.description'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const { listFailedCommands } = await import('../../provisioning/deliver-commands')
      await withDeps(cli, async (deps) => {
        const failed = await listFailedCommands(deps)
        cli.print(opts.json, failed, () =>
          failed.length
            ? failed
                .map((f) => `${String(f.id).padStart(6)}  ${cli.instant(f.createdAt)}  ${t(`platformAction.${f.action}`)}${f.mode ? ` (${t(`platformState.${f.mode}`)})` : ''}  ${f.address}  ${t('provisioningFailed.attempts', { attempts: f.attempts })}${f.lastError ? `  [${f.lastError}]` : ''}`)
                .join('\n')
            : t('provisioningFailed.none'),
        )
        if (failed.length) cli.exitCode = 1
      })
    })
  provisioning
    .command('check')
    .description(t('provisioningCheck.description'))
    .option('--fix', t('provisioningCheck.fix'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const { checkPlatformDrift } = await import('../../provisioning/check-drift')
      await withServices(cli, async ({ deps, platform }) => {
        if (!platform) throw new UsageError(t('provisioning.noPlatform'))
        const report = await checkPlatformDrift(deps, platform, { fix: !!opts.fix, actor: cli.actor })
        cli.print(opts.json, report, () =>
          [
            t('provisioningCheck.summary', { checked: report.checked, drifts: report.drifts.length, waiting: report.awaitingDelivery, unanswered: report.unanswered }),
            ...report.drifts.map(
              (d) =>
                `  ${d.address}  ${t('provisioningCheck.drift', { expected: t(`platformState.${d.expected}`), actual: t(`platformState.${d.actual}`) })}${d.queued ? `  → ${t('provisioningCheck.queued', { action: t(`platformAction.${d.queued}`) })}` : ''}`,
            ),
          ].join('\n'),
        )
        if ((report.drifts.length && !opts.fix) || report.unanswered) cli.exitCode = 1
      })
    })
}
