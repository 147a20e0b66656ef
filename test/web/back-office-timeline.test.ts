import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { INVOICE_STATES } from '../../src/invoicing/schema'
import { PAYMENT_OUTCOMES } from '../../src/payments/schema'
import { translator } from '../../src/web/i18n'
import { officeMessages } from '../../src/web/admin/messages'
import { timelineEntry } from '../../src/web/admin/timeline'

const SRC = join(__dirname, '../../src')

/**
 * Audit actions built from a value rather than written out, and every value they can take. A new
 * one fails the scan below until it is listed here, with its values, and its words are written.
 */
const BUILT_ACTIONS: Record<string, string[]> = {
  // settlement: 'payment.' || outcome (unknownOrder is written payment.unknown_order, a literal)
  'flows/settlement/write.ts': PAYMENT_OUTCOMES.filter((o) => o !== 'unknownOrder').map((o) => `payment.${o}`),
  // an SdI receipt moves an invoice to its next state
  'invoicing/receipts.ts': INVOICE_STATES.map((s) => `invoice.${s}`),
  // a convention is created or changed
  'catalog/set-convention.ts': ['convention.created', 'convention.updated'],
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
}

/** The expression after `action:` up to the `,` `}` or `)` that ends it (strings and brackets skipped). */
function expressionAt(text: string, start: number): string {
  let depth = 0
  let quote: string | null = null
  for (let i = start; i < text.length; i++) {
    const c = text[i]
    if (quote) {
      if (c === '\\') i++
      else if (c === quote) quote = null
      continue
    }
    if (c === "'" || c === '"' || c === '`') quote = c
    else if ('([{'.includes(c)) depth++
    else if (')]}'.includes(c)) {
      if (depth === 0) return text.slice(start, i)
      depth--
    } else if ((c === ',' || c === '\n') && depth === 0) return text.slice(start, i)
  }
  return text.slice(start)
}

