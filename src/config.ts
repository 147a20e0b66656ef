import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { OUR_HASH_COST, type HashCost } from './accounts/passwords'
import { isPostgresUrl } from './db/client'
import { DEMO_PAYMENT_INSTRUCTIONS, type PaymentInstructions } from './notifications/mail-context'
import { validateItalianIban } from './core/iban'
import { parseSecretKey } from './core/secret-box'
import type { WebhookSettings } from './events/settings'
import { INVOICING_VARIABLES, invoicingConfig, type InvoicingConfig } from './invoicing/config'
import { PROVIDER_VARIABLES, readProviderIdentity, type ProviderIdentity, type ProviderProblem } from './core/provider-identity'

/**
 * R10: 'demo' turns on what exists only to try the service out (sample data, the mail viewer, the
 * sandbox gateway, the log-only mail platform, fictitious bank details). It is chosen explicitly,
 * by PEC_MODE=demo or by the marker `pec-renewal demo` leaves in an embedded data folder, and
 * refused next to anything that looks like production; leaving a variable out means production.
 */
export type ServiceMode = 'demo' | 'production'

/** Everything the process reads from its environment, validated once at start. */
export interface Config {
  mode: ServiceMode
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
  /** Sign cookies and links: the first signs, every one verifies, so a secret can be rotated. */
  sessionSecrets: string[]
  /**
   * OFFICE_TOTP_KEY: seals the operators' TOTP secrets at rest (AES-256-GCM, 32 bytes). Required with
   * PostgreSQL; the embedded database keeps one beside its data; demo mode has a fixed key.
   */
  officeTotpKey: Buffer
  /** Behind a load balancer: how many proxy hops to trust for the client IP (sign-in limits key on it). */
  trustProxy: number
  /** imaps://host[:993] or imap://host[:143]: mailbox passwords checked by an IMAP login; absent: the imported hashes. */
  imapUrl?: string
  /** Where disable, enable and delete go (issue 13); absent: commands stay queued (the simulation in demo mode only). */
  mailPlatform?: MailPlatformConfig
  /** Card and PayPal gateways. None configured: card and PayPal are not offered (the sandbox in demo mode only). */
  gateways: GatewayConfig
  /** Where bonifico and bollettino payments go; absent: they are not offered (clearly marked demo data in demo mode). */
  paymentInstructions?: PaymentInstructions
  /** The largest statement or slips report the back office accepts, in megabytes (default 250). */
  uploadMaxMb: number
  /** Sent mail older than this is deleted by the jobs (MAIL_RETENTION_DAYS, default 400). */
  mailRetentionDays: number
  /** Issue 11: an expiry extended by hand by more days than this waits for a second operator's approval (OFFICE_EXTENSION_APPROVAL_DAYS, default 30). */
  officeExtensionApprovalDays: number
  /** Set variables that look like ours but are not (a misspelt STRIPE_KEY, say): said at start. */
  unknownVariables: UnknownVariable[]
  /** LOG_LEVEL: how much `serve` and `worker` log (default info). */
  logLevel: LogLevel
  /** The seller and transmitter of the e-invoices (INVOICE_*); absent: invoices are numbered, their files wait for it. */
  invoicing?: InvoicingConfig
  /**
   * Who runs the service (PROVIDER_*), shown on every page and e-mail; the demo's in demo mode.
   * Absent in production when not configured: `serve` and `worker` then refuse to start, saying
   * `providerProblems` in the operator's language.
   */
  provider?: ProviderIdentity
  providerProblems: ProviderProblem[]
  /**
   * The cost of the password hashes the service writes: always OUR_HASH_COST (no variable lowers
   * it); tests build their settings with a low one (test/support/config.ts).
   */
  passwordHashCost: HashCost
  /** Outbound webhooks (WEBHOOK_*): docs/webhooks.md. */
  webhooks: WebhookSettings
}

/** LOG_LEVEL's values: pino's levels. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface UnknownVariable {
  name: string
  /** The setting it most resembles. */
  suggestion?: string
}

export interface StripeConfig {
  secretKey: string
  webhookSecret: string
  /** Tests point this at a local fake of Stripe's API; default https://api.stripe.com. */
  apiBase?: string
}

export interface PaypalConfig {
  clientId: string
  clientSecret: string
  webhookId: string
  /** https://api-m.paypal.com (default, live) or https://api-m.sandbox.paypal.com; tests use a local fake. */
  apiBase: string
}

