import type { Endpoint } from '../../events/endpoints'
import { withDeps, type Cli, type CommandGroup } from '../context'
import { UsageError } from '../output'

/** `webhook add | list | enable | disable | delete | deliveries | deliver`: the endpoints events go to (issue 15, docs/webhooks.md), each change audited. */
export const webhookCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  const webhook = program.command('webhook').description(t('webhook.description'))
  const endpointId = (text: string) => {
    if (!/^\d{1,15}$/.test(text)) throw new UsageError(t('webhook.badId', { id: text }))
    return Number(text)
  }
  webhook
    .command('add')
    .description(t('webhookAdd.description'))
    .requiredOption('--url <url>', t('webhookAdd.url'))
    .requiredOption('--events <types>', t('webhookAdd.events'))
    .option('--convention <code>', t('webhookAdd.convention'))
    .option('--description <text>', t('webhookAdd.note'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const { addEndpoint } = await import('../../events/endpoints')
      await withDeps(cli, async (deps) => {
        const { endpoint, secret } = await addEndpoint(deps, { url: opts.url, eventTypes: String(opts.events).split(','), conventionCode: opts.convention, description: opts.description, actor: cli.actor })
        cli.print(opts.json, { ...endpoint, secret }, () => [describeEndpoint(cli, endpoint), t('webhookAdd.secret', { secret })].join('\n'))
      })
    })
  webhook
    .command('list')
    .description(t('webhookList.description'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const { listEndpoints } = await import('../../events/endpoints')
      await withDeps(cli, async (deps) => {
        const rows = await listEndpoints(deps.db)
        cli.print(opts.json, rows, () => (rows.length ? rows.map((e) => describeEndpoint(cli, e)).join('\n') : t('webhookList.none')))
      })
    })
  for (const [name, key] of [['enable', 'webhookEnable'], ['disable', 'webhookDisable']] as const) {
    webhook
      .command(`${name} <id>`)
      .description(t(`${key}.description`))
      .option('--json', t('option.json'))
      .action(async (id: string, opts) => {
        const { enableEndpoint, disableEndpoint } = await import('../../events/endpoints')
        await withDeps(cli, async (deps) => {
          const change = name === 'enable' ? enableEndpoint : disableEndpoint
          const endpoint = await change(deps, { id: endpointId(id), actor: cli.actor })
          cli.print(opts.json, endpoint, () => describeEndpoint(cli, endpoint))
        })
      })
  }
  webhook
    .command('delete <id>')
    .description(t('webhookDelete.description'))
    .option('--json', t('option.json'))
    .action(async (id: string, opts) => {
      const { deleteEndpoint } = await import('../../events/endpoints')
      await withDeps(cli, async (deps) => {
        await deleteEndpoint(deps, { id: endpointId(id), actor: cli.actor })
        cli.print(opts.json, { deleted: Number(id) }, () => t('webhookDelete.done', { id }))
      })
    })
  webhook
    .command('deliveries <id>')
    .description(t('webhookDeliveries.description'))
    .option('--json', t('option.json'))
    .action(async (id: string, opts) => {
      const { listDeliveries } = await import('../../events/endpoints')
      await withDeps(cli, async (deps) => {
        const rows = await listDeliveries(deps.db, endpointId(id))
        cli.print(opts.json, rows, () =>
          rows.length
            ? rows
                .map((d) => `${String(d.id).padStart(7)}  evt_${d.eventId}  ${d.type}  ${t(`webhookStatus.${d.status}`)}  ${t('webhookDeliveries.attempts', { attempts: d.attempts })}${d.lastStatus ? `  HTTP ${d.lastStatus}` : ''}${d.lastError ? `  [${d.lastError}]` : ''}${d.nextAttemptAt ? `  → ${cli.instant(d.nextAttemptAt)}` : ''}`)
                .join('\n')
            : t('webhookDeliveries.none'),
        )
      })
    })
  webhook
    .command('deliver')
    .description(t('webhookDeliver.description'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const { deliverEvents } = await import('../../events/deliver-events')
      await withDeps(cli, async (deps) => {
        const totals = await deliverEvents(deps)
        cli.print(opts.json, totals, () => t('webhookDeliver.done', { ...totals }))
      })
    })
}

function describeEndpoint(cli: Cli, e: Endpoint): string {
  const { t } = cli
  const state = e.enabled ? t('webhook.enabled') : t(e.disabledReason === 'failures' ? 'webhook.disabledFailures' : 'webhook.disabledAdmin')
  return `${String(e.id).padStart(5)}  ${e.url}  [${state}]  ${e.conventionCode ?? t('webhook.allConventions')}  ${e.eventTypes.join(',')}  ${t('webhook.counts', { pending: e.pending, failed: e.failed })}`
}
