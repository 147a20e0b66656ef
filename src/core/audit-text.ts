/**
 * What the audit trail's rows say to an operator, in Italian or English (R9). The rows keep
 * stable codes (`mailbox.deactivated`, `not_renewed_by_expiry`, `mailbox_import:file.csv`); this
 * table turns them into words, so no rule number or English fragment reaches Italian text. Rows
 * written before the codes (English sentences) are read through LEGACY_REASONS.
 */
type Lang = 'it' | 'en'

const ACTIONS: Record<string, Record<Lang, string>> = {
  'mailbox.imported': { it: 'casella importata', en: 'mailbox imported' },
  'mailbox.updated': { it: 'casella aggiornata', en: 'mailbox updated' },
  'mailbox.deactivated': { it: 'casella disattivata', en: 'mailbox deactivated' },
  'mailbox.ceased': { it: 'casella cessata', en: 'mailbox ceased' },
  'mailbox.renewed': { it: 'casella rinnovata', en: 'mailbox renewed' },
  'mailbox.reactivated': { it: 'casella riattivata', en: 'mailbox reactivated' },
  'mailbox.renewal_reversed': { it: 'rinnovo annullato (pagamento stornato)', en: 'renewal undone (payment reversed)' },
  'mailbox.platform_resent': { it: 'comando alla piattaforma di posta inviato di nuovo', en: 'mail-platform command sent again' },
  'order.placed': { it: 'ordine effettuato', en: 'order placed' },
  'order.updated': { it: 'ordine modificato', en: 'order changed' },
  'order.checkout_started': { it: 'pagamento online avviato', en: 'online payment started' },
  'order.cancelled': { it: 'ordine annullato', en: 'order cancelled' },
  'order.lapsed': { it: 'ordine decaduto', en: 'order lapsed' },
  'order.reopened': { it: 'ordine riaperto', en: 'order reopened' },
  'order.paid': { it: 'ordine pagato', en: 'order paid' },
  'payment.paid': { it: 'pagamento registrato: ordine pagato e casella rinnovata', en: 'payment registered: order paid, mailbox renewed' },
  'payment.registered': { it: 'pagamento registrato', en: 'payment registered' },
  'payment.registered_by_hand': { it: 'pagamento registrato a mano', en: 'payment registered by hand' },
  'payment.held': { it: 'pagamento da verificare', en: 'payment held for review' },
  'payment.duplicate': { it: 'pagamento doppio (da rimborsare)', en: 'duplicate payment (to refund)' },
  'payment.unknown_order': { it: 'pagamento senza ordine corrispondente', en: 'payment with no matching order' },
  'payment.assigned': { it: 'pagamento assegnato a un ordine', en: 'payment assigned to an order' },
  'payment.not_ours': { it: 'pagamento non nostro', en: 'payment not ours' },
  'payment.noted': { it: 'nota sul pagamento', en: 'note on the payment' },
  'payment.refunded': { it: 'pagamento rimborsato', en: 'payment refunded' },
  'payment.reversed': { it: 'pagamento stornato', en: 'payment reversed' },
  'payment.reversal_held': { it: 'storno da verificare', en: 'reversal held for review' },
  'payment.reversal_unmatched': { it: 'storno senza pagamento corrispondente', en: 'reversal with no matching payment' },
  'invoice.credit_note_issued': { it: 'nota di credito emessa', en: 'credit note issued' },
  'invoice.send_again': { it: 'fattura da inviare di nuovo', en: 'invoice to send again' },
  'account.password_reset_requested': { it: 'richiesta una nuova password', en: 'new password requested' },
  'account.password_reset': { it: 'nuova password impostata', en: 'new password set' },
}

const REASONS: Record<string, Record<Lang, string>> = {
  not_renewed_by_expiry: { it: 'non rinnovata entro la scadenza', en: 'not renewed by its expiry date' },
  renewable_window_over: { it: 'finito il periodo in cui si poteva rinnovare', en: 'renewable window over' },
  mailbox_ceased: { it: 'la casella è cessata', en: 'the mailbox ceased' },
  mailbox_import: { it: 'importazione di {detail}', en: 'import of {detail}' },
  password_reset_link: { it: 'nuova password impostata con il link ricevuto per e-mail; ogni accesso aperto chiuso', en: 'new password set with a reset link; every session closed' },
  payment_reversed: { it: 'pagamento stornato', en: 'payment reversed' },
  unpaid: { it: 'non pagato', en: 'unpaid' },
}

/** The English sentences rows carried before the codes, and the code each one means. */
const LEGACY_REASONS: Record<string, string> = {
  'R5: not renewed by its expiry date': 'not_renewed_by_expiry',
  'R6: renewable window over': 'renewable_window_over',
  'R6: mailbox ceased': 'mailbox_ceased',
  'new password set with a reset link; every session closed': 'password_reset_link',
}

/** `mailbox_import:demo.csv`: a reason code with its detail. */
export function auditReason(code: keyof typeof REASONS, detail?: string): string {
  return detail === undefined ? code : `${code}:${detail}`
}

/** An audit row's action in words ("casella disattivata"); an action without words stays as stored. */
export function describeAuditAction(action: string, lang: Lang): string {
  return ACTIONS[action]?.[lang] ?? action
}

/**
 * An audit row's reason in words, or null when it is not one of ours (an operator's own words,
 * a payment's import reason): the caller then shows it as it is or through its own table.
 */
export function describeAuditReason(reason: string, lang: Lang): string | null {
  const legacyImport = /^import of (.+)$/.exec(reason)
  const [code, detail = ''] = legacyImport ? ['mailbox_import', legacyImport[1]] : splitReason(LEGACY_REASONS[reason] ?? reason)
  const text = REASONS[code]?.[lang]
  return text === undefined ? null : text.replace('{detail}', detail)
}

function splitReason(reason: string): [string, string?] {
  const colon = reason.indexOf(':')
  return colon < 0 ? [reason] : [reason.slice(0, colon), reason.slice(colon + 1)]
}
