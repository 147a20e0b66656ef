import { Command, CommanderError } from 'commander'
import type { ConfigError } from '../config'
import { cliExitCode } from '../core/error-codes'
import { DataFolderInUseError, DomainError, errorMessage } from '../core/errors'
import type { Lang } from '../web/i18n'
import { conventionCommands } from './commands/convention'
import { demoCommands } from './commands/demo'
import { importCommands } from './commands/import'
import { invoicesCommands } from './commands/invoices'
import { lifecycleCommands } from './commands/lifecycle'
import { mailboxCommands } from './commands/mailbox'
import { accountCommands } from './commands/office'
import { migrateCommands } from './commands/migrate'
import { operatorCommands } from './commands/operator'
import { apiTokenCommands } from './commands/api-token'
import { orderCommands } from './commands/order'
import { outboxCommands } from './commands/outbox'
import { paymentCommands } from './commands/payment'
import { provisioningCommands } from './commands/provisioning'
import { webhookCommands } from './commands/webhook'
import { serveCommands } from './commands/serve'
import { slipsCommands } from './commands/slips'
import { statementsCommands } from './commands/statements'
import { createCli, type Cli, type CliEnv, type CliIo, type CommandGroup } from './context'
import { chooseLanguage, takeLangFlag } from './language'
import { cliText, type CliKey } from './messages'
import { UsageError } from './output'
import { SecretCancelled } from './read-secret'

export type { CliEnv, CliIo } from './context'

/** Every command group, in the order `--help` lists them. */
const COMMAND_GROUPS: CommandGroup[] = [
  migrateCommands,
  demoCommands,
  importCommands,
  lifecycleCommands,
  mailboxCommands,
  accountCommands,
  conventionCommands,
  orderCommands,
  paymentCommands,
  statementsCommands,
  slipsCommands,
  invoicesCommands,
  operatorCommands,
  apiTokenCommands,
  outboxCommands,
  provisioningCommands,
  webhookCommands,
  serveCommands,
]

// Commander's help titles, in the operator's language (its error messages stay English).
const HELP_TITLES: Record<string, CliKey> = {
  'Usage:': 'help.usage',
  'Arguments:': 'help.arguments',
  'Options:': 'help.options',
  'Global Options:': 'help.globalOptions',
  'Commands:': 'help.commands',
}

/**
 * The `pec-renewal` command: runs `argv` (the arguments after the program name) with the variables
 * in `env` and the streams in `io`, and resolves to the exit code. It touches no process global:
 * bin/ passes the process's own, tests their own, so a test runs the command in its own process.
 */
export async function runCli(argv: readonly string[], env: CliEnv, io: CliIo): Promise<number> {
  const taken = takeLangFlag([...argv])
  let lang: Lang
  try {
    // Decided before any command is built: their --help texts are in it too.
    lang = chooseLanguage(env, taken.flag)
  } catch (error) {
    io.stderr.write(`error: ${(error as Error).message}\n`)
    return 1
  }
  const cli = createCli(lang, cliText(lang), env, io)
  try {
    await buildProgram(cli).parseAsync(taken.args, { from: 'user' })
    return cli.exitCode
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode // commander has already said why (or shown the help)
    // Loaded only now: the settings module brings the database drivers, which --help does without.
    const { ConfigError, maskCredentials } = await import('../config')
    // What the operator reads of an error: never a credential, whatever the error carried (DESIGN §5).
    io.stderr.write(`${cli.t('error.prefix')}: ${maskCredentials(describeError(cli, error, ConfigError))}\n`)
    if (env.PEC_DEBUG && error instanceof Error) io.stderr.write(`${maskCredentials(error.stack ?? '')}\n`)
    return error instanceof DomainError ? cliExitCode(error.code) : 1
  }
}

function buildProgram(cli: Cli): Command {
  const { t, io } = cli
  // Help and output settings are set before the subcommands are made, so every one of them inherits them.
  const program = new Command('pec-renewal')
    .description(t('program.description'))
    .option('--lang <it|en>', t('option.lang')) // taken out of the arguments before parsing (takeLangFlag)
    .helpOption('-h, --help', t('help.option'))
    .helpCommand('help [command]', t('help.command'))
    .configureHelp({ showGlobalOptions: true, styleTitle: (title) => (HELP_TITLES[title] ? t(HELP_TITLES[title]) : title) })
    .showHelpAfterError(t('program.helpAfterError'))
    .exitOverride() // commander throws its exit code instead of ending the process
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
  for (const addCommands of COMMAND_GROUPS) addCommands(program, cli)
  return program
}

function describeError({ t, lang }: Cli, error: unknown, configError: typeof ConfigError): string {
  if (error instanceof DomainError) return `${errorMessage(error.code, lang)}${error.detail ? `: ${error.detail}` : ''} (${error.code})`
  if (error instanceof SecretCancelled) return t('secret.cancelled')
  if (error instanceof DataFolderInUseError) return t('error.dataFolderInUse', { folder: error.folder, pid: error.ownerPid })
  if (error instanceof configError || error instanceof UsageError) return error.message
  return error instanceof Error ? error.message : String(error)
}
