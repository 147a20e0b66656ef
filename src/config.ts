import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { isPostgresUrl } from './db/client'

/** Everything the process reads from its environment, validated once at start. */
export interface Config {
  /** postgres://… for a server; otherwise a folder (default ./data) for the embedded PGlite. */
  databaseUrl: string
  /** smtp://… or smtps://…; absent: mail stays in the outbox, readable in the dev mail viewer. */
  smtpUrl?: string
  mailFrom: string
  publicUrl: string
  host: string
  port: number
  businessTimeZone: string
  /** Wall-clock time (Europe/Rome) of the daily lifecycle run. */
  lifecycleTime: string
  sessionSecret: string
  /** imaps://host[:993] or imap://host[:143]: mailbox passwords checked by an IMAP login; absent: the imported hashes. */
  imapUrl?: string
}

export class ConfigError extends Error {}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL || './data'
  const port = env.PORT ? Number(env.PORT) : 3000
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT: expected an integer between 0 and 65535, got "${env.PORT}"`)
  }
  const smtpUrl = env.SMTP_URL || undefined
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) {
    throw new ConfigError(`SMTP_URL: expected smtp://user:pass@host:port or smtps://…, got "${smtpUrl}"`)
  }
  const publicUrl = (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/$/, '')
  try {
    new URL(publicUrl)
  } catch {
    throw new ConfigError(`PUBLIC_URL: expected an absolute URL such as https://rinnovi.example.it, got "${publicUrl}"`)
  }
  const businessTimeZone = env.TZ_BUSINESS || 'Europe/Rome'
  try {
    new Intl.DateTimeFormat('it', { timeZone: businessTimeZone })
  } catch {
    throw new ConfigError(`TZ_BUSINESS: unknown time zone "${businessTimeZone}"`)
  }
  const lifecycleTime = env.LIFECYCLE_TIME || '00:30'
  if (!TIME.test(lifecycleTime)) throw new ConfigError(`LIFECYCLE_TIME: expected HH:MM, got "${lifecycleTime}"`)
  return {
    databaseUrl,
    smtpUrl,
    mailFrom: env.MAIL_FROM || 'PEC Rinnovi <rinnovi@localhost>',
    publicUrl,
    host: env.HOST || '127.0.0.1',
    port,
    businessTimeZone,
    lifecycleTime,
    sessionSecret: env.SESSION_SECRET || sessionSecretFor(databaseUrl),
    imapUrl: imapUrlFrom(env.IMAP_URL),
  }
}

/** IMAP_URL: the mail platform's IMAP server, as a bare scheme, host and port. */
function imapUrlFrom(value: string | undefined): string | undefined {
  if (!value) return undefined
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  const bare = url && !url.username && !url.password && (url.pathname === '' || url.pathname === '/') && !url.search && !url.hash
  if (!url || !['imap:', 'imaps:'].includes(url.protocol) || !url.hostname || !bare) {
    const shown = url?.password ? value.replace(url.password, '***') : value // never echo a password
    throw new ConfigError(`IMAP_URL: expected imaps://host:993 (TLS) or imap://host:143 (STARTTLS), without user, path or query, got "${shown}"`)
  }
  return `${url.protocol}//${url.host}`
}

/** Generated once and kept in the data folder, so sessions survive restarts. */
function sessionSecretFor(databaseUrl: string): string {
  if (isPostgresUrl(databaseUrl) || databaseUrl === 'memory://') return randomBytes(32).toString('hex')
  mkdirSync(databaseUrl, { recursive: true })
  const file = join(databaseUrl, 'session-secret')
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 })
  return readFileSync(file, 'utf8').trim()
}
