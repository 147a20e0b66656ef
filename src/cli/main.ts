import { Command, InvalidArgumentError, Option } from 'commander'
import { showMailbox } from '../accounts/show-mailbox'
import { importMailboxes } from '../accounts/import-mailboxes'
import { businessDate, parseCalendarDate, type CalendarDate } from '../core/calendar'
import { systemClock } from '../core/clock'
import { DomainError, errorMessage } from '../core/errors'
import { centsToDecimal, parseEuroAmount } from '../core/money'
import { formatOrderId, type OrderId } from '../core/order-id'
import { ConfigError, loadConfig, type Config } from '../config'
import { migrateDatabase, openDatabase, type Database } from '../db/client'
import { loadDemo } from '../demo/load-demo'
import { runLifecycle } from '../lifecycle/run-lifecycle'
import { dispatchOutbox } from '../notifications/dispatch-outbox'
import { addOperator, operatorPasswordProblem, operatorUsername } from '../operators/add-operator'
import { disableOperator } from '../operators/disable-operator'
import { enableOperator } from '../operators/enable-operator'
import { listOperators, type OperatorListing } from '../operators/list-operators'
import { findOperator } from '../operators/queries'
import { setOperatorPassword } from '../operators/set-operator-password'
import { listOutbox, type OutboxStatus } from '../notifications/list-outbox'
import { smtpTransport } from '../notifications/transport'
import { importStatement, type StatementImport } from '../payments/offline/import-statement'
import { importSlips } from '../payments/postal/import-slips'
import { refundPayment } from '../payments/refund-payment'
import { registerPayment } from '../payments/register-payment'
import { placeOrder } from '../renewals/place-order'
import { PAYMENT_METHODS, type PaymentMethod } from '../renewals/schema'
import { buildServices, type Services } from '../services'
import { buildServer } from '../web/server'
import { printResult, progressLine, UsageError } from './output'
import { readSecret } from './read-secret'

const OPERATOR = `operator:${process.env.PEC_OPERATOR || process.env.USER || 'cli'}`

/** Opens the configured database, migrated, and the services around it; closes it afterwards. */
async function withServices<T>(work: (services: Services, database: Database) => Promise<T>): Promise<T> {
  const config = loadConfig()
  const database = await openDatabase(config.databaseUrl)
  try {
    await migrateDatabase(database)
    return await work(buildServices(config, database, systemClock), database)
  } finally {
    await database.close()
  }
}

function parseDateOption(value: string): CalendarDate {
  try {
    return parseCalendarDate(value)
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message)
  }
}

