import { DomainError } from '../../core/errors'
import { formatOrderId } from '../../core/order-id'
import { withServices, type CommandGroup } from '../context'
import { methodOption, positiveInteger } from '../options'
import { orderActionCommands } from './office'

/** `order create`: an order placed for a holder on the phone (resumes the open one, R3). */
export const orderCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  const order = program.command('order').description(t('order.description'))
  orderActionCommands(order, cli)
  order
    .command('create')
    .description(t('orderCreate.description'))
    .requiredOption('--mailbox <address>', t('orderCreate.mailbox'))
    .requiredOption('--years <n>', t('orderCreate.years'), positiveInteger(t, '--years'))
    .addOption(methodOption(t))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const [{ requireOfferedMethod }, { placeOrder }, { findMailboxByAddress }] = await Promise.all([
        import('../../payments/offered-methods'),
        import('../../renewals/place-order'),
        import('../../accounts/queries'),
      ])
      await withServices(cli, async ({ deps, mail }) => {
        const method = requireOfferedMethod(mail.methods, opts.method)
        // the operator names the mailbox by its address, any case; the order is placed on its id
        const mailbox = await findMailboxByAddress(deps.db, opts.mailbox)
        if (!mailbox) throw new DomainError('mailbox_not_found', opts.mailbox)
        const order = await placeOrder(deps, { mailboxId: mailbox.id, years: opts.years, method, actor: cli.actor })
        const out = {
          orderId: formatOrderId(order.orderId),
          totalCents: order.totalCents,
          extendsFrom: order.extendsFrom,
          newExpiresOn: order.newExpiresOn,
          resumed: order.resumed,
        }
        cli.print(opts.json, out, () =>
          t(order.resumed ? 'orderCreate.resumed' : 'orderCreate.placed', {
            orderId: out.orderId,
            years: cli.years(order.years),
            total: cli.euro(order.totalCents),
            net: cli.euro(order.netCents),
            vat: cli.euro(order.vatCents),
            method: t(`method.${order.method}`),
            from: cli.day(order.extendsFrom),
            to: cli.day(order.newExpiresOn),
          }),
        )
      })
    })
}
