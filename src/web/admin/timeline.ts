import { formatInstant, isCalendarDate, type CalendarDate } from '../../core/calendar'
import { datePhrase, type DateRole } from '../../core/date-phrase'
import { formatEuro } from '../../core/money'
import { formatOrderId, isOrderId } from '../../core/order-id'
import type { AuditRecord } from '../../flows/look-in-office'
import { PAYMENT_OUTCOMES } from '../../payments/schema'
import type { Lang, Translate } from '../i18n'

/** One audit entry (R9) as an operator reads it: when, who, what happened, and why. */
export interface TimelineEntry {
  at: string
  who: string
  what: string
  why: string | null
}

/** Whether the catalogue has words for `key` (the translator throws on a missing one). */
export function hasWords(t: Translate, key: string): boolean {
  try {
    t(key)
    return true
  } catch {
    return false
  }
}

/**
 * An audit entry in the operator's words (issue 11): a sentence per action (`audit.ACTION`), the
 * amounts, methods and dates of its data put into it, who in words (an operator by name), and the
 * reason: what an operator typed, as typed; a system's reason code, in words; nothing else.
 */
export function timelineEntry(entry: AuditRecord & { orderId?: string | null }, t: Translate, lang: Lang, operatorNames: ReadonlyMap<string, string>): TimelineEntry {
  const key = `audit.${entry.action}`
  const what = hasWords(t, key) ? t(key, sentenceParams(entry, t, lang)) : t('audit.other')
  return {
    at: formatInstant(entry.at, lang),
    who: whoInWords(entry.actor, t, operatorNames),
    what: what.replace(/\{\w+\}/g, '—'), // a detail an old entry's data lacks
    why: reasonInWords(entry, t),
  }
}

/** Who acted: operator:NAME, holder:ID, system[:JOB], gateway:NAME, portal. */
export function whoInWords(actor: string, t: Translate, operatorNames: ReadonlyMap<string, string>): string {
  const [kind, name = ''] = splitActor(actor)
  if (kind === 'operator') return t('who.operator', { name: operatorNames.get(name) ?? name })
  if (kind === 'holder') return t('who.holder')
  if (kind === 'gateway') return t('who.gateway', { gateway: gatewayName(name, t) })
  if (kind === 'portal') return t('who.portal')
  return t('who.system')
}

/** The usernames of the operators among these actors, to look their names up. */
export function operatorUsernames(actors: Iterable<string>): string[] {
  const names = new Set<string>()
  for (const actor of actors) {
    const [kind, name] = splitActor(actor)
    if (kind === 'operator' && name) names.add(name)
  }
  return [...names]
}

function splitActor(actor: string): [string, string | undefined] {
  const colon = actor.indexOf(':')
  return colon < 0 ? [actor, undefined] : [actor.slice(0, colon), actor.slice(colon + 1)]
}

function gatewayName(name: string, t: Translate): string {
  if (name === 'stripe') return 'Stripe'
  if (name === 'paypal') return 'PayPal'
  if (name === 'sandbox') return t('gateway.sandbox')
  return name
}

// The reasons an operator typed are shown as typed; these actions' reasons are notes the code
// writes in English for the command line (operators, holders' passwords), never shown here. (An
// operator's change of a holder's e-mail or sign-in lock carries the reason the operator typed.)
const CODE_NOTES = /^(operator\.|account\.password_)/