/** Every audit action the code can write: the literals after `action:` in files that write audit rows, and the built ones. */
function auditActions(): { actions: Set<string>; unknownBuilt: string[] } {
  const actions = new Set<string>()
  const unknownBuilt: string[] = []
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8')
    const path = relative(SRC, file).split('\\').join('/')
    // the files that write audit rows (db/audit.ts itself only declares the writer)
    if (!/from '(\.\.\/)+db\/audit'|from '\.\/audit'/.test(text)) continue
    for (const match of text.matchAll(/\baction:\s*/g)) {
      const expression = expressionAt(text, match.index! + match[0].length)
      const literals = [...expression.matchAll(/'([a-z_]+\.[a-z_]+)'/g)].map((m) => m[1])
      literals.forEach((a) => actions.add(a))
      const bare = expression.replace(/\/\/.*$/, '').trim()
      const aType = /^(string|[A-Z][\w.]*(\[['"]\w+['"]\])?)$/.test(bare) // a property's or parameter's type, not a value
      const built = /\$\{|\|\|/.test(expression) || (literals.length === 0 && !/^['"`]/.test(bare) && !aType)
      if (!built) continue
      if (BUILT_ACTIONS[path]) BUILT_ACTIONS[path].forEach((a) => actions.add(a))
      else unknownBuilt.push(`${path}: action: ${expression.trim()}`)
    }
  }
  return { actions, unknownBuilt }
}

describe('the audit trail in the operator’s words (issue 11)', () => {
  const { actions, unknownBuilt } = auditActions()

  it('finds the audit actions the code writes, literal and built', () => {
    expect(unknownBuilt).toEqual([]) // a built action: list it in BUILT_ACTIONS with its values
    for (const known of ['order.placed', 'payment.paid', 'payment.unknown_order', 'mailbox.deactivated', 'mailbox.reactivated', 'invoice.rejected', 'operator.created', 'payment.registered_by_hand']) {
      expect(actions).toContain(known)
    }
  })

  it('has an Italian and an English sentence for every audit action', () => {
    const missing = [...actions].flatMap((action) => (['it', 'en'] as const).filter((lang) => !officeMessages[lang][`audit.${action}`]).map((lang) => `${lang}: audit.${action}`))
    expect(missing).toEqual([])
  })

  it.each(['it', 'en'] as const)('%s: every action reads as a sentence, with or without its data, never as a code', (lang) => {
    const t = translator(officeMessages, lang)
    const names = new Map([['ada', 'Ada Conti']])
    const full = { amountCents: 1220, totalCents: 1220, method: 'bonifico', years: 2, from: '2026-06-30', to: '2028-06-30', expiresOn: '2026-06-30', number: '2026/000001/PEC', username: 'ada', role: 'billing', gateway: 'stripe' }
    for (const action of actions) {
      for (const data of [null, full]) {
        const entry = timelineEntry({ at: new Date('2026-06-01T10:00:00Z'), actor: 'operator:ada', action, reason: null, data, orderId: 'T5J7UPA919' }, t, lang, names)
        expect(entry.what, action).not.toMatch(/\{\w+\}/)
        expect(entry.what, action).not.toContain(action)
        expect(entry.what, action).toMatch(/[.!]$/)
        expect(entry.who).toBe(lang === 'it' ? 'Ada Conti (operatore)' : 'Ada Conti (operator)')
      }
    }
  })

  it('puts the office actions’ data into their sentences: days, dates, register, e-mail addresses, the e-mail’s name', () => {
    const it_ = translator(officeMessages, 'it')
    const en = translator(officeMessages, 'en')
    const what = (t: typeof it_, lang: 'it' | 'en', action: string, data: Record<string, unknown>, reason: string | null = null) =>
      timelineEntry({ at: new Date('2026-06-01T10:00:00Z'), actor: 'operator:ada', action, reason, data, orderId: null }, t, lang, new Map())
    expect(what(it_, 'it', 'mailbox.extended', { days: 30, from: '2026-06-30', to: '2026-07-30' }).what).toBe('Scadenza prorogata a mano di 30 giorni: è passata dal 30 giugno 2026 al 30 luglio 2026.')
    expect(what(en, 'en', 'mailbox.extension_requested', { days: 1, approvalDays: 30 }).what).toBe('Extension of the expiry date by 1 day requested: beyond 30 days a second operator must approve it.')
    expect(what(it_, 'it', 'mailbox.register_changed', { from: 'none', to: 'ini_pec' }).what).toContain('da «nessuno» a «INI-PEC (tramite l’Ordine)»')
    expect(what(it_, 'it', 'account.email_changed', { from: 'a@x.it', to: 'b@x.it' }, 'Richiesta al telefono')).toMatchObject({ what: expect.stringContaining('da a@x.it a b@x.it'), why: 'Richiesta al telefono' })
    expect(what(it_, 'it', 'mail.resent', { template: 'expiry_extended', to: 'b@x.it' }).what).toBe('E-mail «Proroga della scadenza» inviata di nuovo a b@x.it.')
    expect(what(en, 'en', 'contract.version_added', { document: 'condizioni', version: '2026.1', effectiveFrom: '2026-07-01' }).what).toContain('in force from 1 July 2026')
    expect(what(it_, 'it', 'mailbox.reactivated', {}, 'extended_by_hand').why).toBe('Scadenza prorogata a mano dall’ufficio')
  })

  it('says who in words and gives a reason: typed by an operator as typed, a system code in words, an English note never', () => {
    const t = translator(officeMessages, 'it')
    const entry = (actor: string, action: string, reason: string | null) =>
      timelineEntry({ at: new Date('2026-06-01T10:00:00Z'), actor, action, reason, data: { amountCents: 1220, totalCents: 1000, method: 'card' }, orderId: null }, t, 'it', new Map())
    expect(entry('operator:mario', 'payment.assigned', 'Telefonata del 3 giugno').why).toBe('Telefonata del 3 giugno')
    expect(entry('operator:mario', 'payment.assigned', 'x').who).toBe('mario (operatore)')
    expect(entry('operator:mario', 'payment.refunded', 'duplicate').why).toBe('Pagamento doppio')
    expect(entry('operator:mario', 'payment.refunded', 'some_new_code').why).toBeNull()
    expect(entry('operator:mario', 'payment.assigned', 'Telefonata').why).toBe('Telefonata')
    expect(entry('gateway:stripe', 'payment.held', 'amount_mismatch')).toMatchObject({ who: 'Notifica di Stripe', why: 'L’importo non corrisponde al totale dell’ordine' })
    expect(entry('system:lifecycle', 'mailbox.deactivated', 'R5: not renewed by its expiry date')).toMatchObject({ who: 'Il sistema', why: null })
    expect(entry('operator:ada', 'operator.disabled', 'disabled; every session closed').why).toBeNull()
    expect(entry('holder:FNOM000101', 'order.cancelled', null).who).toBe('L’intestatario')
    expect(entry('portal', 'account.password_reset_requested', 'requested with the account ID')).toMatchObject({ who: 'Il sito', why: null })
    expect(entry('system', 'payment.reversed', 'unpaid').why).toContain('Storno: il pagamento è annullato')
    expect(entry('system', 'no.such_action', null).what).toBe('Altro evento registrato.')
    expect(entry('operator:mario', 'mailbox.imported', 'import of caselle-2026.csv').why).toBe('Caricamento del file caselle-2026.csv')
  })
})