/**
 * MAIL_PLATFORM=sql: Dovecot and Postfix read our database's view (docs/mail-platform.md), a
 * PostgreSQL DATABASE_URL only. MAIL_PLATFORM=http: a signed JSON POST per command to
 * MAIL_PLATFORM_URL, HMAC-SHA256 with MAIL_PLATFORM_SECRET.
 */
export type MailPlatformConfig = { kind: 'sql' } | { kind: 'http'; url: string; secret: string }

export interface GatewayConfig {
  stripe?: StripeConfig
  paypal?: PaypalConfig
}

/** A setting the service cannot start with. Its message never carries a credential (see maskCredentials). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(maskCredentials(message))
  }
}

/**
 * `smtp://user:secret@host` → `smtp://user:***@host`, wherever it appears in a text, mistyped
 * URLs too (`smtp//user:secret@host`); a password holding an @ is masked up to the host.
 */
export function maskCredentials(text: string): string {
  return text.replace(/([a-z0-9+.-]*:?\/\/)?([^\s:@"'/]+):([^\s"']*)@([^\s@"']*)/gi, '$1$2:***@$4')
}

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
  const host = env.HOST || '127.0.0.1'
  const gateways = gatewayConfig(env)
  const mode = serviceMode(env.PEC_MODE, databaseUrl)
  if (mode === 'demo') refuseDemoBeside({ databaseUrl, publicUrl, host, gateways })
  const providerSettings = readProviderIdentity(env, mode === 'demo', publicUrl)
  return {
    mode,
    databaseUrl,
    smtpUrl,
    mailFrom: env.MAIL_FROM || 'PEC Rinnovi <rinnovi@localhost>',
    publicUrl,
    host,
    port,
    businessTimeZone,
    lifecycleTime,
    sessionSecrets: sessionSecrets(env.SESSION_SECRET, databaseUrl),
    officeTotpKey: officeTotpKey(env.OFFICE_TOTP_KEY, databaseUrl, mode),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    imapUrl: imapUrlFrom(env.IMAP_URL),
    mailPlatform: mailPlatformConfig(env, databaseUrl),
    gateways,
    paymentInstructions: paymentInstructionsConfig(env) ?? (mode === 'demo' ? DEMO_PAYMENT_INSTRUCTIONS : undefined),
    uploadMaxMb: parseUploadMaxMb(env.UPLOAD_MAX_MB),
    mailRetentionDays: parseMailRetentionDays(env.MAIL_RETENTION_DAYS),
    officeExtensionApprovalDays: parseExtensionApprovalDays(env.OFFICE_EXTENSION_APPROVAL_DAYS),
    unknownVariables: unknownVariables(env),
    logLevel: parseLogLevel(env.LOG_LEVEL),
    invoicing: readInvoicingConfig(env, mode),
    provider: providerSettings.identity,
    providerProblems: providerSettings.problems,
    passwordHashCost: OUR_HASH_COST,
    webhooks: webhookSettings(env, mode),
  }
}

function webhookSettings(env: NodeJS.ProcessEnv, mode: ServiceMode): WebhookSettings {
  const after = env.WEBHOOK_DISABLE_AFTER ? Number(env.WEBHOOK_DISABLE_AFTER) : 20
  if (!Number.isInteger(after) || after < 1 || after > 10_000) throw new ConfigError(`WEBHOOK_DISABLE_AFTER: expected a whole number of failed calls (1–10000), got "${env.WEBHOOK_DISABLE_AFTER}"`)
  const privateNetworks = env.WEBHOOK_ALLOW_PRIVATE_NETWORKS
  if (privateNetworks !== undefined && !['yes', 'no', ''].includes(privateNetworks)) throw new ConfigError(`WEBHOOK_ALLOW_PRIVATE_NETWORKS: expected yes or no, got "${privateNetworks}"`)
  return { allowHttp: mode === 'demo', allowPrivateAddresses: mode === 'demo' || privateNetworks === 'yes', disableAfterFailures: after }
}

function readInvoicingConfig(env: NodeJS.ProcessEnv, mode: ServiceMode): InvoicingConfig | undefined {
  try {
    return invoicingConfig(env, mode)
  } catch (error) {
    throw new ConfigError((error as Error).message)
  }
}

