/**
 * Every refusal the system answers with, once: a stable code, the HTTP status the web answers it
 * with, and its it/en text (as Lago's api_errors). The web frame, the webhooks and the CLI all read
 * this table; a code missing from it does not compile (ErrorCode is its keys).
 */
export const ERROR_CODES = {
  // 400: the request itself is malformed (a field missing, a value of the wrong shape).
  invalid_input: { status: 400, it: 'Dati non validi', en: 'Invalid input' },
  invalid_signature: { status: 400, it: 'Firma della notifica non valida', en: 'Invalid notification signature' },
  // 401: no credential, or one that opens nothing (the API's bearer token: missing, unknown or revoked).
  api_token_invalid: {
    status: 401,
    it: 'Serve un token API valido nell’intestazione Authorization: Bearer …',
    en: 'A valid API token is needed in the Authorization: Bearer … header',
  },
  // 400: a POST of the API without its Idempotency-Key.
  idempotency_key_missing: {
    status: 400,
    it: 'Manca l’intestazione Idempotency-Key (da 1 a 255 caratteri): serve a ripetere una richiesta senza farla due volte',
    en: 'The Idempotency-Key header is missing (1 to 255 characters): it lets a request be retried without doing it twice',
  },
  // 403: refused whoever asks (a stale form), not for lack of a session.
  csrf_invalid: { status: 403, it: 'La pagina è scaduta per sicurezza. Ricaricala e riprova.', en: 'The page expired for your security. Reload it and try again.' },
  api_scope_missing: { status: 403, it: 'Il token API non ha il permesso per questa operazione', en: 'The API token lacks the scope for this operation' },
  // 404: nothing there, or nothing this caller may see (an outsider learns no more than that).
  page_not_found: { status: 404, it: 'Pagina non trovata.', en: 'Page not found.' },
  mailbox_not_found: { status: 404, it: 'Casella PEC non trovata', en: 'PEC mailbox not found' },
  order_not_found: { status: 404, it: 'Ordine non trovato', en: 'Order not found' },
  convention_not_found: { status: 404, it: 'Convenzione non trovata', en: 'Convention not found' },
  payment_not_found: { status: 404, it: 'Pagamento non trovato', en: 'Payment not found' },
  contract_document_not_found: { status: 404, it: 'Documento contrattuale non trovato', en: 'Contract document not found' },
  operator_not_found: { status: 404, it: 'Nessun operatore con questo nome utente', en: 'No operator with this username' },
  account_not_found: { status: 404, it: 'Conto cliente non trovato', en: 'Customer account not found' },
  mail_not_found: { status: 404, it: 'E-mail non trovata', en: 'E-mail not found' },
  extension_not_found: { status: 404, it: 'Richiesta di proroga non trovata', en: 'Extension request not found' },
  webhook_not_found: { status: 404, it: 'Destinazione degli eventi (webhook) non trovata', en: 'Webhook endpoint not found' },
  api_token_not_found: { status: 404, it: 'Token API non trovato', en: 'API token not found' },
  invoice_not_found: { status: 404, it: 'Fattura non trovata', en: 'Invoice not found' },
  import_not_found: { status: 404, it: 'Importazione non trovata', en: 'Import not found' },
  unknown_gateway: { status: 404, it: 'Circuito di pagamento sconosciuto', en: 'Unknown payment gateway' },
  // 409: well formed, but the state of things refuses it now.
  mailbox_ceased: { status: 409, it: 'La casella è cessata e non può più essere rinnovata', en: 'The mailbox has ceased and can no longer be renewed' },
  mailbox_not_renewable: { status: 409, it: 'La casella non è rinnovabile', en: 'The mailbox cannot be renewed' },
  renewal_draft_incomplete: { status: 409, it: 'Il rinnovo non è completo: mancano alcuni passaggi', en: 'The renewal is not complete: some steps are missing' },
  order_already_paid: { status: 409, it: "L'ordine è già pagato", en: 'The order is already paid' },
  order_not_open: { status: 409, it: "L'ordine non è più aperto", en: 'The order is no longer open' },
  refund_not_due: { status: 409, it: 'Per questo pagamento non è dovuto alcun rimborso', en: 'No refund is due for this payment' },
  gateway_unavailable: { status: 409, it: 'Il circuito di pagamento non è configurato', en: 'The payment gateway is not configured' },
  operator_exists: { status: 409, it: 'Esiste già un operatore con questo nome utente', en: 'An operator with this username already exists' },
  payment_not_to_resolve: { status: 409, it: 'Questo pagamento non è tra quelli da risolvere', en: 'This payment is not one to resolve' },
  payment_already_resolved: {
    status: 409,
    it: 'Questo pagamento è già stato risolto (forse da un altro operatore proprio ora): nulla è cambiato',
    en: 'This payment has already been resolved (perhaps by another operator just now): nothing changed',
  },
  file_exists_different: {
    status: 409,
    it: 'Nella cartella c’è già un file con questo nome e un contenuto diverso: non viene sovrascritto, nessun file è stato scritto',
    en: 'The folder already holds a file of this name with different content: it is not overwritten, no file was written',
  },
  invoicing_not_configured: {
    status: 409,
    it: 'Fatturazione non configurata: servono i dati del cedente e la cartella dello schema FatturaPA (README, «Running in production»)',
    en: 'Invoicing is not configured: the seller’s details and the FatturaPA schema folder are needed (README, “Running in production”)',
  },
  extension_not_pending: {
    status: 409,
    it: 'Questa proroga è già stata decisa (forse da un altro operatore proprio ora): nulla è cambiato',
    en: 'This extension has already been decided (perhaps by another operator just now): nothing changed',
  },
  extension_own_request: {
    status: 409,
    it: 'Non puoi approvare né respingere una proroga chiesta da te: serve un altro operatore',
    en: 'You cannot approve or reject an extension you asked for: another operator must decide',
  },
  register_unchanged: { status: 409, it: 'La casella ha già questa indicazione del registro: nulla è cambiato', en: 'The mailbox already has this register setting: nothing changed' },
  email_unchanged: { status: 409, it: 'È già l’indirizzo di riferimento del conto: nulla è cambiato', en: 'This is already the account’s reference address: nothing changed' },
  nothing_to_unlock: { status: 409, it: 'L’accesso di questo titolare non è bloccato: nulla da sbloccare', en: 'This holder’s sign-in is not locked: nothing to unlock' },
  mail_not_resendable: {
    status: 409,
    it: 'Questa e-mail non si può inviare di nuovo (contiene un collegamento monouso o è diretta allo SdI)',
    en: 'This e-mail cannot be sent again (it carries a one-time link or is addressed to the SdI)',
  },
  invoice_not_correctable: {
    status: 409,
    it: 'Questa fattura non è da correggere: solo una fattura non valida o scartata dallo SdI si corregge e si invia di nuovo',
    en: 'This invoice is not one to correct: only an invalid invoice or one the SdI rejected is corrected and sent again',
  },
  api_token_name_exists: { status: 409, it: 'Esiste già un token API attivo con questo nome', en: 'An active API token with this name already exists' },
  api_token_revoked: { status: 409, it: 'Il token API è già revocato', en: 'The API token is already revoked' },
  idempotency_key_in_use: {
    status: 409,
    it: 'Una richiesta con la stessa Idempotency-Key è ancora in corso: riprova tra poco',
    en: 'A request with the same Idempotency-Key is still in progress: retry shortly',
  },
  order_lapsed: { status: 409, it: 'L’ordine non è più valido', en: 'The order is no longer valid' },
  // 415: webhooks take JSON only.
  expected_json: { status: 415, it: 'Formato non supportato: atteso JSON', en: 'Unsupported format: JSON expected' },
  // 422: well formed, but a value the rules do not accept.
  webhook_url_invalid: { status: 422, it: 'Indirizzo del webhook non valido: serve un URL completo, senza credenziali, il cui nome si risolva', en: 'Invalid webhook URL: a full URL is needed, without credentials, whose host resolves' },
  webhook_url_not_https: { status: 422, it: 'Il webhook deve usare https://', en: 'The webhook must use https://' },
  webhook_url_private: {
    status: 422,
    it: 'Il webhook punta a un indirizzo interno (loopback o rete privata): non è ammesso, salvo che il servizio sia configurato per i sistemi nella rete del gestore (docs/webhooks.md)',
    en: 'The webhook points to an internal address (loopback or private network): not allowed (WEBHOOK_ALLOW_PRIVATE_NETWORKS=yes allows it for a system inside the provider’s network)',
  },
  webhook_events_invalid: { status: 422, it: 'Scegli almeno un tipo di evento tra quelli previsti', en: 'Choose at least one of the known event types' },
  api_token_name_invalid: {
    status: 422,
    it: 'Nome del token non valido: da 2 a 64 tra lettere, cifre, spazi, punto, trattino e trattino basso',
    en: 'Invalid token name: 2 to 64 letters, digits, spaces, dots, dashes or underscores',
  },
  api_scope_invalid: {
    status: 422,
    it: 'Permessi non validi: uno o più tra read, payments, orders, admin; il token di una convenzione solo read',
    en: 'Invalid scopes: one or more of read, payments, orders, admin; a convention’s token read only',
  },
  idempotency_key_reused: {
    status: 422,
    it: 'Questa Idempotency-Key è già stata usata per una richiesta diversa',
    en: 'This Idempotency-Key was already used for a different request',
  },
  duration_not_offered: { status: 422, it: 'Durata non prevista dalla convenzione', en: 'Duration not offered by the convention' },
  price_missing: { status: 422, it: 'Nessun prezzo per questa durata', en: 'No price for this duration' },
  payment_method_unknown: { status: 422, it: 'Metodo di pagamento non valido', en: 'Unknown payment method' },
  payment_method_unavailable: { status: 422, it: 'Questo metodo di pagamento non è disponibile', en: 'This payment method is not available' },
  invalid_username: {
    status: 422,
    it: 'Nome utente non valido: da 2 a 32 tra lettere minuscole, cifre, punto, trattino e trattino basso, iniziando con una lettera',
    en: 'Invalid username: 2 to 32 lower-case letters, digits, dots, dashes or underscores, starting with a letter',
  },
  password_too_short: { status: 422, it: 'La password è troppo corta', en: 'The password is too short' },
  password_too_long: { status: 422, it: 'La password è troppo lunga', en: 'The password is too long' },
  last_admin: {
    status: 409,
    it: 'È l’ultimo amministratore attivo: prima dai il ruolo di amministratore a un altro operatore',
    en: 'This is the last active administrator: make another operator an administrator first',
  },
  invalid_role: { status: 422, it: 'Ruolo non valido: admin, billing, support o read-only', en: 'Invalid role: admin, billing, support or read-only' },
  reason_required: { status: 422, it: 'Scrivi il motivo: resta nel registro delle operazioni', en: 'Give the reason: it stays in the audit trail' },
  approval_reason_required: {
    status: 422,
    it: 'Scrivi perché approvi la proroga: il motivo è obbligatorio e resta nel registro delle operazioni',
    en: 'Say why you approve the extension: the reason is required and stays in the audit trail',
  },
  rejection_reason_required: {
    status: 422,
    it: 'Scrivi perché respingi la proroga: il motivo è obbligatorio e resta nel registro delle operazioni',
    en: 'Say why you reject the extension: the reason is required and stays in the audit trail',
  },
  note_required: { status: 422, it: 'Scrivi il testo della nota', en: 'Write the note' },
  difference_not_accepted: {
    status: 422,
    it: 'L’importo è inferiore al totale dell’ordine: per assegnarlo conferma «accetta la differenza» e scrivi il motivo',
    en: 'The amount is less than the order’s total: to assign it, confirm “accept the difference” and give the reason',
  },
  order_id_invalid: { status: 422, it: 'Numero d’ordine non valido (controlla le cifre di controllo)', en: 'Invalid order ID (check its check digits)' },
  refund_details_required: {
    status: 422,
    it: 'Per un rimborso con bonifico indica la data e il riferimento CRO/TRN del bonifico',
    en: 'For a refund by bank transfer, give the date and the CRO/TRN reference of the transfer',
  },
  receipt_unreadable: { status: 422, it: 'Non è una notifica SdI leggibile (RC, NS o MC)', en: 'Not a readable SdI notification (RC, NS or MC)' },
  extension_days_invalid: { status: 422, it: 'Indica i giorni di proroga: un numero intero da 1 a 3650', en: 'Give the days of extension: a whole number from 1 to 3650' },
  email_invalid: { status: 422, it: 'Indirizzo e-mail non valido', en: 'Invalid e-mail address' },
  contracts_not_accepted: {
    status: 422,
    it: 'Il titolare deve accettare i contratti (anche a voce, al telefono) prima che l’ordine sia fatto',
    en: 'The holder must accept the contracts (by voice, on the phone, too) before the order is placed',
  },
  billing_invalid: { status: 422, it: 'Dati di fatturazione incompleti o non validi', en: 'Billing details incomplete or invalid' },
  // Issue 11: convention settings a change would break (the rules in catalog/rules.ts).
  convention_code_invalid: {
    status: 422,
    it: 'Codice della convenzione non valido: da 2 a 32 tra lettere maiuscole, cifre e trattini',
    en: 'Invalid convention code: 2 to 32 capital letters, digits or dashes',
  },
  convention_name_missing: { status: 422, it: 'Scrivi il nome della convenzione (al massimo 200 caratteri)', en: 'Give the convention’s name (200 characters at most)' },
  convention_durations_invalid: {
    status: 422,
    it: 'Le durate offerte devono essere anni interi da 1 a 10, ciascuna una volta sola',
    en: 'The durations offered must be whole years from 1 to 10, each once',
  },
  reminder_offsets_invalid: {
    status: 422,
    it: 'I promemoria vanno indicati in giorni interi prima della scadenza, da 0 a 365 (almeno uno)',
    en: 'Reminders are given in whole days before the expiry, 0 to 365 (at least one)',
  },
  reminder_offsets_not_descending: {
    status: 422,
    it: 'I giorni dei promemoria vanno in ordine decrescente, dal più lontano dalla scadenza al più vicino, senza ripetizioni (per esempio 60, 30, 15, 7, 1)',
    en: 'Reminder days go in descending order, the furthest from the expiry first, none twice (e.g. 60, 30, 15, 7, 1)',
  },
  register_warning_invalid: {
    status: 422,
    it: 'L’avviso sui registri pubblici va indicato in giorni interi prima della scadenza, da 0 a 365',
    en: 'The public-register warning is given in whole days before the expiry, 0 to 365',
  },
  renewable_window_inconsistent: {
    status: 422,
    it: 'Il periodo in cui una casella disattivata si può ancora rinnovare deve essere di 0 giorni o più e più breve della durata minima offerta: un rinnovo tardivo conterebbe altrimenti un periodo già trascorso',
    en: 'The period in which a deactivated mailbox can still be renewed must be 0 days or more and shorter than the shortest duration offered: a late renewal would otherwise buy a period already over',
  },
  price_invalid: {
    status: 422,
    it: 'Un prezzo deve essere un importo in euro maggiore di zero, con l’IVA tra 0 e 100 per cento',
    en: 'A price must be an amount in euro above zero, with VAT between 0 and 100 per cent',
  },
  duration_without_price: {
    status: 422,
    it: 'Una durata offerta non ha un prezzo in vigore oggi: indica il prezzo di ogni durata',
    en: 'A duration offered has no price in force today: give the price of every duration',
  },
  price_date_past: {
    status: 422,
    it: 'Un nuovo prezzo vale da oggi o da un giorno futuro, mai da un giorno passato',
    en: 'A new price applies from today or a later day, never from a past one',
  },
  price_already_in_force: {
    status: 409,
    it: 'Un prezzo già in vigore non si modifica: gli ordini fatti lo conservano. Indica il nuovo prezzo da oggi o da un giorno futuro',
    en: 'A price already in force is not changed: orders placed keep it. Give the new price from today or a later day',
  },
  contract_date_past: {
    status: 422,
    it: 'Una nuova versione del documento vale da oggi o da un giorno futuro, mai da un giorno passato',
    en: 'A new version of the document applies from today or a later day, never from a past one',
  },
  contract_version_invalid: {
    status: 422,
    it: 'Versione non valida: da 1 a 32 tra lettere, cifre, punti e trattini; il testo non può essere vuoto',
    en: 'Invalid version: 1 to 32 letters, digits, dots or dashes; the text cannot be empty',
  },
  contract_document_other_convention: {
    status: 409,
    it: 'Questo documento contrattuale è di un’altra convenzione: per questa convenzione usa un codice di documento nuovo',
    en: 'This contract document belongs to another convention: give this convention a new document code',
  },
  contract_document_code_invalid: {
    status: 422,
    it: 'Codice del documento non valido: da 2 a 64 lettere minuscole, cifre o trattini (per esempio condizioni-generali)',
    en: 'Invalid document code: 2 to 64 lower-case letters, digits or dashes (e.g. condizioni-generali)',
  },
  contract_convention_required: {
    status: 422,
    it: 'Ci sono più convenzioni: indica di quale convenzione è il documento nuovo (--convention CODICE)',
    en: 'There are several conventions: say which convention the new document is for (--convention CODE)',
  },
  convention_exists: {
    status: 409,
    it: 'Esiste già una convenzione con questo codice: scegline un altro, o modifica quella esistente',
    en: 'A convention with this code exists already: choose another code, or change the existing one',
  },
  contract_titles_required: {
    status: 422,
    it: 'Per un documento nuovo servono il titolo in italiano e in inglese',
    en: 'A new document needs its Italian and English titles',
  },
  contract_version_exists: {
    status: 409,
    it: 'Questa versione del documento esiste già con un testo o una data diversi: una versione accettata non cambia mai, pubblicane una nuova',
    en: 'This version of the document already exists with another text or day: an accepted version never changes, publish a new one',
  },
  iban_invalid: { status: 422, it: 'IBAN non valido', en: 'Invalid IBAN' },
  refund_selection_empty: { status: 422, it: 'Scegli almeno un rimborso da mettere nel file', en: 'Choose at least one refund to put in the file' },
  refund_not_by_transfer: {
    status: 409,
    it: 'Uno dei rimborsi scelti non è più da fare con un bonifico verso un IBAN noto',
    en: 'One of the refunds chosen is no longer due by a transfer to a known IBAN',
  },
  transfer_account_missing: {
    status: 409,
    it: 'Manca il conto da cui partono i bonifici: configura intestatario, IBAN e BIC del fornitore',
    en: 'The account the transfers leave from is missing: configure the provider’s beneficiary, IBAN and BIC',
  },
  // 429: the per-IP limiter (the page says how long to wait).
  too_many_requests: { status: 429, it: 'Troppi tentativi', en: 'Too many attempts' },
} as const satisfies Record<string, { status: ErrorStatus; it: string; en: string }>

/** The statuses a refusal may carry; a 5xx is never a refusal (it shows no detail). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 415 | 422 | 429

export type ErrorCode = keyof typeof ERROR_CODES

/** A refusal as a value: its code, and a technical detail for the log and the CLI (never split to be read). */
export interface Refusal {
  code: ErrorCode
  detail?: string
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value)
}

export function errorStatus(code: ErrorCode): ErrorStatus {
  return ERROR_CODES[code].status
}

export function errorMessage(code: ErrorCode, language: 'it' | 'en'): string {
  return ERROR_CODES[code][language]
}

/**
 * The command line's exit code for a refusal, by the same status: 2 a value refused, 3 not found,
 * 4 refused by the current state; 1 stays for everything else (a usage error, a file refused, a
 * failure). Scripts branch on it, never on the (Italian) text.
 */
export function cliExitCode(code: ErrorCode): number {
  const status = errorStatus(code)
  if (status === 400 || status === 422) return 2
  if (status === 404) return 3
  if (status === 409) return 4
  return 1
}
