import { Command, Option } from 'commander'
import { showMailbox } from '../flows/show-mailbox'
import { importMailboxes } from '../accounts/import-mailboxes'
import type { MailboxStatus } from '../accounts/schema'
import { FNOMCEO_DEMO } from '../catalog/queries'
import { businessDate, formatDate, formatInstant, parseCalendarDate, type CalendarDate } from '../core/calendar'
import { systemClock } from '../core/clock'
import { DomainError, errorMessage } from '../core/errors'
import { centsToDecimal, formatEuro, parseEuroAmount } from '../core/money'
import { formatOrderId, type OrderId } from '../core/order-id'
import { existsSync } from 'node:fs'
import { ConfigError, demoMarkerPath, loadConfig, markDemoFolder, maskCredentials } from '../config'
import { requireOfferedMethod } from '../payments/offered-methods'
import { holdsMailboxesOutside } from '../accounts/queries'
import { migrateDatabase, openDatabase, type Database } from '../db/client'
import { DEMO_DOMAIN, loadDemo } from '../demo/load-demo'
import { runLifecycle } from '../lifecycle/run-lifecycle'
import { dispatchOutbox } from '../notifications/dispatch-outbox'
import { addOperator, MAX_PASSWORD_LENGTH, MIN_OPERATOR_PASSWORD_LENGTH, operatorPasswordProblem, operatorUsername } from '../operators/add-operator'
import { disableOperator } from '../operators/disable-operator'
import { enableOperator } from '../operators/enable-operator'
import { listOperators, type OperatorListing } from '../operators/list-operators'
import { findOperator } from '../operators/queries'
import { setOperatorPassword } from '../operators/set-operator-password'
import { unlockOperator } from '../operators/unlock-operator'
import { listOutbox, type OutboxStatus } from '../notifications/list-outbox'
import { smtpTransport } from '../notifications/transport'
import { importStatement, type StatementImport } from '../flows/imports/import-statement'
import type { ImportProgress } from '../flows/imports/settle-import'
import { StatementError } from '../payments/offline/statement-entry'
import { importSlips } from '../flows/imports/import-slips'
import { PosteReportError } from '../payments/postal/poste-report'
import { refundPayment } from '../payments/refund-payment'
import { registerPayment } from '../flows/register-payment'
import { placeOrder } from '../renewals/place-order'
import { PAYMENT_METHODS, type PaymentMethod } from '../renewals/schema'
import { buildServices, type Services } from '../services'
import { describeFileRefusal, describeReason } from '../web/admin/import-view'
import { officeMessages } from '../web/admin/messages'
import type { Lang } from '../web/i18n'
import { buildServer } from '../web/server'
import { chooseLanguage, takeLangFlag } from './language'
import { cliText, type CliKey } from './messages'
import { printResult, progressLine, UsageError } from './output'
import { readSecret, SecretCancelled } from './read-secret'

const OPERATOR = `operator:${process.env.PEC_OPERATOR || process.env.USER || 'cli'}`

// Decided before any command is built: their --help texts are in it too.
const { lang, argv } = startLanguage()
const t = cliText(lang)

