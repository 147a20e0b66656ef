import type { PaymentMethod } from '../../renewals/schema'
import { formatOrderId } from '../../core/order-id'
import { DomainError } from '../../core/errors'
import { describeAuditAction, describeAuditReason } from '../../core/audit-text'
import { withDeps, type CommandGroup } from '../context'
import { mailboxActionCommands } from './office'

/** `mailbox show`: what an operator on the phone needs: status, expiry, open order, history. */
export const mailboxCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  const mailbox = program.command('mailbox').description(t('mailbox.description'))
  mailboxActionCommands(mailbox, cli)
  mailbox
    .command('show <address>')
    .description(t('mailboxShow.description'))
    .option('--json', t('option.json'))
    .action(async (address: string, opts) => {
      const [{ showMailbox }, { describeReason }] = await Promise.all([import('../../flows/show-mailbox'), import('../../web/admin/import-view')])
      await withDeps(cli, async (deps) => {
        const view = await showMailbox(deps.db, address)
        if (!view) throw new DomainError('mailbox_not_found', address)
        const shown = { ...view, openOrder: view.openOrder && { ...view.openOrder, orderId: formatOrderId(view.openOrder.orderId) } }
        cli.print(opts.json, shown, () =>
          [
            t('mailboxShow.summary', {
              address: view.address,
              status: t(`status.${view.status}`),
              expiresOn: cli.day(view.expiresOn),
              accountId: view.accountId,
              convention: view.convention,
              register: t(`register.${view.register}`),
            }),
            view.openOrder
              ? t('mailboxShow.openOrder', {
                  orderId: shown.openOrder!.orderId,
                  years: cli.years(view.openOrder.years),
                  amount: cli.euro(view.openOrder.totalCents),
                  method: t(`method.${view.openOrder.method as PaymentMethod}`),
                  placedOn: cli.day(view.openOrder.placedOn),
                })
              : t('mailboxShow.noOpenOrder'),
            t('mailboxShow.history'),
            ...view.history.map((h) => {
              const reason = h.reason ? (describeAuditReason(h.reason, cli.lang) ?? describeReason(h.reason, cli.lang)) : ''
              return `  ${cli.instant(new Date(h.at))}  ${h.actor}  ${describeAuditAction(h.action, cli.lang)}${reason ? `  (${reason})` : ''}`
            }),
          ].join('\n'),
        )
      })
    })
}
