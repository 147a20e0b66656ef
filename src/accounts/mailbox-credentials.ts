import { ImapFlow } from 'imapflow'
import type { Executor } from '../db/client'
import { findMailboxByAddress } from './queries'
import type { StoredPasswordCheck } from './stored-password-check'

/**
 * The port that checks a PEC mailbox's own password. `verify` answers true or false for the
 * password; it throws MailboxCredentialsUnavailable when it cannot tell (the mail platform is
 * down), which is not a wrong password and must not count towards a lockout.
 */
export interface MailboxCredentialChecker {
  readonly name: 'local' | 'imap'
  verify(address: string, password: string): Promise<boolean>
}

export class MailboxCredentialsUnavailable extends Error {
  constructor(cause: unknown) {
    super('mailbox_credentials_unavailable', { cause })
    this.name = 'MailboxCredentialsUnavailable'
  }
}

/** The default adapter: the mailbox password hash imported from the mail platform's export. */
export function localMailboxCredentials(db: Executor, check: StoredPasswordCheck): MailboxCredentialChecker {
  return {
    name: 'local',
    async verify(address, password) {
      const mailbox = await findMailboxByAddress(db, address)
      return check(password, mailbox?.passwordHash) // no hash (or no mailbox): a decoy like the imported ones
    },
  }
}

export interface ImapServer {
  host: string
  port: number
  /** imaps://: TLS from the first byte. imap://: STARTTLS, required unless the server is local. */
  secure: boolean
  /** Cleartext is allowed only for a server on this machine (tests, a local proxy). */
  allowCleartext: boolean
  timeoutMs: number
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1'])

/** imaps://host[:993] or imap://host[:143], as IMAP_URL gives it (validated in config.ts). */
export function imapServerFromUrl(url: string, timeoutMs = 10_000): ImapServer {
  const parsed = new URL(url)
  const secure = parsed.protocol === 'imaps:'
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : secure ? 993 : 143,
    secure,
    allowCleartext: !secure && LOOPBACK.has(parsed.hostname),
    timeoutMs,
  }
}

/**
 * The mail platform adapter: the password is right when an IMAP LOGIN with it succeeds (the
 * connection logs out at once and reads nothing). A refused login is false; anything else —
 * no answer, TLS failure, NO [UNAVAILABLE] — throws MailboxCredentialsUnavailable.
 */
export function imapMailboxCredentials(server: ImapServer): MailboxCredentialChecker {
  return {
    name: 'imap',
    async verify(address, password) {
      const client = new ImapFlow({
        host: server.host,
        port: server.port,
        secure: server.secure,
        // Credentials never cross the network in clear, except to a server on this machine.
        doSTARTTLS: server.secure ? undefined : server.allowCleartext ? undefined : true,
        auth: { user: address.trim().toLowerCase(), pass: password },
        verifyOnly: true,
        logger: false,
        disableAutoIdle: true,
        disableCompression: true,
        disableAutoEnable: true,
        connectionTimeout: server.timeoutMs,
        greetingTimeout: server.timeoutMs,
        socketTimeout: server.timeoutMs,
      })
      client.on('error', () => {}) // a late socket error after the outcome is known: nothing to do
      try {
        await client.connect()
        return true
      } catch (error) {
        const refusal = error as { authenticationFailed?: boolean; serverResponseCode?: string }
        // RFC 5530: NO [UNAVAILABLE] is the server failing, not the password being wrong.
        if (refusal.authenticationFailed && refusal.serverResponseCode !== 'UNAVAILABLE') return false
        throw new MailboxCredentialsUnavailable(error)
      } finally {
        client.close()
      }
    },
  }
}
