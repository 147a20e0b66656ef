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
  renewLink(mailboxAddress: string): string
  payment: PaymentInstructions
}

/** The default context: renewal page by mailbox address (issue "signed renewal links" will sign it). */
export function mailContext(publicUrl: string, payment: PaymentInstructions = DEMO_PAYMENT_INSTRUCTIONS): MailContext {
  const base = publicUrl.replace(/\/$/, '')
  return {
    publicUrl: base,
    renewLink: (mailboxAddress) => `${base}/rinnova?casella=${encodeURIComponent(mailboxAddress)}`,
    payment,
  }
}

/** IT44 T099 9901 … — IBANs are read and typed in groups of four. */
export function formatIban(iban: string): string {
  return iban.replace(/\s+/g, '').replace(/(.{4})/g, '$1 ').trim()
}