/** The language from --lang, PEC_LANG or the locale (see chooseLanguage); a bad value stops here. */
function startLanguage(): { lang: Lang; argv: string[] } {
  const taken = takeLangFlag(process.argv.slice(2))
  try {
    return { lang: chooseLanguage(process.env, taken.flag), argv: [...process.argv.slice(0, 2), ...taken.args] }
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`)
    process.exit(1)
  }
}

const euro = (cents: number) => formatEuro(cents, lang)
const day = (date: string) => formatDate(date as CalendarDate, lang)
const years = (n: number) => (n === 1 ? t('years.one') : t('years.many', { n }))
/** Human lists show this many rows; --json gives all of them. */
const MAX_LINES = 50
const moreLines = (total: number) => (total > MAX_LINES ? [t('list.more', { count: total - MAX_LINES })] : [])

/** Words of one column padded to the longest, so the columns after them line up in either language. */
function padColumn(words: string[]): string[] {
  const width = Math.max(0, ...words.map((w) => w.length))
  return words.map((w) => w.padEnd(width))
}

/** Opens the configured database, migrated, and the services around it; closes it afterwards. */
async function withServices<T>(work: (services: Services, database: Database) => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const config = loadConfig(env)
  const database = await openDatabase(config.databaseUrl)
  try {
    await migrateDatabase(database)
    return await work(buildServices(config, database, systemClock), database)
  } finally {
    await database.close()
  }
}

// The option parsers throw a UsageError rather than commander's InvalidArgumentError, whose
// message commander prefixes with its own English sentence: the operator reads one language.
const dateOption =
  (option: string) =>
  (value: string): CalendarDate => {
    try {
      return parseCalendarDate(value)
    } catch {
      throw new UsageError(t('invalid.date', { option, value }))
    }
  }

const positiveInteger =
  (option: string) =>
  (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 1) throw new UsageError(t('invalid.positiveInteger', { option, value }))
    return n
  }

const amountOption =
  (option: string) =>
  (value: string): number => {
    try {
      return parseEuroAmount(value)
    } catch {
      throw new UsageError(t('invalid.amount', { option, value }))
    }
  }

const methodOption = () =>
  new Option('--method <method>', t('option.method')).choices(PAYMENT_METHODS as unknown as string[]).makeOptionMandatory()

// Commander's help titles, in the operator's language (its error messages stay English).
const HELP_TITLES: Record<string, CliKey> = {
  'Usage:': 'help.usage',
  'Arguments:': 'help.arguments',
  'Options:': 'help.options',
  'Global Options:': 'help.globalOptions',
  'Commands:': 'help.commands',
}

// Help settings are set before the subcommands are made, so every one of them inherits them.
const program = new Command('pec-renewal')
  .description(t('program.description'))
  .option('--lang <it|en>', t('option.lang')) // taken out of the arguments before parsing (takeLangFlag)
  .helpOption('-h, --help', t('help.option'))
  .helpCommand('help [command]', t('help.command'))
  .configureHelp({ showGlobalOptions: true, styleTitle: (title) => (HELP_TITLES[title] ? t(HELP_TITLES[title]) : title) })
  .showHelpAfterError(t('program.helpAfterError'))

program
  .command('migrate')
  .description(t('migrate.description'))
  .action(() => withServices(async () => console.log(t('migrate.done'))))

program
  .command('demo')
  .description(t('demo.description'))
  .option('--json', t('option.json'))
  .action((opts) =>
    // Running this command is the explicit choice of demo mode (R10): loadConfig refuses it beside PostgreSQL, https or real keys.
    withServices(async ({ deps, config }) => {
      if (!existsSync(demoMarkerPath(config.databaseUrl) ?? '') && (await holdsMailboxesOutside(deps.db, DEMO_DOMAIN))) {
        throw new UsageError(t('demo.notEmpty', { path: config.databaseUrl }))
      }
      markDemoFolder(config.databaseUrl)
      const demo = await loadDemo(deps, OPERATOR)
      printResult(opts.json, { ...demo, mode: 'demo' }, () => {
        const oneYear = FNOMCEO_DEMO.prices.find((p) => p.years === 1)!
        const expiries = padColumn(demo.credentials.map((c) => day(c.expiresOn)))
        const statuses = padColumn(demo.credentials.map((c) => t(`status.${c.status as MailboxStatus}`)))
        return [
          t('demo.loaded', { date: day(demo.today), price: euro(oneYear.netCents) }),
          t('demo.signIn', { accountPassword: demo.accountPassword, mailboxPassword: demo.mailboxPassword }),
          ...demo.credentials.map((c, i) => t('demo.mailbox', { accountId: c.accountId, mailbox: c.mailbox.padEnd(38), expiresOn: expiries[i], status: statuses[i], story: c.story })),
          t('demo.operator', { username: demo.operator.username, password: demo.operator.password }),
          t('demo.mode', { path: config.databaseUrl }),
        ].join('\n')
      })
    }, { ...process.env, PEC_MODE: 'demo' }),
  )

program
  .command('import')
  .description(t('import.description'))
  .command('mailboxes <file>')
  .description(t('importMailboxes.description'))
  .option('--dry-run', t('importMailboxes.dryRun'))
  .option('--skip-invalid', t('importMailboxes.skipInvalid'))
  .option('--json', t('option.json'))
  .action((file: string, opts) =>
    withServices(async ({ deps }) => {
      const progress = progressLine()
      const result = await importMailboxes(deps, file, {
        dryRun: opts.dryRun,
        skipInvalid: opts.skipInvalid,
        actor: OPERATOR,
        onProgress: (rows) => progress.update(t('importMailboxes.progress', { rows: rows.toLocaleString(lang === 'it' ? 'it-IT' : 'en-GB') })),
      })
      progress.done()
      printResult(opts.json, result, () =>
        [
          t(opts.dryRun ? 'importMailboxes.dryRunDone' : 'importMailboxes.done', {
            imported: result.imported,
            updated: result.updated,
            unchanged: result.unchanged,
            invalid: result.invalid.length,
          }),
          ...result.invalid.slice(0, MAX_LINES).map((r) => t('importMailboxes.invalidRow', { line: r.line, reason: r.reason })),
          ...moreLines(result.invalid.length),
        ].join('\n'),
      )
      if (result.invalid.length > 0 && !opts.skipInvalid) process.exitCode = 1
    }),
  )

program
  .command('lifecycle')
  .description(t('lifecycle.description'))
  .command('run')
  .description(t('lifecycleRun.description'))
  .option('--date <YYYY-MM-DD>', t('lifecycleRun.date'), dateOption('--date'))
  .option('--dry-run', t('lifecycleRun.dryRun'))
  .option('--json', t('option.json'))
  .addOption(new Option('--batch-size <n>', t('lifecycleRun.batchSize')).argParser(positiveInteger('--batch-size')).default(5000).hideHelp())
  .action((opts) =>
    withServices(async ({ deps }) => {
      const date = opts.date ?? businessDate(deps.clock.now(), deps.config.businessTimeZone)
      const progress = progressLine()
      const summary = await runLifecycle(deps, {
        date,
        dryRun: opts.dryRun,
        batchSize: opts.batchSize,
        onProgress: (step, s) => progress.update(t('lifecycleRun.progress', { step: t(`step.${step}`), ceased: s.ceased, deactivated: s.deactivated, reminders: s.reminders })),
      })
      progress.done()
      const { dryRun, actions, ...counts } = summary
      printResult(opts.json, dryRun ? { ...counts, actions } : counts, () => {
        const rows = actions ?? []
        const words = padColumn(rows.map((a) => t(`action.${a.action}`)))
        const addresses = padColumn(rows.map((a) => a.address))
        const expiries = padColumn(rows.map((a) => day(a.expiresOn)))
        return [
          t(dryRun ? 'lifecycleRun.dryRunDone' : 'lifecycleRun.done', { ...counts, date: day(date) }),
          ...rows.map(
            (a, i) =>
              t('lifecycleRun.action', { action: words[i], address: addresses[i], expiresOn: expiries[i] }) +
              (a.offsetDays === null ? '' : a.offsetDays === 1 ? t('lifecycleRun.offsetOne') : t('lifecycleRun.offset', { days: a.offsetDays })) +
              (a.registerWarning ? t('lifecycleRun.registerWarning') : ''),
          ),
        ].join('\n')
      })
    }),
  )

program
  .command('mailbox')
  .description(t('mailbox.description'))
  .command('show <address>')
  .description(t('mailboxShow.description'))
  .option('--json', t('option.json'))
  .action((address: string, opts) =>
    withServices(async ({ deps }) => {
      const view = await showMailbox(deps.db, address)
      if (!view) throw new DomainError('mailbox_not_found', address)
      const shown = { ...view, openOrder: view.openOrder && { ...view.openOrder, orderId: formatOrderId(view.openOrder.orderId as OrderId) } }
      printResult(opts.json, shown, () =>
        [
          t('mailboxShow.summary', {
            address: view.address,
            status: t(`status.${view.status}`),
            expiresOn: day(view.expiresOn),
            accountId: view.accountId,
            convention: view.convention,
            register: t(`register.${view.register}`),
          }),
          view.openOrder
            ? t('mailboxShow.openOrder', {
                orderId: shown.openOrder!.orderId,
                years: years(view.openOrder.years),
                amount: euro(view.openOrder.totalCents),
                method: t(`method.${view.openOrder.method as PaymentMethod}`),
                placedOn: day(view.openOrder.placedOn),
              })
            : t('mailboxShow.noOpenOrder'),
          t('mailboxShow.history'),
          ...view.history.map((h) => `  ${formatInstant(new Date(h.at), lang)}  ${h.actor}  ${h.action}${h.reason ? `  (${describeReason(h.reason, lang)})` : ''}`),
        ].join('\n'),
      )
    }),
  )

program
  .command('order')
  .description(t('order.description'))
  .command('create')
  .description(t('orderCreate.description'))
  .requiredOption('--mailbox <address>', t('orderCreate.mailbox'))
  .requiredOption('--years <n>', t('orderCreate.years'), positiveInteger('--years'))
  .addOption(methodOption())
  .option('--json', t('option.json'))
  .action((opts) =>
    withServices(async ({ deps, mail }) => {
      const method = requireOfferedMethod(mail.methods, opts.method)
      const order = await placeOrder(deps, { mailboxAddress: opts.mailbox, years: opts.years, method, actor: OPERATOR })
      const out = { orderId: formatOrderId(order.orderId as OrderId), totalCents: order.totalCents, extendsFrom: order.extendsFrom, newExpiresOn: order.newExpiresOn, resumed: order.resumed }
      printResult(opts.json, out, () =>
        t(order.resumed ? 'orderCreate.resumed' : 'orderCreate.placed', {
          orderId: out.orderId,
          years: years(order.years),
          total: euro(order.totalCents),
          net: euro(order.netCents),
          vat: euro(order.vatCents),
          method: t(`method.${order.method}`),
          from: day(order.extendsFrom),
          to: day(order.newExpiresOn),
        }),
      )
    }),
  )

const payment = program.command('payment').description(t('payment.description'))
payment
  .command('register')
  .description(t('paymentRegister.description'))
  .requiredOption('--order <id>', t('paymentRegister.order'))
  .requiredOption('--amount <euro>', t('paymentRegister.amount'), amountOption('--amount'))
  .addOption(methodOption())
  .requiredOption('--reference <ref>', t('paymentRegister.reference'))
  .option('--json', t('option.json'))
  .action((opts) =>
    withServices(async ({ deps }) => {
      const registered = await registerPayment(deps, { orderRef: opts.order, amountCents: opts.amount, method: opts.method as PaymentMethod, reference: opts.reference, actor: OPERATOR })
      const result = { ...registered, orderId: registered.orderId && formatOrderId(registered.orderId as OrderId) }
      printResult(
        opts.json,
        result,
        () =>
          (result.replayed ? t('paymentRegister.replayed') : '') +
          t(`paymentRegister.${result.outcome}`, {
            orderId: result.orderId ?? '',
            expiresOn: result.expiresOn ? day(result.expiresOn) : '',
            reason: describeReason(result.reason ?? null, lang),
          }),
      )
    }),
  )
payment
  .command('refund')
  .description(t('paymentRefund.description'))
  .requiredOption('--payment <id>', t('paymentRefund.payment'), positiveInteger('--payment'))
  .option('--json', t('option.json'))
  .action((opts) =>
    withServices(async ({ deps, gateways }) => {
      const refund = await refundPayment(deps, gateways, { paymentId: opts.payment, actor: OPERATOR })
      const result = { ...refund, orderId: refund.orderId && formatOrderId(refund.orderId as OrderId), amount: centsToDecimal(refund.amountCents) }
      printResult(
        opts.json,
        result,
        () =>
          t(result.replayed ? 'paymentRefund.replayed' : 'paymentRefund.done', { paymentId: result.paymentId, amount: euro(refund.amountCents) }) +
          (result.orderId ? t('paymentRefund.order', { orderId: result.orderId }) : '') +
          (result.gateway ? t('paymentRefund.gateway', { gateway: result.gateway, refundRef: result.refundRef ?? '' }) : t('paymentRefund.offline')),
      )
    }),
  )

/** The progress bar of `statements import` and `slips import` (on a terminal): entries stored, then settled of total. */
function importProgress() {
  const line = progressLine()
  const count = (n: number) => n.toLocaleString(lang === 'it' ? 'it-IT' : 'en-GB')
  return {
    update: (p: ImportProgress) =>
      line.update(p.phase === 'storing' ? t('import.storing', { stored: count(p.stored) }) : t('import.settling', { settled: count(p.settled), entries: count(p.entries) })),
    done: () => line.done(),
  }
}

/** The human summary shared by `statements import` and `slips import`, in the back office's words for outcomes and reasons. */
function describeImport(result: StatementImport): string {
  const { entries, registered, held, duplicates, ignored } = result
  const toCheck = result.results.filter((r) => r.outcome !== 'registered' && r.outcome !== 'ignored')
  const shown = toCheck.slice(0, MAX_LINES)
  const outcomes = padColumn(shown.map((r) => officeMessages[lang][`outcome.${r.outcome}`]))
  return [
    t('entries.summary', { entries, registered, held, duplicates, ignored }),
    ...shown.map(
      (r, i) => `  ${outcomes[i]}  ${r.entryRef}  ${euro(r.amountCents)}  ${r.orderId ? formatOrderId(r.orderId as OrderId) : '—'}  ${describeReason(r.reason, lang)}`,
    ),
    ...moreLines(toCheck.length),
  ].join('\n')
}

program
  .command('statements')
  .description(t('statements.description'))
  .command('import <file>')
  .description(t('statementsImport.description'))
  .addOption(new Option('--format <format>', t('statementsImport.format')).choices(['camt053', 'cbi-rh']))
  .addOption(new Option('--batch-size <n>', t('import.batchSize')).argParser(positiveInteger('--batch-size')).hideHelp())
  .option('--json', t('option.json'))
  .action((file: string, opts) =>
    withServices(async ({ deps }) => {
      const progress = importProgress()
      const result = await importStatement(deps, file, { format: opts.format, actor: OPERATOR, batchSize: opts.batchSize, onProgress: progress.update })
      progress.done()
      printResult(opts.json, result, () => describeImport(result))
    }),
  )

program
  .command('slips')
  .description(t('slips.description'))
  .command('import <file>')
  .description(t('slipsImport.description'))
  .addOption(new Option('--batch-size <n>', t('import.batchSize')).argParser(positiveInteger('--batch-size')).hideHelp())
  .option('--json', t('option.json'))
  .action((file: string, opts) =>
    withServices(async ({ deps }) => {
      const progress = importProgress()
      const result = await importSlips(deps, file, { actor: OPERATOR, batchSize: opts.batchSize, onProgress: progress.update })
      progress.done()
      printResult(opts.json, result, () => describeImport(result))
    }),
  )

const operator = program.command('operator').description(t('operator.description'))
operator
  .command('add <username>')
  .description(t('operatorAdd.description'))
  .option('--name <name>', t('operatorAdd.name'))
  .option('--json', t('option.json'))
  .action((username: string, opts) =>
    withServices(async ({ deps, config }) => {
      operatorUsername(username) // a bad username is refused before the password is asked for
      const password = await operatorPassword()
      const added = await addOperator(deps, { username, displayName: opts.name, password, actor: OPERATOR })
      const signInUrl = `${config.publicUrl}/ufficio/accedi`
      printResult(opts.json, { ...added, signInUrl }, () => t('operatorAdd.done', { username: added.username, displayName: added.displayName, signInUrl }))
    }),
  )
operator
  .command('list')
  .description(t('operatorList.description'))
  .option('--json', t('option.json'))
  .action((opts) =>
    withServices(async ({ deps }) => {
      const rows = await listOperators(deps)
      printResult(opts.json, rows, () => (rows.length ? rows.map(describeOperator).join('\n') : t('operatorList.none')))
    }),
  )
operator
  .command('disable <username>')
  .description(t('operatorDisable.description'))
  .option('--json', t('option.json'))
  .action((username: string, opts) =>
    withServices(async ({ deps }) => {
      const result = await disableOperator(deps, { username, actor: OPERATOR })
      printResult(opts.json, result, () =>
        result.kind === 'disabled'
          ? t('operatorDisable.done', { username: result.username, sessions: result.sessionsClosed })
          : t('operatorDisable.already', { username: result.username, since: formatInstant(result.disabledAt, lang) }),
      )
    }),
  )
operator
  .command('enable <username>')
  .description(t('operatorEnable.description'))
  .option('--json', t('option.json'))
  .action((username: string, opts) =>
    withServices(async ({ deps }) => {
      const result = await enableOperator(deps, { username, actor: OPERATOR })
      const key = result.kind === 'enabled' ? 'operatorEnable.done' : result.unlocked ? 'operatorEnable.unlocked' : 'operatorEnable.already'
      printResult(opts.json, result, () => t(key, { username: result.username }))
    }),
  )
operator
  .command('unlock <username>')
  .description(t('operatorUnlock.description'))
  .option('--json', t('option.json'))
  .action((username: string, opts) =>
    withServices(async ({ deps }) => {
      const result = await unlockOperator(deps, { username, actor: OPERATOR })
      printResult(opts.json, result, () =>
        result.kind === 'nothing_to_unlock'
          ? t('operatorUnlock.nothing', { username: result.username })
          : t(result.blocked ? 'operatorUnlock.blocked' : 'operatorUnlock.slowed', { username: result.username, failures: result.failures }),
      )
    }),
  )
operator
  .command('password <username>')
  .description(t('operatorPassword.description'))
  .option('--json', t('option.json'))
  .action((username: string, opts) =>
    withServices(async ({ deps }) => {
      await findOperator(deps.db, username) // an unknown username is refused before the password is asked for
      const password = await operatorPassword()
      const result = await setOperatorPassword(deps, { username, password, actor: OPERATOR })
      printResult(opts.json, result, () =>
        [
          t('operatorPassword.done', { username: result.username, sessions: result.sessionsClosed }),
          ...(result.disabled ? [t('operatorPassword.stillDisabled', { username: result.username })] : []),
        ].join('; '),
      )
    }),
  )

/** One line of `operator list`. */
function describeOperator(o: OperatorListing): string {
  const state = o.disabledAt ? t('operatorList.disabledSince', { since: formatInstant(o.disabledAt, lang) }) : t('operatorList.active')
  const lastSignIn = o.lastSignedInAt ? t('operatorList.lastSignIn', { at: formatInstant(o.lastSignedInAt, lang) }) : t('operatorList.neverSignedIn')
  return `${o.username.padEnd(20)} ${o.displayName.padEnd(24)} ${state}  ${t('operatorList.sessions', { sessions: o.activeSessions })}  ${lastSignIn}`
}

/** An operator's new password: from the environment (scripts), else stdin; never an argument, never echoed. */
async function operatorPassword(): Promise<string> {
  const fromEnv = process.env.PEC_OPERATOR_PASSWORD
  const password = fromEnv ?? (await readSecret(t('password.prompt')))
  if (!password) throw new UsageError(t('password.missing'))
  const problem = passwordProblem(password)
  if (problem) throw problem
  if (fromEnv === undefined && process.stdin.isTTY && (await readSecret(t('password.repeatPrompt'))) !== password) {
    throw new UsageError(t('password.differ'))
  }
  return password
}

/** Why a password cannot be an operator's, with the detail in the operator's language; or null. */
function passwordProblem(password: string): DomainError | null {
  const problem = operatorPasswordProblem(password)
  if (problem?.code === 'password_too_short') {
    return new DomainError(problem.code, t('password.tooShort', { min: MIN_OPERATOR_PASSWORD_LENGTH, length: [...password].length }))
  }
  if (problem?.code === 'password_too_long') return new DomainError(problem.code, t('password.tooLong', { max: MAX_PASSWORD_LENGTH }))
  return problem
}

const outbox = program.command('outbox').description(t('outbox.description'))
outbox
  .command('list')
  .description(t('outboxList.description'))
  .addOption(new Option('--status <status>', t('outboxList.status')).choices(['pending', 'sent', 'failed']))
  .option('--limit <n>', t('outboxList.limit'), positiveInteger('--limit'), 50)
  .option('--json', t('option.json'))
  .action((opts) =>
    withServices(async ({ deps }) => {
      const rows = await listOutbox(deps.db, { status: opts.status as OutboxStatus | undefined, limit: opts.limit })
      printResult(opts.json, rows, () => {
        const statuses = padColumn(rows.map((r) => t(`outboxStatus.${r.status}`)))
        return rows.length
          ? rows
              .map((r, i) => `${String(r.id).padStart(6)}  ${statuses[i]}  ${formatInstant(r.createdAt, lang)}  ${r.recipient}  ${r.subject}${r.lastError ? `  [${r.lastError}]` : ''}`)
              .join('\n')
          : t('outboxList.empty')
      })
    }),
  )
outbox
  .command('send')
  .description(t('outboxSend.description'))
  .option('--json', t('option.json'))
  .action((opts) =>
    withServices(async ({ deps, config, mail }) => {
      if (!config.smtpUrl) throw new UsageError(t('outboxSend.noSmtp'))
      const transport = smtpTransport(config.smtpUrl, config.mailFrom)
      try {
        const result = await dispatchOutbox(deps, transport, mail)
        printResult(opts.json, result, () => t('outboxSend.done', { sent: result.sent, retried: result.retried, failed: result.failed }))
      } finally {
        await transport.close?.()
      }
    }),
  )

program
  .command('serve')
  .description(t('serve.description'))
  .option('--no-jobs', t('serve.noJobs'))
  .action((opts) => runForever(opts.jobs, true))

program
  .command('worker')
  .description(t('worker.description'))
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
    console.log(
      t('serve.listening', {
        where,
        publicUrl: config.publicUrl,
        database: database.kind === 'pglite' ? t('serve.embedded', { path: config.databaseUrl }) : 'PostgreSQL',
        viewer: config.mode === 'demo' ? t('serve.viewer', { url: `${where}/dev/posta` }) : '',
      }),
    )
    const { gateways } = services
    console.log(
      gateways.sandbox
        ? t('serve.sandbox')
        : t('serve.gateways', { card: gateways.forMethod('card')?.name ?? t('serve.unavailable'), paypal: gateways.forMethod('paypal')?.name ?? t('serve.unavailable') }),
    )
    console.log(t('serve.methods', { methods: services.mail.methods.map((m) => t(`method.${m}`)).join(', ') || t('serve.noMethods') }))
    const missing = [
      ...(gateways.forMethod('card') ? [] : [t('serve.noCardGateway')]),
      ...(gateways.forMethod('paypal') ? [] : [t('serve.noPaypalGateway')]),
      ...(config.paymentInstructions ? [] : [t('serve.noBankDetails')]),
    ]
    if (missing.length) console.log(t('serve.notOffered', { methods: missing.join('; ') }))
  } else {
    console.log(t('worker.running', { kind: database.kind }))
  }
  if (config.mode === 'demo') console.log(t('serve.demoMode'))
  else {
    if (!config.smtpUrl && jobs) console.log(t('serve.noSmtp'))
    if (!services.platform && jobs) console.log(t('serve.noPlatform'))
  }
  for (const unknown of config.unknownVariables) {
    console.error(t('serve.unknownVariable', { name: unknown.name, suggestion: unknown.suggestion ? t('serve.didYouMean', { name: unknown.suggestion }) : '' }))
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

/** What the operator reads of an error: never a credential, whatever the error carried (DESIGN §5). */
function explain(error: unknown): string {
  return maskCredentials(describeError(error))
}

function describeError(error: unknown): string {
  if (error instanceof DomainError) return `${errorMessage(error.code, lang)}${error.detail ? `: ${error.detail}` : ''} (${error.code})`
  if (error instanceof SecretCancelled) return t('secret.cancelled')
  if (error instanceof ConfigError || error instanceof UsageError) return error.message
  if (error instanceof StatementError || error instanceof PosteReportError) {
    const { message, detail } = describeFileRefusal(error, lang)
    return `${message} (${detail})`
  }
  return error instanceof Error ? error.message : String(error)
}

program.parseAsync(argv).catch((error) => {
  process.stderr.write(`${t('error.prefix')}: ${explain(error)}\n`)
  if (process.env.PEC_DEBUG && error instanceof Error) process.stderr.write(`${maskCredentials(error.stack ?? '')}\n`)
  process.exitCode = 1
})
