import {
  imapMailboxCredentials,
  imapServerFromUrl,
  localMailboxCredentials,
  type MailboxCredentialChecker,
} from './accounts/mailbox-credentials'
import { deleteSpentPasswordResets } from './accounts/password-reset'
import { SESSIONS_CLOSED_CHANNEL, SessionCache } from './accounts/session-cache'
import { deleteExpiredSessions } from './accounts/sessions'
import { deleteStaleSignInFailures } from './accounts/sign-in-guard'
import type { Clock } from './core/clock'
import type { Config } from './config'
import type { Database } from './db/client'
import type { Deps } from './deps'
import { startLifecycleSchedule } from './lifecycle/schedule'
import { deleteExpiredOperatorSessions } from './operators/operator-sessions'
import { operatorSignInFailures } from './operators/schema'
import { mailContext, type MailContext } from './notifications/mail-context'
import { startOutboxDispatcher } from './notifications/dispatch-outbox'
import { smtpTransport } from './notifications/transport'
import { pickCardGateways, type CardGateways } from './payments/gateways/pick-card-gateways'
import { offeredPaymentMethods } from './payments/offered-methods'
import { deleteOldSentMail } from './notifications/prune-outbox'
import { deliverProvisioningCommands } from './provisioning/deliver-commands'
import { loggingMailPlatform, type MailPlatform } from './provisioning/mail-platform'

export type Log = (message: string, detail?: unknown) => void

/** One wiring for the web server, the CLI and the jobs: the edges are chosen here, once. */
export interface Services {
  deps: Deps
  config: Config
  mail: MailContext
  /** The mail platform's adapter; none outside demo mode until one is configured (commands then wait, queued). */
  platform: MailPlatform | undefined
  /** Checks mailbox passwords at sign-in: the imported hashes, or an IMAP login when IMAP_URL is set. */
  mailboxCredentials: MailboxCredentialChecker
  /** Card and PayPal gateways: Stripe, PayPal, or the sandbox in demo mode only (R10). */
  gateways: CardGateways
  /** Holder sessions this process checked within the last minute (see SessionCache). */
  sessions: SessionCache
  /** Keeps `sessions` true to sessions closed by other processes; the web server starts it. */
  listenForClosedSessions(): Promise<() => Promise<void>>
  /** Starts the background jobs: the daily lifecycle, the outbox dispatcher, provisioning. */
  startJobs(log: Log): { stop(): Promise<void> }
}

export function buildServices(config: Config, database: Database, clock: Clock): Services {
  const deps: Deps = { db: database.db, clock, config }
  const gateways = pickCardGateways(config)
  const methods = offeredPaymentMethods(gateways, config.paymentInstructions)
  const mail = mailContext(config.publicUrl, config.paymentInstructions ?? null, config.sessionSecrets[0], clock, methods)
  const mailboxCredentials = config.imapUrl
    ? imapMailboxCredentials(imapServerFromUrl(config.imapUrl))
    : localMailboxCredentials(database.db)
  // R10: the log-only platform is a simulation; outside demo mode commands wait for a real adapter (issue 13).
  const platform = config.mode === 'demo' ? loggingMailPlatform((line) => console.log(line)) : undefined
  const sessions = new SessionCache()
  return {
    deps,
    config,
    mail,
    platform,
    mailboxCredentials,
    gateways,
    sessions,
    listenForClosedSessions: () =>
      database.listen(
        SESSIONS_CLOSED_CHANNEL,
        (accountId) => sessions.forgetAccount(accountId),
        () => sessions.clear(),
      ),
    startJobs(log) {
      const schedule = startLifecycleSchedule(deps, config.lifecycleTime, log)
      const stops: Array<() => Promise<void> | void> = [() => schedule.stop()]
      if (config.smtpUrl) {
        const dispatcher = startOutboxDispatcher(deps, smtpTransport(config.smtpUrl, config.mailFrom), mail, {
          intervalMs: 15_000,
          onError: (error) => log('outbox dispatch failed', error),
        })
        stops.push(() => dispatcher.stop())
      } else {
        log(config.mode === 'demo' ? 'SMTP_URL not set: e-mail stays in the outbox (see /dev/posta)' : 'SMTP_URL not set: e-mail is queued in the outbox and not sent')
      }
      if (platform) {
        const provisioning = setInterval(() => {
          deliverProvisioningCommands(deps, platform).catch((error) => log('provisioning failed', error))
        }, 30_000)
        stops.push(() => clearInterval(provisioning))
      } else {
        log('no mail platform configured: disable/enable/delete commands stay queued')
      }
      const housekeeping = setInterval(() => {
        const now = clock.now()
        Promise.all([
          deleteExpiredSessions(deps),
          deleteExpiredOperatorSessions(deps),
          deleteStaleSignInFailures(deps.db, now),
          deleteStaleSignInFailures(deps.db, now, operatorSignInFailures),
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