function parseLogLevel(value: string | undefined): LogLevel {
  if (!value) return 'info'
  if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new ConfigError(`LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got "${value}"`)
  return value as LogLevel
}

/** The file `pec-renewal demo` leaves in an embedded data folder: that folder holds the demo. */
export const DEMO_MARKER = 'demo-mode'

export function demoMarkerPath(databaseUrl: string): string | undefined {
  return isPostgresUrl(databaseUrl) || databaseUrl === 'memory://' ? undefined : join(databaseUrl, DEMO_MARKER)
}

/** Records that this embedded data folder holds the demo, so that `serve` on it runs in demo mode. */
export function markDemoFolder(databaseUrl: string): void {
  const marker = demoMarkerPath(databaseUrl)
  if (!marker) throw new ConfigError('DATABASE_URL: the demo runs only on the embedded database (a folder, such as ./data)')
  mkdirSync(databaseUrl, { recursive: true })
  writeFileSync(marker, 'This folder holds the pec-renewal demo (made by `pec-renewal demo`): sample data, mail viewer, simulated payments.\n')
}

function serviceMode(value: string | undefined, databaseUrl: string): ServiceMode {
  const marker = demoMarkerPath(databaseUrl)
  const demoFolder = !!marker && existsSync(marker)
  if (!value) return demoFolder ? 'demo' : 'production'
  if (value !== 'demo' && value !== 'production') throw new ConfigError(`PEC_MODE: expected demo or production, got "${value}"`)
  if (value === 'production' && demoFolder) {
    throw new ConfigError(`PEC_MODE: production on ${databaseUrl}, which holds the demo (made by \`pec-renewal demo\`): use a new data folder for production`)
  }
  return value
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1'])

/**
 * R10: demo mode shows every holder's mail and takes simulated payments, so it must never run
 * where real holders or real money could reach it.
 */
function refuseDemoBeside(setting: { databaseUrl: string; publicUrl: string; host: string; gateways: GatewayConfig }): void {
  const refuse = (why: string) => {
    throw new ConfigError(`PEC_MODE=demo: ${why}; the demo (mail viewer, simulated payments) never runs in production`)
  }
  if (isPostgresUrl(setting.databaseUrl)) refuse('not with a PostgreSQL DATABASE_URL (the demo runs on the embedded database only)')
  if (setting.publicUrl.startsWith('https://')) refuse('not with an https PUBLIC_URL (a public address)')
  if (setting.gateways.stripe || setting.gateways.paypal) refuse('not with real payment gateway keys (STRIPE_* / PAYPAL_*)')
  if (!LOOPBACK_HOSTS.has(setting.host)) refuse(`HOST must be this machine (127.0.0.1), not "${setting.host}"`)
}

function parseUploadMaxMb(value: string | undefined): number {
  if (!value) return 250
  const mb = Number(value)
  if (!Number.isInteger(mb) || mb < 1 || mb > 10_000) throw new ConfigError(`UPLOAD_MAX_MB: expected a whole number of megabytes (1–10000), got "${value}"`)
  return mb
}

/** Stripe needs its key and webhook signing secret together, PayPal its three values together. */
function gatewayConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const gateways: GatewayConfig = {}
  const secretKey = env.STRIPE_SECRET_KEY || undefined
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET || undefined
  const stripeBase = optionalUrl(env, 'STRIPE_API_BASE')
  if (secretKey || webhookSecret) {
    if (!secretKey || !/^(sk|rk)_(test|live)_\w+$/.test(secretKey)) {
      throw new ConfigError('STRIPE_SECRET_KEY: expected a Stripe secret key such as sk_live_… or sk_test_… (set together with STRIPE_WEBHOOK_SECRET)')
    }
    if (!webhookSecret || !/^whsec_\w+$/.test(webhookSecret)) {
      throw new ConfigError('STRIPE_WEBHOOK_SECRET: expected the webhook signing secret whsec_… of the endpoint /webhooks/stripe (set together with STRIPE_SECRET_KEY)')
    }
    gateways.stripe = { secretKey, webhookSecret, ...(stripeBase ? { apiBase: stripeBase } : {}) }
  }
  const paypal = { PAYPAL_CLIENT_ID: env.PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET: env.PAYPAL_CLIENT_SECRET, PAYPAL_WEBHOOK_ID: env.PAYPAL_WEBHOOK_ID }
  const given = Object.entries(paypal).filter(([, value]) => value)
  if (given.length > 0) {
    const missing = Object.keys(paypal).filter((name) => !paypal[name as keyof typeof paypal])
    if (missing.length) throw new ConfigError(`${missing.join(', ')}: PayPal needs PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET and PAYPAL_WEBHOOK_ID together`)
    gateways.paypal = {
      clientId: paypal.PAYPAL_CLIENT_ID!,
      clientSecret: paypal.PAYPAL_CLIENT_SECRET!,
      webhookId: paypal.PAYPAL_WEBHOOK_ID!,
      apiBase: optionalUrl(env, 'PAYPAL_API_BASE') ?? 'https://api-m.paypal.com',
    }
  }
  return gateways
}

function optionalUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]
  if (!value) return undefined
  try {
    const url = new URL(value)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error()
  } catch {
    throw new ConfigError(`${name}: expected an http(s) URL such as https://api-m.sandbox.paypal.com, got "${value}"`)
  }
  return value.replace(/\/$/, '')
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

function mailPlatformConfig(env: NodeJS.ProcessEnv, databaseUrl: string): MailPlatformConfig | undefined {
  const kind = env.MAIL_PLATFORM || undefined
  if (!kind) {
    if (env.MAIL_PLATFORM_URL || env.MAIL_PLATFORM_SECRET) throw new ConfigError('MAIL_PLATFORM: set it to http to use MAIL_PLATFORM_URL and MAIL_PLATFORM_SECRET')
    return undefined
  }
  if (kind === 'sql') {
    if (!isPostgresUrl(databaseUrl)) throw new ConfigError('MAIL_PLATFORM=sql: needs a PostgreSQL DATABASE_URL (Dovecot and Postfix read its view mail_platform_accounts)')
    return { kind }
  }
  if (kind !== 'http') throw new ConfigError(`MAIL_PLATFORM: expected sql or http, got "${kind}"`)
  const url = optionalUrl(env, 'MAIL_PLATFORM_URL')
  if (!url) throw new ConfigError('MAIL_PLATFORM_URL: required with MAIL_PLATFORM=http (the endpoint that receives the commands)')
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1')
  if (url.startsWith('http:') && !LOOPBACK_HOSTS.has(host)) throw new ConfigError(`MAIL_PLATFORM_URL: expected https:// (plain http only to this machine), got "${url}"`)
  const secret = env.MAIL_PLATFORM_SECRET || ''
  const weakness = secret ? secretWeakness(secret) : 'missing'
  if (weakness) throw new ConfigError(`MAIL_PLATFORM_SECRET: ${weakness}; the key both sides sign with, generate one with \`openssl rand -hex 32\``)
  return { kind, url, secret }
}

const PAYMENT_VARIABLES = ['PAYMENT_BENEFICIARY', 'PAYMENT_IBAN', 'PAYMENT_BIC', 'PAYMENT_POSTAL_ACCOUNT'] as const

/** The provider's bank and postal details, all four or none; the IBAN's check digits and CIN are verified. */
function paymentInstructionsConfig(env: NodeJS.ProcessEnv): PaymentInstructions | undefined {
  const given = PAYMENT_VARIABLES.filter((name) => env[name])
  if (given.length === 0) return undefined
  const missing = PAYMENT_VARIABLES.filter((name) => !env[name])
  if (missing.length) throw new ConfigError(`${missing.join(', ')}: set together with ${given.join(', ')} (the payment details shown to holders)`)
  const iban = validateItalianIban(env.PAYMENT_IBAN!)
  if (!iban.ok) throw new ConfigError(`PAYMENT_IBAN: ${iban.message}`)
  const bic = env.PAYMENT_BIC!.trim().toUpperCase()
  if (!/^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(bic)) throw new ConfigError(`PAYMENT_BIC: expected 8 or 11 letters and digits, got "${env.PAYMENT_BIC}"`)
  const postalAccount = env.PAYMENT_POSTAL_ACCOUNT!.replace(/\s/g, '')
  if (!/^\d{1,12}$/.test(postalAccount)) throw new ConfigError(`PAYMENT_POSTAL_ACCOUNT: expected the postal account number (up to 12 digits), got "${env.PAYMENT_POSTAL_ACCOUNT}"`)
  return { beneficiary: env.PAYMENT_BENEFICIARY!.trim(), iban: iban.iban, bic, postalAccount: postalAccount.padStart(12, '0'), isDemo: false }
}

