import { centsToDecimal } from '../../core/money'
import { formatOrderId } from '../../core/order-id'
import type { PaymentMethod } from '../../renewals/schema'
import { withDeps, withServices, type CommandGroup } from '../context'
import { amountOption, dateOption, methodOption, positiveInteger } from '../options'
import { UsageError } from '../output'

/**
 * `payment register | refund | held | resolve | refunds`: money an operator registers by hand (R4,
 * R8), the payments waiting for an operator and their resolution (issue 11), and what is due back.
 */
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
    .option('--date <YYYY-MM-DD>', t('paymentRefund.date'), dateOption(t, '--date'))
    .option('--cro <ref>', t('paymentRefund.cro'))
    .option('--iban <iban>', t('paymentRefund.iban'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const [{ refundPayment }, { businessDate }] = await Promise.all([import('../../payments/refund-payment'), import('../../core/calendar')])
      if ((opts.date || opts.iban) && !opts.cro) throw new UsageError(t('paymentRefund.croRequired'))
      await withServices(cli, async ({ deps, gateways }) => {
        const bankTransfer = opts.cro
          ? { transferRef: opts.cro as string, refundedOn: opts.date ?? businessDate(deps.clock.now(), deps.config.businessTimeZone), ...(opts.iban ? { iban: opts.iban as string } : {}) }
          : undefined
        const refund = await refundPayment(deps, gateways, { paymentId: opts.payment, actor: cli.actor, ...(bankTransfer ? { bankTransfer } : {}) })
        const result = { ...refund, orderId: refund.orderId && formatOrderId(refund.orderId), amount: centsToDecimal(refund.amountCents) }
        cli.print(
          opts.json,
          result,
          () =>
            t(result.replayed ? 'paymentRefund.replayed' : 'paymentRefund.done', { paymentId: result.paymentId, amount: cli.euro(refund.amountCents) }) +
            (result.orderId ? t('paymentRefund.order', { orderId: result.orderId }) : '') +
            (result.gateway
              ? t('paymentRefund.gateway', { gateway: result.gateway, refundRef: result.refundRef ?? '' })
              : result.refundRef
                ? t('paymentRefund.bank', { refundRef: result.refundRef })
                : t('paymentRefund.offline')),
        )
      })
    })
  payment
    .command('held')
    .description(t('paymentHeld.description'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const [{ listHeldPayments }, { describeReason }] = await Promise.all([import('../../payments/held/list-held'), import('../../web/admin/import-view')])
      await withDeps(cli, async (deps) => {
        const held = await listHeldPayments(deps.db)
        cli.print(opts.json, held, () =>
          held.length === 0
            ? t('paymentHeld.none')
            : held
                .map((h) =>
                  t('paymentHeld.line', {
                    id: h.id,
                    amount: cli.euro(h.amountCents),
                    date: h.paidOn ? cli.day(h.paidOn) : cli.instant(new Date(h.receivedAt)),
                    payer: h.payer ?? '—',
                    causale: h.causale,
                    reason: describeReason(h.reason, cli.lang),
                    where: h.file ? t('paymentHeld.where', { file: h.file, line: h.line ?? '' }) : h.source,
                  }),
                )
                .join('\n'),
        )
      })
    })
  payment
    .command('resolve')
    .description(t('paymentResolve.description'))
    .argument('<entry>', t('paymentResolve.entry'), positiveInteger(t, 'ENTRY'))
    .option('--order <id>', t('paymentResolve.order'))
    .option('--not-ours', t('paymentResolve.notOurs'))
    .option('--accept-difference', t('paymentResolve.acceptDifference'))
    .requiredOption('--reason <text>', t('paymentResolve.reason'))
    .option('--json', t('option.json'))
    .action(async (entry: number, opts) => {
      if (Boolean(opts.order) === Boolean(opts.notOurs)) throw new UsageError(t('paymentResolve.orderOrNotOurs'))
      await withDeps(cli, async (deps) => {
        if (opts.notOurs) {
          const { markNotOurs } = await import('../../payments/held/resolve-held')
          const done = await markNotOurs(deps, { paymentId: entry, reason: opts.reason, actor: cli.actor })
          cli.print(opts.json, { ...done, resolution: 'not_ours' }, () => t('paymentResolve.notOursDone', { id: entry, amount: cli.euro(done.refundCents) }))
          return
        }
        const { assignHeldPayment } = await import('../../flows/assign-payment')
        const done = await assignHeldPayment(deps, { paymentId: entry, orderRef: opts.order, reason: opts.reason, acceptDifference: Boolean(opts.acceptDifference), actor: cli.actor })
        const result = { ...done, resolution: 'assigned', orderId: formatOrderId(done.orderId) }
        cli.print(
          opts.json,
          result,
          () =>
            t('paymentResolve.assigned', { id: entry, orderId: result.orderId, amount: cli.euro(done.appliedCents), expiresOn: done.expiresOn ? cli.day(done.expiresOn) : '' }) +
            (done.acceptedDifferenceCents ? t('paymentResolve.accepted', { amount: cli.euro(done.acceptedDifferenceCents) }) : '') +
            (done.refundDueCents ? t('paymentResolve.refundDue', { amount: cli.euro(done.refundDueCents) }) : ''),
        )
      })
    })
  payment
    .command('refunds')
    .description(t('paymentRefunds.description'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const [{ listRefundsDue }, { describeReason }] = await Promise.all([import('../../payments/held/list-held'), import('../../web/admin/import-view')])
      await withDeps(cli, async (deps) => {
        const due = await listRefundsDue(deps.db)
        cli.print(opts.json, due, () =>
          due.length === 0
            ? t('paymentRefunds.none')
            : due
                .map((r) =>
                  t('paymentRefunds.line', {
                    id: r.id,
                    amount: cli.euro(r.refundCents),
                    payer: r.payer ?? '—',
                    reason: describeReason(r.refundReason, cli.lang),
                    how: r.gateway ? t('paymentRefunds.gateway', { gateway: r.gateway }) : t('paymentRefunds.bank'),
                  }),
                )
                .join('\n'),
        )
      })
    })
}
