import type { Command } from 'commander'
import { formatDate, formatInstant, type CalendarDate } from '../core/calendar'
import { formatEuro } from '../core/money'
import type { Config } from '../config'
import type { Database } from '../db/client'
import type { Deps } from '../deps'
import type { Services } from '../services'
import type { Lang } from '../web/i18n'
import type { CliText } from './messages'
import { MAX_LINES, printResult, progressLine, type OutputStream } from './output'
import type { InputStream } from './read-secret'

/** The variables a command reads: the process environment from bin/, a test's own otherwise. */
export type CliEnv = Readonly<Record<string, string | undefined>>

/** Where a command reads and writes: the process's own streams from bin/, a test's in memory. */
export interface CliIo {
  stdin: InputStream
  stdout: OutputStream
  stderr: OutputStream
  /**
   * What stops `serve` and `worker`, which otherwise run for ever (bin/: SIGINT or SIGTERM). Asked
   * for only by them, so every other command keeps Ctrl-C's default.
   */
  stopSignal(): AbortSignal
  /**
   * Called before a command that runs briefly opens the database: bin/ then tunes its process for
   * a short life (see src/cli/main.ts). In-process callers (tests) leave it out.
   */
  briefRun?(): void
}

/** How a command uses the database. */
export interface DatabaseUse {
  /** The variables to configure it from, instead of the command's (`demo` adds PEC_MODE=demo). */
  env?: CliEnv
  /** Runs long or over many rows: the embedded database's full buffer cache, the process untuned (default: a brief run). */
  longRun?: boolean
}

/** What every command group is given: the language, the variables, the streams, and the helpers they share. */
export interface Cli {
  readonly lang: Lang
  readonly t: CliText
  readonly env: CliEnv
  readonly io: CliIo
  /** Who the audit trail names for what this command changes (R9): operator:$PEC_OPERATOR. */
  readonly actor: string
  /** The exit code once the command has finished without throwing; a command that reported a failure itself sets 1. */
  exitCode: number
  print(json: boolean | undefined, value: unknown, human: () => string): void
  progress(): ReturnType<typeof progressLine>
  euro(cents: number): string
  day(date: CalendarDate): string
  instant(at: Date): string
  years(n: number): string
  /** The line that says how many rows a human list left out (--json gives all). */
  moreLines(total: number): string[]
}

export function createCli(lang: Lang, t: CliText, env: CliEnv, io: CliIo): Cli {
  return {
    lang,
    t,
    env,
    io,
    actor: `operator:${env.PEC_OPERATOR || env.USER || 'cli'}`,
    exitCode: 0,
    print: (json, value, human) => printResult(io.stdout, json, value, human),
    progress: () => progressLine(io.stderr),
    euro: (cents) => formatEuro(cents, lang),
    day: (date) => formatDate(date, lang),
    instant: (at) => formatInstant(at, lang),
    years: (n) => (n === 1 ? t('years.one') : t('years.many', { n })),
    moreLines: (total) => (total > MAX_LINES ? [t('list.more', { count: total - MAX_LINES })] : []),
  }
}

/** A command group adds its commands to the program; each imports what it runs only when it runs (fast start). */
export type CommandGroup = (program: Command, cli: Cli) => void

/**
 * Opens the configured database, migrated (see migrateIfBehind), for `work`; closes it afterwards.
 * Only the database and the use cases' deps: a command that needs no gateway, mail or platform
 * does not load them.
 */
export async function withDeps<T>(cli: Cli, work: (deps: Deps, config: Config, database: Database) => Promise<T>, use: DatabaseUse = {}): Promise<T> {
  const [{ loadConfig }, { openDatabase }, { migrateIfBehind }, { systemClock }] = await Promise.all([
    import('../config'),
    import('../db/client'),
    import('../db/migration-state'),
    import('../core/clock'),
  ])
  const config = loadConfig(use.env ?? cli.env)
  if (!use.longRun) cli.io.briefRun?.()
  const database = await openDatabase(config.databaseUrl, { brief: !use.longRun })
  try {
    await migrateIfBehind(database)
    return await work({ db: database.db, clock: systemClock, config }, config, database)
  } finally {
    await database.close()
  }
}

/** As withDeps, with every service wired (gateways, mail, platform): for the commands that use them. */
export async function withServices<T>(cli: Cli, work: (services: Services, database: Database) => Promise<T>, use: DatabaseUse = {}): Promise<T> {
  const { buildServices } = await import('../services')
  return withDeps(cli, (deps, config, database) => work(buildServices(config, database, deps.clock), database), use)
}