function parseTrustProxy(value: string | undefined): number {
  if (!value) return 0
  const hops = Number(value)
  if (!Number.isInteger(hops) || hops < 0 || hops > 10) {
    throw new ConfigError(`TRUST_PROXY: expected the number of proxies in front of the service (0–10), got "${value}"`)
  }
  return hops
}

/** SESSION_SECRET: one secret, or several separated by commas or spaces (the first signs, all verify). */
function sessionSecrets(value: string | undefined, databaseUrl: string): string[] {
  if (value?.trim()) {
    const secrets = value.split(/[\s,]+/).filter(Boolean)
    secrets.forEach((secret, i) => {
      const problem = secretWeakness(secret)
      if (problem) throw new ConfigError(`SESSION_SECRET${secrets.length > 1 ? ` (secret ${i + 1} of ${secrets.length})` : ''}: ${problem}; generate one with \`openssl rand -hex 32\``)
    })
    return secrets
  }
  if (isPostgresUrl(databaseUrl)) {
    // Several processes share a PostgreSQL: each inventing its own secret would break every link and form between them.
    throw new ConfigError('SESSION_SECRET: required with a PostgreSQL DATABASE_URL (every node must sign with the same secret); generate one with `openssl rand -hex 32`')
  }
  if (databaseUrl === 'memory://') return [randomBytes(32).toString('hex')] // one process, gone when it ends
  // The embedded database has one process at a time: a secret kept beside its data survives restarts.
  mkdirSync(databaseUrl, { recursive: true })
  const file = join(databaseUrl, 'session-secret')
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 })
  return [readFileSync(file, 'utf8').trim()]
}

/** A fixed key for demo mode only (R10): the demo's operators are sample data. Never used in production. */
export const DEMO_TOTP_KEY = Buffer.from('demo-only-totp-key-not-for-prod!', 'utf8')

/** OFFICE_TOTP_KEY: 64 hex digits or 44 base64 characters; with PostgreSQL required, as SESSION_SECRET is. */
function officeTotpKey(value: string | undefined, databaseUrl: string, mode: ServiceMode): Buffer {
  const howTo = 'generate one with `openssl rand -hex 32`'
  if (value?.trim()) {
    const key = parseSecretKey(value)
    if (!key) throw new ConfigError(`OFFICE_TOTP_KEY: expected 32 bytes as 64 hex digits or 44 base64 characters; ${howTo}`)
    const problem = secretWeakness(key.toString('hex'))
    if (problem) throw new ConfigError(`OFFICE_TOTP_KEY: ${problem}; ${howTo}`)
    return key
  }
  if (mode === 'demo') return DEMO_TOTP_KEY
  if (isPostgresUrl(databaseUrl)) {
    throw new ConfigError(`OFFICE_TOTP_KEY: required with a PostgreSQL DATABASE_URL (it seals the operators' second-factor secrets; every node needs the same key); ${howTo}`)
  }
  if (databaseUrl === 'memory://') return randomBytes(32) // one process, gone when it ends
  // The embedded database has one process at a time: a key kept beside its data survives restarts.
  mkdirSync(databaseUrl, { recursive: true })
  const file = join(databaseUrl, 'office-totp-key')
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 })
  const key = parseSecretKey(readFileSync(file, 'utf8'))
  if (!key) throw new ConfigError(`${file}: not a key of 64 hex digits; set OFFICE_TOTP_KEY or remove the file before any operator has enrolled`)
  return key
}

/**
 * Why a secret is too weak to sign with, or null. At least 32 bytes of entropy, estimated from its
 * length and the alphabet it draws on (64 hex digits, or 43 base64 characters, pass), and no
 * repetitive text: `aaaa…` or `abcabc…` is long but guessable.
 */
export function secretWeakness(secret: string): string | null {
  const alphabet = /^[0-9a-f]+$/i.test(secret) ? 16 : /^[A-Za-z0-9_\-+/=]+$/.test(secret) ? 64 : 95
  const bits = secret.length * Math.log2(alphabet)
  const counts = new Map<string, number>()
  for (const c of secret) counts.set(c, (counts.get(c) ?? 0) + 1)
  let shannon = 0
  for (const n of counts.values()) shannon -= (n / secret.length) * Math.log2(n / secret.length)
  if (bits < 256) return `too short (about ${Math.floor(bits / 8)} bytes of entropy, at least 32 needed)`
  if (shannon < 3 || counts.size < 12) return 'too repetitive to be random'
  return null
}

