import type { PaymentMethod, Register } from '../core/vocabulary'

/**
 * What each e-mail needs, stored as the outbox row's params (JSON) and rendered when sent.
 * The lifecycle run builds these objects in SQL (jsonb_build_object): keep names in step.
 */
export interface OpenOrderFacts {
  orderId: string // compact OrderId; templates show formatOrderId()
  totalCents: number
  method: PaymentMethod
  /** The last day a slow payment (bollettino, bonifico) should be sent to arrive before E. */
  payBy: string
}

export interface ReminderParams {
  holderName: string
  mailbox: string
  expiresOn: string
  offsetDays: number
  register: Register
  /** R7: the last reminders of a registered mailbox say a new address must be communicated. */
  registerWarning: boolean
  openOrder: OpenOrderFacts | null
}

export interface DeactivationParams {
  holderName: string
  mailbox: string
  expiresOn: string
  /** R6: last day a payment still reactivates the mailbox. */
  renewableUntil: string
  register: Register
  openOrder: OpenOrderFacts | null
}

export interface CessationParams {
  holderName: string
  mailbox: string
  expiresOn: string
  ceasedOn: string
  register: Register
}

export interface PaymentReceivedParams {
  holderName: string
  mailbox: string
  orderId: string
  amountCents: number
  method: PaymentMethod
  newExpiresOn: string
  /** True when the payment re-enabled a deactivated mailbox (R6). */
  reactivated: boolean
  /** R11: the payment, whose invoice's courtesy copy is attached when the mail is sent (absent on older rows). */
  paymentId?: number
}

/** How a refund reaches the holder: back through the card or PayPal gateway, else by bank transfer. */
export type RefundChannel = 'card' | 'paypal' | 'bonifico'

/** Sent when a payment due back (a duplicate, money after cessation or on a lapsed order) is refunded. */
export interface PaymentRefundedParams {
  holderName: string
  mailbox: string
  orderId: string
  amountCents: number
  /** How the money was paid in. */
  method: PaymentMethod
  refundedBy: RefundChannel
  /** Why it was due back: order_already_paid (paid twice), mailbox_ceased, order_lapsed, overpaid, not_ours. */
  reason: string
}

/**
 * Sent when the bank returns a payment that had paid an order (R4 undone): the order is open and
 * unpaid again, and the mailbox's expiry is back to what it was before that payment.
 */
export interface PaymentReversedParams {
  holderName: string
  mailbox: string
  amountCents: number
  method: PaymentMethod
  /** E again: the expiry before the reversed payment renewed it. */
  expiresOn: string
  /** The expiry the payment had given, now withdrawn. */
  withdrawnExpiresOn: string
  mailboxStatus: 'active' | 'deactivated'
  /** Set when E has already passed (R5/R6): the last day a payment still renews the mailbox; null while E is ahead. */
  renewableUntil: string | null
  /** The reopened order: its ID, amount, method and the date the payment must arrive by. */
  openOrder: OpenOrderFacts
}

/** Issue 3: sent when a holder places a renewal order, and again when its method or amount changes. */
export interface OrderSummaryParams {
  holderName: string
  mailbox: string
  accountId: string
  years: number
  netCents: number
  vatCents: number
  /** The order ID to quote in the causale, the total, the chosen method and the pay-by date. */
  order: OpenOrderFacts
  /** R4: the renewal counts from this date (E), whenever the payment arrives. */
  extendsFrom: string
  newExpiresOn: string
  /** True when it replaces an earlier summary of the same order (method or duration changed). */
  updated: boolean
}

/** Issue 3 (seed): "La presente a conferma dell'ordine di rinnovo N° … effettuato in data …". */
export interface OrderConfirmationParams {
  holderName: string
  mailbox: string
  accountId: string
  orderId: string
  placedOn: string
  years: number
  totalCents: number
}

/** Issue 14: the holder cancelled an open, unpaid order. */
export interface OrderCancelledParams {
  holderName: string
  mailbox: string
  orderId: string
  totalCents: number
  method: PaymentMethod
  /** The mailbox's expiry, unchanged by the cancellation. */
  expiresOn: string
  /** Issue 11: cancelled by the provider's office (on the holder's request or for a reason of ours), not by the holder on the portal. */
  byOffice?: boolean
}

/** Issue 11: the office extended the mailbox's expiry by hand (a goodwill extension, a fix). */
export interface ExpiryExtendedParams {
  holderName: string
  mailbox: string
  /** The expiry before and after. */
  expiresOn: string
  newExpiresOn: string
  /** True when the extension re-enabled a deactivated mailbox. */
  reactivated: boolean
}

/** Issue 11: the office set or cleared the mailbox's public-register flag (R7). */
export interface RegisterChangedParams {
  holderName: string
  mailbox: string
  register: Register
}

/** Issue 11: the account's reference address was changed by the office; sent to the old and the new address. */
export interface ReferenceEmailChangedParams {
  holderName: string
  accountId: string
  /** Any one of the account's mailboxes, for the footer. */
  mailbox: string
  oldEmail: string
  newEmail: string
}

/** Issue 11: the office lifted the lock on the holder's sign-in (too many failed attempts). */
export interface SignInUnlockedParams {
  holderName: string
  accountId: string
  mailbox: string
}

export interface PasswordResetParams {
  holderName: string
  /** The customer account ID: the new password goes with it at sign-in. */
  accountId: string
  /**
   * The one-time token (the table keeps only its SHA-256); the link is built when the mail is
   * rendered. Removed from the outbox once the mail is delivered or given up (SECRET_PARAMS).
   */
  token?: string
  /** ISO instant the link stops working (1 hour after the request). */
  expiresAt: string
}

/**
 * R11: one FatturaPA file for the SdI, sent from the provider's PEC mailbox to the SdI's address
 * (one invoice per message, as the SdI asks); the file travels as the attachment, unchanged.
 */
export interface SdiInvoiceParams {
  fileName: string
  xml: string
}

export interface MailParamsByTemplate {
  reminder: ReminderParams
  deactivation: DeactivationParams
  cessation: CessationParams
  payment_received: PaymentReceivedParams
  password_reset: PasswordResetParams
  order_summary: OrderSummaryParams
  order_confirmation: OrderConfirmationParams
  payment_refunded: PaymentRefundedParams
  payment_reversed: PaymentReversedParams
  sdi_invoice: SdiInvoiceParams
  order_cancelled: OrderCancelledParams
  expiry_extended: ExpiryExtendedParams
  register_changed: RegisterChangedParams
  reference_email_changed: ReferenceEmailChangedParams
  sign_in_unlocked: SignInUnlockedParams
}

export type MailTemplate = keyof MailParamsByTemplate

export interface OutgoingMail<T extends MailTemplate = MailTemplate> {
  template: T
  language: 'it' | 'en'
  recipient: string
  params: MailParamsByTemplate[T]
  mailboxId?: number
  orderId?: string
}
