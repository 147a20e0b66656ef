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

export interface MailParamsByTemplate {
  reminder: ReminderParams
  deactivation: DeactivationParams
  cessation: CessationParams
  payment_received: PaymentReceivedParams
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
