import {
  imapMailboxCredentials,
  imapServerFromUrl,
  localMailboxCredentials,
  type MailboxCredentialChecker,
} from './accounts/mailbox-credentials'
import { deleteSpentPasswordResets, resolvePasswordResetRequests } from './accounts/password-reset'
import { samplePasswordHashes } from './accounts/queries'
import { SESSIONS_CLOSED_CHANNEL, SessionCache } from './accounts/session-cache'
import { deleteExpiredSessions } from './accounts/sessions'
import type { HolderCredentials } from './accounts/sign-in'
import { deleteStaleSignInFailures } from './accounts/sign-in-guard'
import { DECOY_SAMPLE_SIZE, storedPasswordCheck, type StoredPasswordCheck } from './accounts/stored-password-check'
import type { Clock } from './core/clock'
import type { Config } from './config'
import type { Database } from './db/client'
import type { Deps } from './deps'
import { courtesyCopies } from './invoicing/courtesy-attachments'
import type { FatturaValidator } from './invoicing/validate'
import { startLifecycleSchedule } from './lifecycle/schedule'
import { deleteExpiredOperatorSessions } from './operators/operator-sessions'
import { sampleOperatorPasswordHashes } from './operators/queries'
import { operatorSignInGuard } from './operators/schema'
import { mailContext, type MailContext } from './notifications/mail-context'
import { startOutboxDispatcher } from './notifications/dispatch-outbox'
import { smtpTransport } from './notifications/transport'
import { pickCardGateways, type CardGateways } from './payments/gateways/pick-card-gateways'
import { offeredPaymentMethods } from './payments/offered-methods'
import { deleteOldSentMail } from './notifications/prune-outbox'
import { importSettlements, type ImportSettlements } from './flows/imports/settle-in-background'
import { deliverProvisioningCommands } from './provisioning/deliver-commands'
import { deliverEvents } from './events/deliver-events'
import type { MailPlatform } from './provisioning/mail-platform'
import { pickMailPlatform } from './provisioning/pick-mail-platform'

export type Log = (message: string, detail?: unknown) => void

/** How often the jobs make, validate and send the files of new invoices. */
export const INVOICE_FILES_INTERVAL_MS = 60_000

/** One wiring for the web server, the CLI and the jobs: the edges are chosen here, once. */
export interface Services {
  deps: Deps
  config: Config
  mail: MailContext
  /** The mail platform's adapter (MAIL_PLATFORM); none outside demo mode until one is configured (commands then wait, queued). */
  platform: MailPlatform | undefined
  /** Checks mailbox passwords at sign-in: the imported hashes, or an IMAP login when IMAP_URL is set. */
  mailboxCredentials: MailboxCredentialChecker
  /** Everything that checks a holder's password at sign-in, decoys included. */
  holderCredentials: HolderCredentials
  /** Checks operators' passwords, with a decoy for an unknown username. */
  operatorPasswords: StoredPasswordCheck
  /** Resolves stored "forgot password" requests in the background, after the response. */
  resetRequests: BackgroundWork
  /** Settles stored statements and slips reports in the background: started by an upload, resumed by the jobs. */
  imports: ImportSettlements
  /** Card and PayPal gateways: Stripe, PayPal, or the sandbox in demo mode only (R10). */
  gateways: CardGateways
  /** Holder sessions this process checked within the last minute (see SessionCache). */
  sessions: SessionCache
  /** Keeps `sessions` true to sessions closed by other processes; the web server starts it. */
  listenForClosedSessions(): Promise<() => Promise<void>>
  /** Starts the background jobs: the daily lifecycle, the outbox dispatcher, provisioning, webhooks. */
  startJobs(log: Log): { stop(): Promise<void> }
}

/** Work started after a response (or by a timer) that nothing waits for, except shutdown and tests. */
export interface BackgroundWork {
  /** Starts a run, or another one after the current run when one is under way. */
  start(onError: Log): void
  /** Resolves when no run is under way nor due. */
  settled(): Promise<void>
}

function backgroundWork(run: () => Promise<unknown>): BackgroundWork {
  let current: Promise<void> | null = null
  let again = false
  const work: BackgroundWork = {
    start(onError) {
      if (current) {
        again = true
        return
      }
      current = run()
        .then(() => undefined, (error: unknown) => onError('background work failed', error))
        .finally(() => {
          current = null
          if (again) {
            again = false
            work.start(onError)
          }
        })
    },
    async settled() {
      while (current) await current
    },
  }
  return work
}

