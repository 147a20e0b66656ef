import type { Actor } from '../db/audit'
import type { PaymentMethod } from '../renewals/schema'

/** A payment notification as a channel hands it over: a webhook, the CLI, a postal slip, a statement entry. */
export interface IncomingPayment {
  /** The order ID as the payer quoted it (any case, spaces, dashes): checked with its check digits. */
  orderRef: string
  amountCents: number
  method: PaymentMethod
  /** The gateway transaction, bank entry or postal-slip reference: unique per method (R8). */
  reference: string
  actor: Actor // gateway:NAME or operator:NAME
  raw?: unknown
  /**
   * Issue 11: an operator assigning a held payment accepted that it pays less than the order's
   * total (with a reason, audited): R4's exact-amount rule then lets it pay the order.
   */
  acceptShortfall?: boolean
  /** An imported file's entry: the payment's raw facts are the entry's (the database copies them). */
  staged?: { importId: number; position: number }
}

/** The largest amount a payment can carry (payments.amount_cents is a 32-bit integer): 21,474,836.47 €. */
export const MAX_PAYMENT_CENTS = 2_147_483_647