function parseMailRetentionDays(value: string | undefined): number {
  if (!value) return 400
  const days = Number(value)
  if (!Number.isInteger(days) || days < 7 || days > 3650) throw new ConfigError(`MAIL_RETENTION_DAYS: expected a whole number of days (7–3650), got "${value}"`)
  return days
}

function parseExtensionApprovalDays(value: string | undefined): number {
  if (!value) return 30
  const days = Number(value)
  if (!Number.isInteger(days) || days < 0 || days > 3650) throw new ConfigError(`OFFICE_EXTENSION_APPROVAL_DAYS: expected a whole number of days (0–3650), got "${value}"`)
  return days
}

/** Every variable the service, its command line and its tests read. */
export const KNOWN_VARIABLES = [
  'DATABASE_URL', 'SMTP_URL', 'MAIL_FROM', 'PUBLIC_URL', 'HOST', 'PORT', 'TZ_BUSINESS', 'LIFECYCLE_TIME',
  'SESSION_SECRET', 'OFFICE_TOTP_KEY', 'TRUST_PROXY', 'IMAP_URL', 'MAIL_PLATFORM', 'MAIL_PLATFORM_URL', 'MAIL_PLATFORM_SECRET', 'UPLOAD_MAX_MB', 'MAIL_RETENTION_DAYS', 'LOG_LEVEL', 'OFFICE_EXTENSION_APPROVAL_DAYS',
  'WEBHOOK_DISABLE_AFTER', 'WEBHOOK_ALLOW_PRIVATE_NETWORKS',
  'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_BASE',
  'PAYPAL_CLIENT_ID', 'PAYPAL_CLIENT_SECRET', 'PAYPAL_WEBHOOK_ID', 'PAYPAL_API_BASE',
  'PAYMENT_BENEFICIARY', 'PAYMENT_IBAN', 'PAYMENT_BIC', 'PAYMENT_POSTAL_ACCOUNT',
  ...INVOICING_VARIABLES,
  ...Object.values(PROVIDER_VARIABLES),
  'PEC_MODE', 'PEC_LANG', 'PEC_OPERATOR', 'PEC_OPERATOR_PASSWORD', 'PEC_DEBUG',
  'DATABASE_URL_TEST', 'REQUIRE_POSTGRES', 'REQUIRE_BROWSER',
] as const

// Names starting like these are ours; another variable is ours only if it is one typo from a known name.
const OUR_PREFIXES = ['STRIPE_', 'PAYPAL_', 'PAYMENT_', 'SMTP_', 'SESSION_', 'PEC_', 'IMAP_', 'MAIL_', 'DATABASE_', 'UPLOAD_', 'LIFECYCLE_', 'INVOICE_', 'PROVIDER_', 'PUBLIC_URL', 'TRUST_PROXY', 'TZ_BUSINESS', 'OFFICE_', 'WEBHOOK_']

/** Set variables that are not settings of ours but look like one, each with the setting it resembles. */
export function unknownVariables(env: NodeJS.ProcessEnv): UnknownVariable[] {
  const known = new Set<string>(KNOWN_VARIABLES)
  const found: UnknownVariable[] = []
  for (const name of Object.keys(env).sort()) {
    if (known.has(name) || env[name] === undefined) continue
    const upper = name.toUpperCase()
    // Two edits apart at most, so two letters longer or shorter at most: the length is checked
    // first (each process start looks at every variable set, and most are nowhere near).
    const near = (k: string) => k.length >= 7 && Math.abs(k.length - upper.length) <= 2 && editDistance(upper, k) <= 2
    if (!OUR_PREFIXES.some((p) => upper.startsWith(p)) && !KNOWN_VARIABLES.some(near)) continue
    found.push({ name, suggestion: closestKnown(upper) })
  }
  return found
}

function closestKnown(name: string): string | undefined {
  const words = new Set(name.split('_'))
  const scored = KNOWN_VARIABLES.map((k) => ({ k, shared: k.split('_').filter((w) => words.has(w)).length, distance: editDistance(name, k) }))
    .filter((s) => s.shared > 0 || s.distance <= 2)
    .sort((a, b) => b.shared - a.shared || a.distance - b.distance)
  return scored[0]?.k
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = current
  }
  return previous[b.length]
}