function reasonInWords(entry: AuditRecord, t: Translate): string | null {
  const reason = entry.reason?.trim()
  if (!reason) return null
  const reversal = entry.action === 'payment.reversed' || entry.action === 'payment.reversal_held'
  for (const key of [reversal ? `reason.reversal.${reason}` : `reason.${reason}`, `why.${reason}`]) {
    if (/^[a-zA-Z_.]+$/.test(reason) && hasWords(t, key)) return t(key, { detail: '' }).replace(/\s+$/, '')
  }
  const imported = /^import of (.+)$/.exec(reason) // the mailbox import's note (accounts/import-mailboxes.ts)
  if (imported) return t('why.importOf', { file: imported[1] })
  const [kind] = splitActor(entry.actor)
  // a code without words (snake_case, camelCase, a payment's outcome) is never shown as it is
  const aCode = /^[a-zA-Z_.]+$/.test(reason) && (/[_.]|[a-z][A-Z]/.test(reason) || (PAYMENT_OUTCOMES as readonly string[]).includes(reason))
  if (kind === 'operator' && !aCode && !CODE_NOTES.test(entry.action) && !/^R\d+\b/.test(reason)) return reason
  return null
}

function sentenceParams(entry: AuditRecord & { orderId?: string | null }, t: Translate, lang: Lang): Record<string, string | number> {
  const data = entry.data ?? {}
  const params: Record<string, string | number> = {}
  const cents = (value: unknown) => (typeof value === 'number' ? formatEuro(value, lang) : null)
  const date = (value: unknown, role: DateRole) => (typeof value === 'string' && isCalendarDate(value) ? datePhrase(value as CalendarDate, lang, role) : null)
  const put = (name: string, value: string | number | null | undefined) => {
    if (value !== null && value !== undefined && value !== '') params[name] = value
  }
  const orderId = entry.orderId ?? null
  put('orderId', orderId && isOrderId(orderId) ? formatOrderId(orderId) : orderId)
  put('amount', cents(data.amountCents))
  put('total', cents(data.totalCents))
  if (typeof data.method === 'string' && hasWords(t, `look.methodWord.${data.method}`)) put('methodWord', t(`look.methodWord.${data.method}`))
  if (typeof data.years === 'number') put('duration', data.years === 1 ? t('look.years.one') : t('look.years.many', { n: data.years }))
  put('from', date(data.from, 'from'))
  put('to', date(data.to, 'to'))
  put('expiryOn', date(data.expiresOn, 'on'))
  put('expiryOf', date(data.expiresOn, 'of'))
  put('number', typeof data.number === 'string' ? data.number : null)
  put('username', typeof data.username === 'string' ? data.username : null)
  if (typeof data.role === 'string' && hasWords(t, `role.${data.role}`)) put('role', t(`role.${data.role}`))
  const gateway = typeof data.gateway === 'string' ? data.gateway : entry.actor.startsWith('gateway:') ? entry.actor.slice('gateway:'.length) : null
  if (gateway) put('gateway', gatewayName(gateway, t))
  const days = (value: unknown) => (typeof value === 'number' ? (value === 1 ? t('look.days.one') : t('look.days.many', { n: value })) : null)
  const text = (value: unknown) => (typeof value === 'string' ? value : null)
  put('days', days(data.days))
  put('approvalDays', days(data.approvalDays))
  put('effectiveFrom', date(data.effectiveFrom, 'from'))
  put('version', text(data.version))
  put('document', text(data.document))
  put('convention', text(data.convention))
  if (typeof data.template === 'string' && hasWords(t, `mail.${data.template}`)) put('mailName', t(`mail.${data.template}`))
  if (entry.action === 'mail.resent') put('recipient', text(data.to))
  if (entry.action === 'account.email_changed') {
    put('oldEmail', text(data.from))
    put('newEmail', text(data.to))
  }
  if (entry.action === 'mailbox.register_changed') {
    const register = (value: unknown) => (typeof value === 'string' && hasWords(t, `registerValue.${value}`) ? t(`registerValue.${value}`) : null)
    put('oldRegister', register(data.from))
    put('newRegister', register(data.to))
  }
  if (entry.action === 'mailbox.updated' || entry.action === 'order.updated') {
    const fields = [...new Set(Object.keys(data).map((k) => (hasWords(t, `look.field.${k}`) ? t(`look.field.${k}`) : t('look.field.other'))))]
    put('fields', fields.join(', '))
  }
  return params
}
