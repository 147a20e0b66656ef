import { systemClock } from '../../core/clock'
import type { Config } from '../../config'
import { withDeps, type Cli, type CommandGroup } from '../context'
import { UsageError } from '../output'

/**
 * `serve` (web server plus the jobs, or without them) and `worker` (the jobs only): they run until
 * stopped, logging JSON lines on stdout; settings that look misspelt are said on stderr.
 */
export const serveCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  program
    .command('serve')
    .description(t('serve.description'))
    .option('--no-jobs', t('serve.noJobs'))
    .action((opts) => runUntilStopped(cli, { jobs: opts.jobs, http: true }))

  program
    .command('worker')
    .description(t('worker.description'))
    .action(() => runUntilStopped(cli, { jobs: true, http: false }))
}

/** Starts the web server and/or the jobs, says what runs and what is not offered, and stops them when io.stopSignal() fires. */
async function runUntilStopped(cli: Cli, run: { jobs: boolean; http: boolean }): Promise<void> {
  const { t, io } = cli
  const [{ buildServices }, { buildServer }, { createLogger, jobLog }, { sealPlainTotpSecrets }] = await Promise.all([
    import('../../services'),
    run.http ? import('../../web/server') : Promise.resolve({ buildServer: undefined }),
    import('../../logging'),
    import('../../operators/second-factor'),
  ])
  const stop = io.stopSignal()
  await withDeps(cli, async (_deps, config, database) => {
    refuseWithoutProvider(cli, config)
    // JSON log lines on stdout (LOG_LEVEL): the web server's, the jobs' and this start summary's alike.
    const logger = createLogger(config.logLevel, io.stdout)
    const say = (line: string) => logger.info(line)
    const warn = (line: string) => logger.warn(line)
    const services = buildServices(config, database, systemClock)
    // TOTP secrets an older release stored in clear are sealed before any operator signs in.
    if (run.http) await sealPlainTotpSecrets(services.deps)
    const running = run.jobs ? services.startJobs(jobLog(logger)) : undefined
    const server = buildServer ? await buildServer(services, { logger }) : undefined
    try {
      if (server) {
        await server.listen({ host: config.host, port: config.port })
        const where = `http://${config.host}:${(server.server.address() as { port: number }).port}`
        say(
          t('serve.listening', {
            where,
            publicUrl: config.publicUrl,
            database: database.kind === 'pglite' ? t('serve.embedded', { path: config.databaseUrl }) : 'PostgreSQL',
            viewer: config.mode === 'demo' ? t('serve.viewer', { url: `${where}/dev/posta` }) : '',
          }),
        )
        const { gateways } = services
        say(
          gateways.sandbox
            ? t('serve.sandbox')
            : t('serve.gateways', { card: gateways.forMethod('card')?.name ?? t('serve.unavailable'), paypal: gateways.forMethod('paypal')?.name ?? t('serve.unavailable') }),
        )
        say(t('serve.methods', { methods: services.mail.methods.map((m) => t(`method.${m}`)).join(', ') || t('serve.noMethods') }))
        const missing = [
          ...(gateways.forMethod('card') ? [] : [t('serve.noCardGateway')]),
          ...(gateways.forMethod('paypal') ? [] : [t('serve.noPaypalGateway')]),
          ...(config.paymentInstructions ? [] : [t('serve.noBankDetails')]),
        ]
        if (missing.length) say(t('serve.notOffered', { methods: missing.join('; ') }))
      } else {
        say(t('worker.running', { kind: database.kind }))
      }
      if (config.mode === 'demo') say(t('serve.demoMode'))
      if (config.provider?.isDemo) say(t('serve.demoProvider'))
      else {
        if (!config.smtpUrl && run.jobs) warn(t('serve.noSmtp'))
        if (!services.platform && run.jobs) warn(t('serve.noPlatform'))
        if (run.jobs && !config.invoicing?.schemaDir) warn(t('serve.noInvoiceFiles'))
        else if (run.jobs && !config.invoicing?.sdiPecAddress) say(t('serve.invoiceFilesExportOnly'))
      }
      for (const unknown of config.unknownVariables) {
        io.stderr.write(`${t('serve.unknownVariable', { name: unknown.name, suggestion: unknown.suggestion ? t('serve.didYouMean', { name: unknown.suggestion }) : '' })}\n`)
      }
      await stopped(stop)
    } finally {
      await server?.close()
      await running?.stop()
    }
  }, { longRun: true })
}

/** Pages and e-mails name the provider and its support channel: without them nothing is served or sent. */
export function refuseWithoutProvider({ t }: Cli, config: Config): void {
  if (config.provider) return
  throw new UsageError(t('provider.refused', { problems: config.providerProblems.map((p) => t(`provider.${p.problem}`, { variable: p.variable })).join('; ') }))
}

function stopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })))
}
