import { Option, type Command } from 'commander'
import { formatOrderId, type OrderId } from '../../core/order-id'
import { REGISTERS, type Register } from '../../core/vocabulary'
import { withDeps, type Cli, type CommandGroup } from '../context'
import { positiveInteger } from '../options'

// Issue 11, "Actions", on the command line: the same use cases as the back office's pages, each
// with a required --reason, audited under the operator (PEC_OPERATOR), --json on each.

/** `mailbox extend | extensions | approve-extension | reject-extension | register`. */
export function mailboxActionCommands(mailbox: Command, cli: Cli): void {
  const { t } = cli
  mailbox
    .command('extend <address>')
    .description(t('mailboxExtend.description'))
    .requiredOption('--days <n>', t('mailboxExtend.days'), positiveInteger(t, '--days'))
    .requiredOption('--reason <text>', t('option.reason'))
    .option('--json', t('option.json'))
    .action(async (address: string, opts) => {
      const { extendExpiry } = await import('../../flows/office/extend-expiry')
      await withDeps(cli, async (deps) => {
        const outcome = await extendExpiry(deps, { mailboxAddress: address, days: opts.days, reason: opts.reason, actor: cli.actor })
        cli.print(opts.json, outcome, () =>
          outcome.kind === 'pending'
            ? t('mailboxExtend.pending', { id: outcome.extensionId, days: outcome.days, address: outcome.mailboxAddress, limit: outcome.approvalDays })
            : t(outcome.reactivated ? 'mailboxExtend.reactivated' : 'mailboxExtend.applied', { address: outcome.mailboxAddress, date: cli.day(outcome.toExpiresOn) }),
        )
      })
    })
  mailbox
    .command('extensions')
    .description(t('mailboxExtensions.description'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const { pendingExtensions } = await import('../../flows/office/extend-expiry')
      await withDeps(cli, async (deps) => {
        const rows = await pendingExtensions(deps.db)
        cli.print(opts.json, rows, () =>
          rows.length
            ? rows
                .map((r) =>
                  t('mailboxExtensions.line', {
                    id: r.id,
                    address: r.mailboxAddress,
                    days: r.days,
                    expiresOn: cli.day(r.expiresOn),
                    requestedBy: r.requestedBy.replace(/^operator:/, ''),
                    requestedAt: cli.instant(r.requestedAt),
                    reason: r.reason,
                  }),
                )
                .join('\n')
            : t('mailboxExtensions.none'),
        )
      })
    })
  mailbox
    .command('approve-extension <id>')
    .description(t('mailboxApprove.description'))
    .requiredOption('--reason <text>', t('option.reason'))
    .option('--json', t('option.json'))
    .action(async (id: string, opts) => {
      const { approveExtension } = await import('../../flows/office/extend-expiry')
      const extensionId = positiveInteger(t, 'ID')(id)
      await withDeps(cli, async (deps) => {
        const done = await approveExtension(deps, { extensionId, actor: cli.actor, reason: opts.reason })
        cli.print(opts.json, done, () => t('mailboxApprove.done', { id: extensionId, address: done.mailboxAddress, date: cli.day(done.toExpiresOn) }))
      })
    })
  mailbox
    .command('reject-extension <id>')
    .description(t('mailboxReject.description'))
    .requiredOption('--reason <text>', t('option.reason'))
    .option('--json', t('option.json'))
    .action(async (id: string, opts) => {
      const { rejectExtension } = await import('../../flows/office/extend-expiry')
      const extensionId = positiveInteger(t, 'ID')(id)
      await withDeps(cli, async (deps) => {
        const done = await rejectExtension(deps, { extensionId, actor: cli.actor, reason: opts.reason })
        cli.print(opts.json, done, () => t('mailboxReject.done', { id: extensionId, address: done.mailboxAddress }))
      })
    })
  mailbox
    .command('register <address>')
    .description(t('mailboxRegister.description'))
    .addOption(new Option('--set <register>', t('mailboxRegister.set')).choices([...REGISTERS]).makeOptionMandatory())
    .requiredOption('--reason <text>', t('option.reason'))
    .option('--json', t('option.json'))
    .action(async (address: string, opts) => {
      const { setRegister } = await import('../../flows/office/holder-actions')
      await withDeps(cli, async (deps) => {
        const done = await setRegister(deps, { mailboxAddress: address, register: opts.set as Register, reason: opts.reason, actor: cli.actor })
        cli.print(opts.json, done, () => t('mailboxRegister.done', { address: done.mailboxAddress, register: t(`register.${done.to}`) }))
      })
    })
}

/** `order cancel`. */
export function orderActionCommands(order: Command, cli: Cli): void {
  const { t } = cli
  order
    .command('cancel <id>')
    .description(t('orderCancel.description'))
    .requiredOption('--reason <text>', t('option.reason'))
    .option('--json', t('option.json'))
    .action(async (id: string, opts) => {
      const { cancelOrderByOffice } = await import('../../renewals/cancel-order')
      await withDeps(cli, async (deps) => {
        const done = await cancelOrderByOffice(deps, { orderRef: id, reason: opts.reason, actor: cli.actor })
        const result = { orderId: formatOrderId(done.orderId as OrderId), status: 'cancelled' }
        cli.print(opts.json, result, () => t('orderCancel.done', { orderId: result.orderId }))
      })
    })
}

/** `outbox resend`. */
export function outboxActionCommands(outbox: Command, cli: Cli): void {
  const { t } = cli
  outbox
    .command('resend <id>')
    .description(t('outboxResend.description'))
    .requiredOption('--reason <text>', t('option.reason'))
    .option('--json', t('option.json'))
    .action(async (id: string, opts) => {
      const { resendMail } = await import('../../flows/office/resend-mail')
      const mailId = positiveInteger(t, 'ID')(id)
      await withDeps(cli, async (deps) => {
        const done = await resendMail(deps, { mailId, reason: opts.reason, actor: cli.actor })
        cli.print(opts.json, done, () => t('outboxResend.done', { mailId: done.mailId, newMailId: done.newMailId, recipient: done.recipient }))
      })
    })
}

/** `account email | unlock`: a holder's account, changed by an operator. */
export const accountCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  const account = program.command('account').description(t('account.description'))
  account
    .command('email <accountId> <email>')
    .description(t('accountEmail.description'))
    .requiredOption('--reason <text>', t('option.reason'))
    .option('--json', t('option.json'))
    .action(async (accountId: string, email: string, opts) => {
      const { changeReferenceEmail } = await import('../../flows/office/holder-actions')
      await withDeps(cli, async (deps) => {
        const done = await changeReferenceEmail(deps, { accountId, email, reason: opts.reason, actor: cli.actor })
        cli.print(opts.json, done, () => t('accountEmail.done', done))
      })
    })
  account
    .command('unlock <accountId>')
    .description(t('accountUnlock.description'))
    .requiredOption('--reason <text>', t('option.reason'))
    .option('--json', t('option.json'))
    .action(async (accountId: string, opts) => {
      const { unlockHolder } = await import('../../flows/office/holder-actions')
      await withDeps(cli, async (deps) => {
        const done = await unlockHolder(deps, { accountId, reason: opts.reason, actor: cli.actor })
        cli.print(opts.json, done, () => t('accountUnlock.done', { accountId: done.accountId, identifiers: Object.keys(done.cleared).join(', ') }))
      })
    })
}
