import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { isPostgresUrl } from './db/client'
import type { PaymentInstructions } from './notifications/mail-context'
import { validateItalianIban } from './payments/instructions/iban'

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
  /** Behind a load balancer: how many proxy hops to trust for the client IP (sign-in limits key on it). */
  trustProxy: number
  /** imaps://host[:993] or imap://host[:143]: mailbox passwords checked by an IMAP login; absent: the imported hashes. */
  imapUrl?: string
  /** Card and PayPal gateways (issue 4). None configured: the local sandbox (a simulation) serves both. */
  gateways: GatewayConfig
  /** Where bonifico and bollettino payments go; absent: clearly marked demo data. */
  paymentInstructions?: PaymentInstructions
  /** The largest statement or slips report the back office accepts, in megabytes (default 250). */
  uploadMaxMb: number
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

export interface GatewayConfig {
  stripe?: StripeConfig
  paypal?: PaypalConfig
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
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    imapUrl: imapUrlFrom(env.IMAP_URL),
    gateways: gatewayConfig(env),
    paymentInstructions: paymentInstructionsConfig(env),
    uploadMaxMb: parseUploadMaxMb(env.UPLOAD_MAX_MB),
  }
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

/** Generated once and kept in the data folder, so sessions survive restarts. */
function sessionSecretFor(databaseUrl: string): string {
  if (isPostgresUrl(databaseUrl) || databaseUrl === 'memory://') return randomBytes(32).toString('hex')
  mkdirSync(databaseUrl, { recursive: true })
  const file = join(databaseUrl, 'session-secret')
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 })
  return readFileSync(file, 'utf8').trim()
}
