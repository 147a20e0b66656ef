import { Option } from 'commander'
import type { OutboxStatus } from '../../notifications/list-outbox'
import { withDeps, withServices, type CommandGroup } from '../context'
import { positiveInteger } from '../options'
import { padColumn, UsageError } from '../output'
import { outboxActionCommands } from './office'

/** `outbox list | send`: the outgoing e-mail, and its delivery over SMTP_URL. */
export const outboxCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  const outbox = program.command('outbox').description(t('outbox.description'))
  outboxActionCommands(outbox, cli)
  outbox
    .command('list')
    .description(t('outboxList.description'))
    .addOption(new Option('--status <status>', t('outboxList.status')).choices(['pending', 'sent', 'failed']))
    .option('--limit <n>', t('outboxList.limit'), positiveInteger(t, '--limit'), 50)
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const { listOutbox } = await import('../../notifications/list-outbox')
      await withDeps(cli, async (deps) => {
        const rows = await listOutbox(deps.db, { status: opts.status as OutboxStatus | undefined, limit: opts.limit })
        cli.print(opts.json, rows, () => {
          const statuses = padColumn(rows.map((r) => t(`outboxStatus.${r.status}`)))
          return rows.length
            ? rows
                .map((r, i) => `${String(r.id).padStart(6)}  ${statuses[i]}  ${cli.instant(r.createdAt)}  ${r.recipient}  ${r.subject}${r.lastError ? `  [${r.lastError}]` : ''}`)
                .join('\n')
            : t('outboxList.empty')
        })
      })
    })
  outbox
    .command('send')
    .description(t('outboxSend.description'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const [{ dispatchOutbox }, { smtpTransport }, { refuseWithoutProvider }] = await Promise.all([
        import('../../notifications/dispatch-outbox'),
        import('../../notifications/transport'),
        import('./serve'),
      ])
      await withServices(cli, async ({ deps, config, mail }) => {
        if (!config.smtpUrl) throw new UsageError(t('outboxSend.noSmtp'))
        refuseWithoutProvider(cli, config) // every e-mail names the provider and its support address
        const transport = smtpTransport(config.smtpUrl, config.mailFrom)
        try {
          const result = await dispatchOutbox(deps, transport, mail)
          cli.print(opts.json, result, () => t('outboxSend.done', { sent: result.sent, retried: result.retried, failed: result.failed }))
        } finally {
          await transport.close?.()
        }
      })
    })
}
