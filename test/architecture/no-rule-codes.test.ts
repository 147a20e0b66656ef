import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { cliMessages } from '../../src/cli/messages'
import { describeAuditAction, describeAuditReason } from '../../src/core/audit-text'
import { readProviderIdentity } from '../../src/core/provider-identity'
import { DEMO_PAYMENT_INSTRUCTIONS, mailContext } from '../../src/notifications/mail-context'
import type { MailParamsByTemplate, MailTemplate, OpenOrderFacts } from '../../src/notifications/mail-types'
import { renderMail } from '../../src/notifications/render-mail'
import { officeMessages } from '../../src/web/admin/messages'
import { portalMessages } from '../../src/web/portal/messages'
import { PROVIDER_ENV } from '../support/config'

// Issue 14: rule numbers (R1…R12) are the developers' shorthand (docs/rules.md); a holder or an
// operator reads words. This fails on an R-code in any text of the pages, the CLI or an e-mail.
const RULE_CODE = /\bR\d{1,2}\b/

const VIEWS = fileURLToPath(new URL('../../src/web/views', import.meta.url))

function etaFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? etaFiles(join(folder, entry.name)) : entry.name.endsWith('.eta') ? [join(folder, entry.name)] : [],
  )
}

const order = (method: OpenOrderFacts['method']): OpenOrderFacts => ({ orderId: 'K7MR4DXP52', totalCents: 1220, method, payBy: '2026-06-24' })
const holder = { holderName: 'Maria Rossi', mailbox: 'maria.rossi@pec.example.it' }

/** One mail of every template, with every optional part present (register warning, open order by bank transfer). */
const EVERY_MAIL: { [T in MailTemplate]: MailParamsByTemplate[T] } = {
  reminder: { ...holder, expiresOn: '2026-06-30', offsetDays: 7, register: 'ini_pec', registerWarning: true, openOrder: order('bonifico') },
  deactivation: { ...holder, expiresOn: '2026-06-30', renewableUntil: '2026-09-28', register: 'registro_imprese', openOrder: order('bollettino') },
  cessation: { ...holder, expiresOn: '2026-06-30', ceasedOn: '2026-09-29', register: 'ini_pec' },
  payment_received: { ...holder, orderId: 'K7MR4DXP52', amountCents: 1220, method: 'card', newExpiresOn: '2027-06-30', reactivated: true },
  password_reset: { holderName: 'Maria Rossi', accountId: 'ACC1', token: 'abc', expiresAt: '2026-06-01T10:00:00Z' },
  order_summary: { ...holder, accountId: 'ACC1', years: 1, netCents: 1000, vatCents: 220, order: order('bonifico'), extendsFrom: '2026-06-30', newExpiresOn: '2027-06-30', updated: true },
  order_confirmation: { ...holder, accountId: 'ACC1', orderId: 'K7MR4DXP52', placedOn: '2026-06-01', years: 1, totalCents: 1220 },
  payment_refunded: { ...holder, orderId: 'K7MR4DXP52', amountCents: 1220, method: 'bonifico', refundedBy: 'bonifico', reason: 'mailbox_ceased' },
  payment_reversed: {
    ...holder, amountCents: 1220, method: 'bonifico', expiresOn: '2026-06-30', withdrawnExpiresOn: '2027-06-30', mailboxStatus: 'deactivated', renewableUntil: '2026-09-28', openOrder: order('bonifico'),
  },
  sdi_invoice: { fileName: 'IT01234560017_00001.xml', xml: '<x/>' },
  order_cancelled: { ...holder, orderId: 'K7MR4DXP52', totalCents: 1220, method: 'paypal', expiresOn: '2026-06-30' },
  expiry_extended: { ...holder, expiresOn: '2026-06-30', newExpiresOn: '2026-07-30', reactivated: true },
  register_changed: { ...holder, register: 'ini_pec' },
  reference_email_changed: { ...holder, accountId: 'ACC1', oldEmail: 'maria@example.it', newEmail: 'maria.rossi@example.it' },
  sign_in_unlocked: { ...holder, accountId: 'ACC1' },
}

describe('no rule codes in what holders and operators read', () => {
  it.each(['it', 'en'] as const)('%s: the portal’s, the back office’s and the command line’s texts', (lang) => {
    for (const catalogue of [portalMessages, officeMessages, cliMessages]) {
      const offending = Object.entries(catalogue[lang]).filter(([, text]) => RULE_CODE.test(text))
      expect(offending).toEqual([])
    }
  })

  it('the pages’ templates, their words outside the code', () => {
    for (const file of etaFiles(VIEWS)) {
      const words = readFileSync(file, 'utf8').replace(/<%[\s\S]*?%>/g, ' ').replace(/<[^>]+>/g, ' ')
      expect(RULE_CODE.test(words), file).toBe(false)
    }
  })

  it.each(['it', 'en'] as const)('%s: every e-mail, text and HTML', (language) => {
    const provider = readProviderIdentity(PROVIDER_ENV, false, 'https://rinnovi.example.it').identity!
    const context = mailContext('https://rinnovi.example.it', DEMO_PAYMENT_INSTRUCTIONS, 'a'.repeat(64), undefined, undefined, provider)
    for (const [template, params] of Object.entries(EVERY_MAIL)) {
      const { subject, text, html } = renderMail({ template, language, params }, context)
      const visible = html.replace(/<[^>]+>/g, ' ')
      for (const part of [subject, text, visible]) expect(RULE_CODE.test(part), `${template}: ${part.match(/.{0,40}\bR\d{1,2}\b.{0,40}/)?.[0]}`).toBe(false)
    }
  })

  it('the history: stored reasons, old English sentences too, read in Italian words', () => {
    for (const stored of ['R5: not renewed by its expiry date', 'R6: renewable window over', 'R6: mailbox ceased', 'not_renewed_by_expiry', 'import of demo-mailboxes.csv', 'mailbox_import:demo-mailboxes.csv']) {
      const italian = describeAuditReason(stored, 'it')
      expect(italian, stored).not.toBeNull()
      expect(italian).not.toMatch(RULE_CODE)
      expect(italian).not.toMatch(/\b(not|renewed|window|import of|mailbox)\b/)
    }
    expect(describeAuditReason('import of demo-mailboxes.csv', 'it')).toBe('importazione di demo-mailboxes.csv')
    expect(describeAuditReason('R5: not renewed by its expiry date', 'it')).toBe('non rinnovata entro la scadenza')
    expect(describeAuditAction('mailbox.deactivated', 'it')).toBe('casella disattivata')
    expect(describeAuditReason('detto al telefono dal titolare', 'it')).toBeNull() // an operator's own words: shown as written
  })
})