export function buildServices(config: Config, database: Database, clock: Clock): Services {
  const deps: Deps = { db: database.db, clock, config }
  const gateways = pickCardGateways(config)
  const methods = offeredPaymentMethods(gateways, config.paymentInstructions)
  const mail: MailContext = {
    ...mailContext(config.publicUrl, config.paymentInstructions ?? null, config.sessionSecrets[0], clock, methods, config.provider ?? null),
    // R11: the payment-received mail carries its invoice's courtesy copy, built when it is sent
    ...(config.invoicing ? { attachments: courtesyCopies(database.db, config.invoicing.seller, clock) } : {}),
  }
  const accountPasswords = storedPasswordCheck(() => samplePasswordHashes(database.db, 'accounts', DECOY_SAMPLE_SIZE), clock)
  const mailboxPasswords = storedPasswordCheck(() => samplePasswordHashes(database.db, 'mailboxes', DECOY_SAMPLE_SIZE), clock)
  const mailboxCredentials = config.imapUrl
    ? imapMailboxCredentials(imapServerFromUrl(config.imapUrl))
    : localMailboxCredentials(database.db, mailboxPasswords)
  const resetRequests = backgroundWork(() => resolvePasswordResetRequests(deps))
  // R10: the simulated platform only in demo mode; otherwise MAIL_PLATFORM's adapter, or none (commands wait).
  const platform = pickMailPlatform(config, database.db, clock, (line) => console.log(line))
  const sessions = new SessionCache()
  let log: Log = (message, detail) => console.error(message, detail) // the jobs' log once they run
  const imports = importSettlements(deps, (message, detail) => log(message, detail))
  return {
    deps,
    config,
    mail,
    platform,
    mailboxCredentials,
    holderCredentials: { mailboxes: mailboxCredentials, accountPasswords, mailboxPasswords },
    operatorPasswords: storedPasswordCheck(() => sampleOperatorPasswordHashes(database.db, DECOY_SAMPLE_SIZE), clock),
    resetRequests,
    imports,
    gateways,
    sessions,
    listenForClosedSessions: () =>
      database.listen(
        SESSIONS_CLOSED_CHANNEL,
        (accountId) => sessions.forgetAccount(accountId),
        () => sessions.clear(),
      ),
    startJobs(jobsLog) {
      log = jobsLog
      const schedule = startLifecycleSchedule(deps, config.lifecycleTime, log)
      const stops: Array<() => Promise<void> | void> = [() => schedule.stop()]
      // Issue 10: imports a stopped process left half-settled, on this node or another.
      const resumeImports = () => imports.resume().catch((error) => log('resuming imports failed', error))
      void resumeImports()
      const importsTimer = setInterval(resumeImports, 60_000)
      stops.push(() => clearInterval(importsTimer), () => imports.stop())
      if (config.smtpUrl) {
        const dispatcher = startOutboxDispatcher(deps, smtpTransport(config.smtpUrl, config.mailFrom), mail, {
          intervalMs: 15_000,
          onError: (error) => log('outbox dispatch failed', error),
        })
        stops.push(() => dispatcher.stop())
      } // without SMTP_URL mail stays queued: serve and worker say so at start, in the operator's language
      if (platform) {
        // One run at a time in this process (a day of 50,000 deactivations outlasts the interval).
        const provisioning = backgroundWork(() => deliverProvisioningCommands(deps, platform))
        const provisioningTimer = setInterval(() => provisioning.start((message, error) => log(`provisioning: ${message}`, error)), 30_000)
        stops.push(() => clearInterval(provisioningTimer), () => provisioning.settled())
      } // none outside demo mode until one is configured: commands stay queued (said at start)
      // Issue 15: events to the webhook endpoints, retried with backoff; one run at a time in this process
      const webhooks = backgroundWork(() => deliverEvents(deps))
      const webhooksTimer = setInterval(() => webhooks.start((message, error) => log(`webhooks: ${message}`, error)), 10_000)
      stops.push(() => clearInterval(webhooksTimer), () => webhooks.settled())
      // R11: the files of new invoices made, validated and sent, in batches; what a stop leaves, the next run does
      const invoicing = config.invoicing
      if (invoicing?.schemaDir) {
        const schemaDir = invoicing.schemaDir
        // loaded with the first run (xmllint-wasm, the schema): a start with no invoice to make stays quick
        let validator: FatturaValidator | undefined
        const files = backgroundWork(async () => {
          const [{ runInvoiceFiles }, { fatturaValidator }] = await Promise.all([import('./invoicing/run-invoice-files'), import('./invoicing/validate')])
          validator ??= fatturaValidator(schemaDir)
          const run = await runInvoiceFiles(deps.db, invoicing, validator, clock.now(), log)
          if (run.made || run.queued) log('invoice files run done', run)
        })
        const startFiles = () => files.start((message, error) => log(`invoice files: ${message}`, error))
        startFiles()
        const filesTimer = setInterval(startFiles, INVOICE_FILES_INTERVAL_MS)
        stops.push(() => clearInterval(filesTimer), () => files.settled())
      } // without the seller or the schema's folder, invoices are numbered and their files wait (said at start)
      // Reset requests a process stored and could not resolve after its response (it stopped).
      const forgotten = setInterval(() => resetRequests.start(log), 60_000)
      stops.push(() => clearInterval(forgotten), () => resetRequests.settled())
      const housekeeping = setInterval(() => {
        const now = clock.now()
        Promise.all([
          deleteExpiredSessions(deps),
          deleteExpiredOperatorSessions(deps),
          deleteStaleSignInFailures(deps.db, now),
          deleteStaleSignInFailures(deps.db, now, operatorSignInGuard),
          deleteSpentPasswordResets(deps.db, now),
          deleteOldSentMail(deps.db, now, config.mailRetentionDays),
        ]).catch(
          (error) => log('sign-in housekeeping failed', error),
        )
      }, 10 * 60_000)
      stops.push(() => clearInterval(housekeeping))
      return {
        async stop() {
          for (const stop of stops) await stop()
        },
      }
    },
  }
}
