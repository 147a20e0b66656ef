/** The ways a holder can pay an order (R3). Kept apart from the schema so the command line can name them without loading drizzle. */
export const PAYMENT_METHODS = ['card', 'paypal', 'bollettino', 'bonifico'] as const
export type PaymentMethod = (typeof PAYMENT_METHODS)[number]