function parsePositiveInteger(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`)
  return n
}

function parseAmount(value: string): number {
  try {
    return parseEuroAmount(value)
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message)
  }
}

const methodOption = () =>
  new Option('--method <method>', 'payment method').choices(PAYMENT_METHODS as unknown as string[]).makeOptionMandatory()

const program = new Command('pec-renewal')
  .description('Renewal of certified-email (PEC) mailboxes sold under a professional-order convention')
  .showHelpAfterError('(run with --help for usage)')

program
  .command('migrate')
  .description('apply the database migrations (the other commands also do it on start)')
  .action(() => withServices(async () => console.log('database schema up to date')))

program
  .command('demo')
  .description('load demo data: the FNOMCEO convention, demo prices, contracts and holders across the lifecycle')
  .option('--json', 'print JSON')
  .action((opts) =>
    withServices(async ({ deps }) => {
      const demo = await loadDemo(deps, OPERATOR)
      printResult(opts.json, demo, () =>
        [
          `Demo data loaded for ${demo.today} (prices are demo prices: 10.00 € + VAT a year).`,
          `Sign in with the account ID and password ${demo.accountPassword}, or the mailbox and password ${demo.mailboxPassword}:`,
          ...demo.credentials.map((c) => `  ${c.accountId}  ${c.mailbox.padEnd(38)} expires ${c.expiresOn}  ${c.status.padEnd(11)} ${c.story}`),
          `Back office (/ufficio): operator ${demo.operator.username}, password ${demo.operator.password}.`,
        ].join('\n'),
      )
    }),
  )

program
  .command('import')
  .description('bulk loads')
  .command('mailboxes <file>')
  .description("load or sync mailboxes from the mail platform's CSV export")
  .option('--dry-run', 'validate and count, write nothing')
  .option('--skip-invalid', 'import the valid rows even when some are bad')
  .option('--json', 'print JSON')
  .action((file: string, opts) =>
    withServices(async ({ deps }) => {
      const progress = progressLine()
      const result = await importMailboxes(deps, file, {
        dryRun: opts.dryRun,
        skipInvalid: opts.skipInvalid,
        actor: OPERATOR,
        onProgress: (rows) => progress.update(`${rows.toLocaleString('it-IT')} rows`),
      })
      progress.done()
      printResult(opts.json, result, () =>
        [
          `${opts.dryRun ? 'Dry run: would import' : 'Imported'} ${result.imported}, updated ${result.updated}, unchanged ${result.unchanged}, invalid ${result.invalid.length}`,
          ...result.invalid.slice(0, 50).map((r) => `  line ${r.line}: ${r.reason}`),
          ...(result.invalid.length > 50 ? [`  … and ${result.invalid.length - 50} more (use --json for all)`] : []),
        ].join('\n'),
      )
      if (result.invalid.length > 0 && !opts.skipInvalid) process.exitCode = 1
    }),
  )

program
  .command('lifecycle')
  .description('the daily run')
  .command('run')
  .description('reminders (R2), deactivations (R5), cessations (R6) and register warnings (R7) for one Europe/Rome date')
  .option('--date <YYYY-MM-DD>', 'the business date to run for (default: today in Europe/Rome)', parseDateOption)
  .option('--dry-run', 'change nothing; list what the run would do, mailbox by mailbox')
  .option('--json', 'print JSON')
  .addOption(new Option('--batch-size <n>', 'rows per transaction').argParser(parsePositiveInteger).default(5000).hideHelp())
  .action((opts) =>
    withServices(async ({ deps }) => {
      const date = opts.date ?? businessDate(deps.clock.now(), deps.config.businessTimeZone)
      const progress = progressLine()
      const summary = await runLifecycle(deps, {
        date,
        dryRun: opts.dryRun,
        batchSize: opts.batchSize,
        onProgress: (step, s) => progress.update(`${step}: ${s.ceased} ceased, ${s.deactivated} deactivated, ${s.reminders} reminders`),
      })
      progress.done()
      const { dryRun, actions, ...counts } = summary
      printResult(opts.json, dryRun ? { ...counts, actions } : counts, () =>
        [
          `${dryRun ? 'Dry run for' : 'Lifecycle run for'} ${date}: ${counts.reminders} reminders, ${counts.deactivated} deactivated, ${counts.ceased} ceased, ${counts.registerWarnings} register warnings, ${counts.skippedReminders} skipped reminders`,
          ...(actions ?? []).map(
            (a) => `  ${a.action.padEnd(10)} ${a.address}  expires ${a.expiresOn}${a.offsetDays !== null ? `  offset ${a.offsetDays}` : ''}${a.registerWarning ? '  [register warning]' : ''}`,
          ),
        ].join('\n'),
      )
    }),
  )

program
  .command('mailbox')
  .description('mailboxes')
  .command('show <address>')
  .description('state, open order and history of a mailbox')
  .option('--json', 'print JSON')
  .action((address: string, opts) =>
    withServices(async ({ deps }) => {
      const view = await showMailbox(deps.db, address)
      if (!view) throw new DomainError('mailbox_not_found', address)
      const shown = { ...view, openOrder: view.openOrder && { ...view.openOrder, orderId: formatOrderId(view.openOrder.orderId as OrderId) } }
      printResult(opts.json, shown, () =>
        [
          `${view.address}  ${view.status}  expires ${view.expiresOn}  account ${view.accountId}  ${view.convention}  register ${view.register}`,
          view.openOrder
            ? `open order ${shown.openOrder!.orderId}: ${view.openOrder.years} year(s), ${centsToDecimal(view.openOrder.totalCents)} €, ${view.openOrder.method}, placed ${view.openOrder.placedOn}`
            : 'no open order',
          'history:',
          ...view.history.map((h) => `  ${h.at}  ${h.actor}  ${h.action}${h.reason ? `  (${h.reason})` : ''}`),
        ].join('\n'),
      )
    }),
  )

program
  .command('order')
  .description('renewal orders')
  .command('create')
  .description('place (or resume) a renewal order for a holder, e.g. on the phone')
  .requiredOption('--mailbox <address>', 'the PEC mailbox to renew')
  .requiredOption('--years <n>', 'duration in years, as offered by the convention', parsePositiveInteger)
  .addOption(methodOption())
  .option('--json', 'print JSON')
  .action((opts) =>
    withServices(async ({ deps }) => {
      const order = await placeOrder(deps, { mailboxAddress: opts.mailbox, years: opts.years, method: opts.method as PaymentMethod, actor: OPERATOR })
      const out = { orderId: formatOrderId(order.orderId as OrderId), totalCents: order.totalCents, extendsFrom: order.extendsFrom, newExpiresOn: order.newExpiresOn, resumed: order.resumed }
      printResult(opts.json, out, () =>
        `${order.resumed ? 'Resumed open order' : 'Order'} ${out.orderId}: ${order.years} year(s), ${centsToDecimal(order.totalCents)} € (${centsToDecimal(order.netCents)} + VAT ${centsToDecimal(order.vatCents)}), ${order.method}; when paid the expiry moves from ${order.extendsFrom} to ${order.newExpiresOn}`,
      )
    }),
  )

const payment = program.command('payment').description('payments')
payment
  .command('register')
  .description('register a payment received for an order (R4: extends from the expiry date)')
  .requiredOption('--order <id>', 'the order ID as quoted in the payment reason')
  .requiredOption('--amount <euro>', 'the amount received, e.g. 12.20', parseAmount)
  .addOption(methodOption())
  .requiredOption('--reference <ref>', 'the bank, postal or gateway reference of the payment (unique per method)')
  .option('--json', 'print JSON')
  .action((opts) =>
    withServices(async ({ deps }) => {
      const registered = await registerPayment(deps, { orderRef: opts.order, amountCents: opts.amount, method: opts.method as PaymentMethod, reference: opts.reference, actor: OPERATOR })
      const result = { ...registered, orderId: registered.orderId && formatOrderId(registered.orderId as OrderId) }
      printResult(opts.json, result, () =>
        [
          `${result.replayed ? 'Already registered: ' : ''}${result.outcome}${result.reason ? ` (${result.reason})` : ''}`,
          result.expiresOn ? `mailbox expires on ${result.expiresOn}` : 'no order matched: kept for an operator',
        ].join('; '),
      )
    }),
  )
payment
  .command('refund')
  .description('refund a payment due back (a duplicate, or paid after cessation); through its gateway when it came from one')
  .requiredOption('--payment <id>', 'the payment ID, as `payment register --json` prints it', parsePositiveInteger)
  .option('--json', 'print JSON')
  .action((opts) =>
    withServices(async ({ deps, gateways }) => {
      const refund = await refundPayment(deps, gateways, { paymentId: opts.payment, actor: OPERATOR })
      const result = { ...refund, orderId: refund.orderId && formatOrderId(refund.orderId as OrderId), amount: centsToDecimal(refund.amountCents) }
      printResult(opts.json, result, () =>
        `${result.replayed ? 'Already refunded: ' : 'Refunded '}payment ${result.paymentId}, ${result.amount} €${result.orderId ? ` (order ${result.orderId})` : ''}${result.gateway ? ` through ${result.gateway}, refund ${result.refundRef}` : ': send the money back by bank transfer'}`,
      )
    }),
  )

/** The human summary shared by `statements import` and `slips import`. */
function describeImport(result: StatementImport): string {
  return [
    `${result.entries} entries: ${result.registered} registered, ${result.held} held, ${result.duplicates} duplicates to refund, ${result.ignored} ignored`,
    ...result.results
      .filter((r) => r.outcome !== 'registered' && r.outcome !== 'ignored')
      .slice(0, 50)
      .map((r) => `  ${r.outcome.padEnd(9)} ${r.entryRef}  ${centsToDecimal(r.amountCents)} €  ${r.orderId ? formatOrderId(r.orderId as OrderId) : '—'}  ${r.reason ?? ''}`),
  ].join('\n')
}

program
  .command('statements')
  .description('bank statements (bonifico)')
  .command('import <file>')
  .description('register the bank transfers of a camt.053 or CBI RH statement; importing again registers nothing twice')
  .addOption(new Option('--format <format>', 'the file format (default: detected)').choices(['camt053', 'cbi-rh']))
  .option('--json', 'print JSON')
  .action((file: string, opts) =>
    withServices(async ({ deps }) => {
      const result = await importStatement(deps, file, { format: opts.format, actor: OPERATOR })
      printResult(opts.json, result, () => describeImport(result))
    }),
  )

program
  .command('slips')
  .description('postal slips (bollettino)')
  .command('import <file>')
  .description("register the postal slips of Poste Italiane's payments report (TD 896 by codice cliente, TD 674 by causale)")
  .option('--json', 'print JSON')
  .action((file: string, opts) =>
    withServices(async ({ deps }) => {
      const result = await importSlips(deps, file, { actor: OPERATOR })
      printResult(opts.json, result, () => describeImport(result))
    }),
  )

const operator = program.command('operator').description('back-office operators')
operator
  .command('add <username>')
  .description(
    'create an operator who signs in at /ufficio/accedi. The password comes from PEC_OPERATOR_PASSWORD, or from stdin: typed twice at a terminal (not shown), or the first line of a pipe',
  )
  .option('--name <name>', 'the name shown in the back office (default: the username)')
  .option('--json', 'print JSON')
  .action((username: string, opts) =>
    withServices(async ({ deps, config }) => {
      operatorUsername(username) // a bad username is refused before the password is asked for
      const password = await operatorPassword()
      const added = await addOperator(deps, { username, displayName: opts.name, password, actor: OPERATOR })
      const signInUrl = `${config.publicUrl}/ufficio/accedi`
      printResult(opts.json, { ...added, signInUrl }, () => `Operator ${added.username} (${added.displayName}) added; sign in at ${signInUrl}`)
    }),
  )
operator
  .command('list')
  .description('every operator: active or disabled, live sessions, last sign-in')
  .option('--json', 'print JSON')
  .action((opts) =>
    withServices(async ({ deps }) => {
      const rows = await listOperators(deps)
      printResult(opts.json, rows, () =>
        rows.length
          ? rows.map((o) => describeOperator(o)).join('\n')
          : 'no operators yet: add one with `pec-renewal operator add USERNAME`',
      )
    }),
  )
operator
  .command('disable <username>')
  .description('stop an operator from signing in (someone who left) and close their sessions; the audit trail stays')
  .option('--json', 'print JSON')
  .action((username: string, opts) =>
    withServices(async ({ deps }) => {
      const result = await disableOperator(deps, { username, actor: OPERATOR })
      printResult(opts.json, result, () =>
        result.kind === 'disabled'
          ? `Operator ${result.username} disabled; ${plural(result.sessionsClosed, 'session')} closed`
          : `Operator ${result.username} was already disabled (since ${result.disabledAt.toISOString()}); nothing changed`,
      )
    }),
  )
operator
  .command('enable <username>')
  .description('let a disabled operator sign in again, at once (their lockout is cleared; the password is unchanged)')
  .option('--json', 'print JSON')
  .action((username: string, opts) =>
    withServices(async ({ deps }) => {
      const result = await enableOperator(deps, { username, actor: OPERATOR })
      printResult(opts.json, result, () =>
        result.kind === 'enabled'
          ? `Operator ${result.username} enabled; they can sign in again`
          : `Operator ${result.username} was not disabled; nothing changed`,
      )
    }),
  )
operator
  .command('password <username>')
  .description(
    "set an operator's password (a forgotten one) and close their sessions. The password comes from PEC_OPERATOR_PASSWORD, or from stdin: typed twice at a terminal (not shown), or the first line of a pipe",
  )
  .option('--json', 'print JSON')
  .action((username: string, opts) =>
    withServices(async ({ deps }) => {
      await findOperator(deps.db, username) // an unknown username is refused before the password is asked for
      const password = await operatorPassword()
      const result = await setOperatorPassword(deps, { username, password, actor: OPERATOR })
      printResult(opts.json, result, () =>
        [
          `Password of operator ${result.username} changed; ${plural(result.sessionsClosed, 'session')} closed`,
          ...(result.disabled ? [`the operator is still disabled (pec-renewal operator enable ${result.username})`] : []),
        ].join('; '),
      )
    }),
  )

/** One line of `operator list`. */
function describeOperator(o: OperatorListing): string {
  const state = o.disabledAt ? `disabled since ${o.disabledAt.toISOString()}` : 'active'
  const lastSignIn = o.lastSignedInAt ? `last sign-in ${o.lastSignedInAt.toISOString()}` : 'never signed in'
  return `${o.username.padEnd(20)} ${o.displayName.padEnd(24)} ${state}  ${plural(o.activeSessions, 'live session')}  ${lastSignIn}`
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

/** An operator's new password: from the environment (scripts), else stdin; never an argument, never echoed. */
async function operatorPassword(): Promise<string> {
  const fromEnv = process.env.PEC_OPERATOR_PASSWORD
  const password = fromEnv ?? (await readSecret('Password: '))
  if (!password) throw new UsageError('no password given: type it when asked, pipe it on stdin, or set PEC_OPERATOR_PASSWORD')
  const problem = operatorPasswordProblem(password)
  if (problem) throw problem
  if (fromEnv === undefined && process.stdin.isTTY && (await readSecret('Repeat the password: ')) !== password) {
    throw new UsageError('the two passwords differ; nothing was changed')
  }
  return password
}

const outbox = program.command('outbox').description('outgoing e-mail')
outbox
  .command('list')
  .description('the outbox, newest first')
  .addOption(new Option('--status <status>', 'only this status').choices(['pending', 'sent', 'failed']))
  .option('--limit <n>', 'how many', (v) => parsePositiveInteger(v), 50)
  .option('--json', 'print JSON')
  .action((opts) =>
    withServices(async ({ deps }) => {
      const rows = await listOutbox(deps.db, { status: opts.status as OutboxStatus | undefined, limit: opts.limit })
      printResult(opts.json, rows, () =>
        rows.length
          ? rows.map((r) => `${String(r.id).padStart(6)}  ${r.status.padEnd(7)}  ${r.createdAt.toISOString()}  ${r.recipient}  ${r.subject}${r.lastError ? `  [${r.lastError}]` : ''}`).join('\n')
          : 'the outbox is empty',
      )
    }),
  )
outbox
  .command('send')
  .description('send the due e-mail now over SMTP_URL')
  .option('--json', 'print JSON')
  .action((opts) =>
    withServices(async ({ deps, config, mail }) => {
      if (!config.smtpUrl) throw new UsageError('SMTP_URL is not set: e-mail stays in the outbox (see the dev mail viewer at /dev/posta)')
      const transport = smtpTransport(config.smtpUrl, config.mailFrom)
      try {
        const result = await dispatchOutbox(deps, transport, mail)
        printResult(opts.json, result, () => `sent ${result.sent}, to retry ${result.retried}, failed ${result.failed}`)
      } finally {
        await transport.close?.()
      }
    }),
  )

program
  .command('serve')
  .description('the web server, with the daily jobs unless --no-jobs')
  .option('--no-jobs', 'serve HTTP only (jobs run on `worker` nodes)')
  .action((opts) => runForever(opts.jobs, true))

program
  .command('worker')
  .description('the daily jobs only: lifecycle run, outbox dispatcher, mail-platform commands')
  .action(() => runForever(true, false))

async function runForever(jobs: boolean, http: boolean): Promise<void> {
  const config = loadConfig()
  const database = await openDatabase(config.databaseUrl)
  await migrateDatabase(database)
  const services = buildServices(config, database, systemClock)
  const log = (message: string, detail?: unknown) => console.log(new Date().toISOString(), message, detail === undefined ? '' : JSON.stringify(detail, errorReplacer))
  const running = jobs ? services.startJobs(log) : undefined
  const server = http ? await buildServer(services) : undefined
  if (server) {
    await server.listen({ host: config.host, port: config.port })
    const where = `http://${config.host}:${(server.server.address() as { port: number }).port}`
    console.log(`pec-renewal listening on ${where} (public URL ${config.publicUrl}); database: ${database.kind === 'pglite' ? `embedded in ${config.databaseUrl}` : 'PostgreSQL'}${config.smtpUrl ? '' : `; e-mail viewer at ${where}/dev/posta`}`)
    const { gateways } = services
    console.log(
      gateways.sandbox
        ? 'card and PayPal: SANDBOX GATEWAY — a simulation, no real payment (set STRIPE_* / PAYPAL_* keys for real ones)'
        : `card: ${gateways.forMethod('card')?.name ?? 'not available'}; PayPal: ${gateways.forMethod('paypal')?.name ?? 'not available'}`,
    )
  } else {
    console.log(`pec-renewal worker running; database: ${database.kind}`)
  }
  const shutdown = async () => {
    await server?.close()
    await running?.stop()
    await database.close()
    process.exit(0)
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

function errorReplacer(_key: string, value: unknown) {
  return value instanceof Error ? { error: value.message } : value
}

function explain(error: unknown, config?: Config): string {
  if (error instanceof DomainError) return `${errorMessage(error.code, 'en')}${error.detail ? `: ${error.detail}` : ''} (${error.code})`
  if (error instanceof ConfigError || error instanceof UsageError) return error.message
  void config
  return error instanceof Error ? error.message : String(error)
}

program.parseAsync(process.argv).catch((error) => {
  process.stderr.write(`error: ${explain(error)}\n`)
  if (process.env.PEC_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`)
  process.exitCode = 1
})
