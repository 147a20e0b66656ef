import { centsToDecimal } from '../../core/money'
import { formatOrderId } from '../../core/order-id'
import type { PaymentMethod } from '../../renewals/schema'
import { withDeps, withServices, type CommandGroup } from '../context'
import { amountOption, methodOption, positiveInteger } from '../options'

/** `payment register | refund`: money an operator registers by hand (R4, R8), and what is due back. */
export const paymentCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  const payment = program.command('payment').description(t('payment.description'))
  payment
    .command('register')
    .description(t('paymentRegister.description'))
    .requiredOption('--order <id>', t('paymentRegister.order'))
    .requiredOption('--amount <euro>', t('paymentRegister.amount'), amountOption(t, '--amount'))
    .addOption(methodOption(t))
    .requiredOption('--reference <ref>', t('paymentRegister.reference'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const [{ registerPayment }, { describeReason }] = await Promise.all([import('../../flows/register-payment'), import('../../web/admin/import-view')])
      await withDeps(cli, async (deps) => {
        const registered = await registerPayment(deps, {
          orderRef: opts.order,
          amountCents: opts.amount,
          method: opts.method as PaymentMethod,
          reference: opts.reference,
          actor: cli.actor,
        })
        const result = { ...registered, orderId: registered.orderId && formatOrderId(registered.orderId) }
        cli.print(
          opts.json,
          result,
          () =>
            (result.replayed ? t('paymentRegister.replayed') : '') +
            t(`paymentRegister.${result.outcome}`, {
              orderId: result.orderId ?? '',
              expiresOn: result.expiresOn ? cli.day(result.expiresOn) : '',
              reason: describeReason(result.reason ?? null, cli.lang),
            }),
        )
      })
    })
  payment
    .command('refund')
    .description(t('paymentRefund.description'))
    .requiredOption('--payment <id>', t('paymentRefund.payment'), positiveInteger(t, '--payment'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const { refundPayment } = await import('../../payments/refund-payment')
      await withServices(cli, async ({ deps, gateways }) => {
        const refund = await refundPayment(deps, gateways, { paymentId: opts.payment, actor: cli.actor })
        const result = { ...refund, orderId: refund.orderId && formatOrderId(refund.orderId), amount: centsToDecimal(refund.amountCents) }
        cli.print(
          opts.json,
          result,
          () =>
            t(result.replayed ? 'paymentRefund.replayed' : 'paymentRefund.done', { paymentId: result.paymentId, amount: cli.euro(refund.amountCents) }) +
            (result.orderId ? t('paymentRefund.order', { orderId: result.orderId }) : '') +
            (result.gateway ? t('paymentRefund.gateway', { gateway: result.gateway, refundRef: result.refundRef ?? '' }) : t('paymentRefund.offline')),
        )
      })
    })
}
