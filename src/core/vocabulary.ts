// Words every capability speaks, defined once: how a renewal is paid, where a PEC address is registered.

export const PAYMENT_METHODS = ['card', 'paypal', 'bollettino', 'bonifico'] as const
export type PaymentMethod = (typeof PAYMENT_METHODS)[number]

/** R7: the public register a mailbox's address is recorded with (Registro delle Imprese, INI-PEC), if any. */
export const REGISTERS = ['none', 'registro_imprese', 'ini_pec'] as const
export type Register = (typeof REGISTERS)[number]
