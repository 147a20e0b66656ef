import { renewalLinkExpiry, renewalLinkToken, RENEWAL_LINK_DAYS_AFTER_EXPIRY } from '../core/renewal-link'
import type { CalendarDate } from '../core/calendar'
import { systemClock, type Clock } from '../core/clock'
import type { ProviderIdentity } from '../core/provider-identity'
import { PAYMENT_METHODS, type PaymentMethod } from '../core/vocabulary'
import type { MailAttachment } from './templates/sdi-invoice'

/** Where the bank transfer (bonifico) and postal slip (bollettino) payments go. */
export interface PaymentInstructions {
  beneficiary: string
  iban: string
  bic: string
  /** Conto corrente postale, for the bollettino. */
  postalAccount: string
  /** True for the fictitious values below: the mails then say so. */
  isDemo: boolean
}

/**
 * Clearly fictitious values (the IBAN is structurally valid: check digits and CIN hold, but the
 * bank code 09999 is not a bank), used until the provider configures its own.
 */
export const DEMO_PAYMENT_INSTRUCTIONS: PaymentInstructions = {
  beneficiary: 'PEC Rinnovi Demo S.r.l. (dati dimostrativi)',
  iban: 'IT44T0999901000000000123456',
  bic: 'DEMOITM1XXX',
  postalAccount: '000012345678',
  isDemo: true,
}

/** What rendering needs besides the outbox row: links and payment details. */
export interface MailContext {
  publicUrl: string
  /**
   * The renewal page with the mailbox filled in. `expiresOn` (E), when the template knows it, makes
   * a signed link last until E + 90 days; without it, 90 days from when the mail is rendered.
   */
  renewLink(mailboxAddress: string, expiresOn?: string): string
  /** Null when bank and postal details are not configured: bonifico and bollettino are then not offered. */
  payment: PaymentInstructions | null
  /** The payment methods this installation offers (R10: never a simulation outside demo mode). */
  methods: readonly PaymentMethod[]
  /** Who runs the service, named in every mail's header and footer with its support address; null only where none is configured (tests, CLI). */
  provider: ProviderIdentity | null
  /** Files built when a mail is sent (an invoice's courtesy copy); none when absent. */
  attachments?: MailAttachments
}

/**
 * The port through which another capability attaches files it builds at send time, from what the
 * database holds then: the outbox row keeps only an id (small, and still good after a restart).
 */
export interface MailAttachments {
  /** The files for this mail; throws when they cannot be built now (the mail is retried later). */
  attachmentsFor(mail: { template: string; params: unknown }): Promise<MailAttachment[]>
}

/**
 * The context mails are rendered with. With the session secret the renewal link is signed and
 * expires (/rinnova?t=…: it pre-fills the mailbox, never signs in); without it, it names the mailbox.
 */
export function mailContext(
  publicUrl: string,
  payment: PaymentInstructions | null = DEMO_PAYMENT_INSTRUCTIONS,
  secret?: string,
  clock: Clock = systemClock,
  methods: readonly PaymentMethod[] = PAYMENT_METHODS,
  provider: ProviderIdentity | null = null,
): MailContext {
  const base = publicUrl.replace(/\/$/, '')
  return {
    publicUrl: base,
    renewLink: (mailboxAddress, expiresOn) => {
      if (!secret) return `${base}/rinnova?casella=${encodeURIComponent(mailboxAddress)}`
      const expiresAt = expiresOn
        ? renewalLinkExpiry(expiresOn as CalendarDate)
        : new Date(clock.now().getTime() + RENEWAL_LINK_DAYS_AFTER_EXPIRY * 86_400_000)
      return `${base}/rinnova?t=${renewalLinkToken(secret, mailboxAddress, expiresAt)}`
    },
    payment,
    methods,
    provider,
  }
}

/** IT44 T099 9901 … — IBANs are read and typed in groups of four. */
export function formatIban(iban: string): string {
  return iban.replace(/\s+/g, '').replace(/(.{4})/g, '$1 ').trim()
}
