/** The refusals the system can answer with: stable codes, mapped to it/en text at the border. */
export const ERROR_MESSAGES = {
  mailbox_not_found: { it: 'Casella PEC non trovata', en: 'PEC mailbox not found' },
  mailbox_ceased: { it: 'La casella è cessata e non può più essere rinnovata', en: 'The mailbox has ceased and can no longer be renewed' },
  mailbox_not_renewable: { it: 'La casella non è rinnovabile', en: 'The mailbox cannot be renewed' },
  duration_not_offered: { it: 'Durata non prevista dalla convenzione', en: 'Duration not offered by the convention' },
  price_missing: { it: 'Nessun prezzo per questa durata', en: 'No price for this duration' },
  payment_method_unknown: { it: 'Metodo di pagamento non valido', en: 'Unknown payment method' },
  payment_method_unavailable: { it: 'Questo metodo di pagamento non è disponibile', en: 'This payment method is not available' },
  order_not_found: { it: 'Ordine non trovato', en: 'Order not found' },
  order_already_paid: { it: "L'ordine è già pagato", en: 'The order is already paid' },
  order_not_open: { it: "L'ordine non è più aperto", en: 'The order is no longer open' },
  convention_not_found: { it: 'Convenzione non trovata', en: 'Convention not found' },
  invalid_input: { it: 'Dati non validi', en: 'Invalid input' },
  payment_not_found: { it: 'Pagamento non trovato', en: 'Payment not found' },
  refund_not_due: { it: 'Per questo pagamento non è dovuto alcun rimborso', en: 'No refund is due for this payment' },
  gateway_unavailable: { it: 'Il circuito di pagamento non è configurato', en: 'The payment gateway is not configured' },
  operator_not_found: { it: 'Nessun operatore con questo nome utente', en: 'No operator with this username' },
  operator_exists: { it: 'Esiste già un operatore con questo nome utente', en: 'An operator with this username already exists' },
  invalid_username: {
    it: 'Nome utente non valido: da 2 a 32 tra lettere minuscole, cifre, punto, trattino e trattino basso, iniziando con una lettera',
    en: 'Invalid username: 2 to 32 lower-case letters, digits, dots, dashes or underscores, starting with a letter',
  },
  password_too_short: { it: 'La password è troppo corta', en: 'The password is too short' },
  password_too_long: { it: 'La password è troppo lunga', en: 'The password is too long' },
} as const

export type ErrorCode = keyof typeof ERROR_MESSAGES

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code)
    this.name = 'DomainError'
  }
}

export function errorMessage(code: ErrorCode, language: 'it' | 'en'): string {
  return ERROR_MESSAGES[code][language]
}

/**
 * The embedded database's folder is held by another process (PGlite is single-process). Its
 * message stays technical, for logs; the command line says it in the operator's language.
 */
export class DataFolderInUseError extends Error {
  constructor(
    readonly folder: string,
    readonly ownerPid: number,
  ) {
    super(`the embedded database in ${folder} is in use by process ${ownerPid}; stop it first, or set DATABASE_URL to a PostgreSQL server to run several processes`)
    this.name = 'DataFolderInUseError'
  }
}
