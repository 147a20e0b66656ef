import type { Register } from '../accounts/schema'
import type { PaymentMethod } from '../renewals/schema'

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

export interface PasswordResetParams {
  holderName: string
  /** The customer account ID: the new password goes with it at sign-in. */
  accountId: string
  /** The one-time token (the table keeps only its SHA-256); the link is built when the mail is rendered. */
  token: string
  /** ISO instant the link stops working (1 hour after the request). */
  expiresAt: string
}

export interface MailParamsByTemplate {
  reminder: ReminderParams
  deactivation: DeactivationParams
  cessation: CessationParams
  payment_received: PaymentReceivedParams
  password_reset: PasswordResetParams
  order_summary: OrderSummaryParams
  order_confirmation: OrderConfirmationParams
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
