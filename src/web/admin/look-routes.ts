import type { FastifyInstance, FastifyRequest } from 'fastify'
import { businessDate, formatDate, formatInstant, type CalendarDate } from '../../core/calendar'
import { datePhrase } from '../../core/date-phrase'
import { formatEuro } from '../../core/money'
import { formatOrderId, parseOrderId } from '../../core/order-id'
import { lookAtAccount, lookAtMail, lookAtMailbox, lookAtOrder, operatorNames, type AuditRecord, type MailLine, type OrderLine, type PaymentLine } from '../../flows/look-in-office'
import { renderMail } from '../../notifications/render-mail'
import type { Services } from '../../services'
import { objectOf, RowIdParams } from '../route-schemas'
import { operatorMay, requireOperator } from './roles'
import { hasWords, operatorUsernames, timelineEntry, whoInWords } from './timeline'

/** A link to an action page another part of the back office answers, shown only to a role that may use it. */
interface ActionLink {
  href: string
  label: string
}

const AddressParams = objectOf({ address: { type: 'string', minLength: 1, maxLength: 320 } }, ['address'])
const AccountParams = objectOf({ accountId: { type: 'string', minLength: 1, maxLength: 64 } }, ['accountId'])
const OrderParams = objectOf({ orderId: { type: 'string', minLength: 1, maxLength: 32 } }, ['orderId'])

// The mail's own HTML, framed by its page: no scripts, no forms, nothing loaded from anywhere.
const MAIL_POLICY = "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"

export const mailboxPath = (address: string) => `/ufficio/caselle/${encodeURIComponent(address)}`
export const accountPath = (accountId: string) => `/ufficio/conti/${encodeURIComponent(accountId)}`
export const orderPath = (orderId: string) => `/ufficio/ordini/${encodeURIComponent(orderId)}`
export const mailPath = (id: number) => `/ufficio/posta/${id}`

/**
 * Issue 11, "Find and look": a mailbox's whole story, an account, an order, one e-mail as the
 * holder saw it. Every role may look; each page's actions are links to their own pages, shown
 * only to a role that may use them.
 */
export async function lookRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services

  app.get<{ Params: { address: string } }>('/caselle/:address', { preHandler: requireOperator, schema: { params: AddressParams } }, async (request, reply) => {
    const file = await lookAtMailbox(deps.db, request.params.address)
    if (!file) return reply.refuse('mailbox_not_found')
    const { t, lang } = request
    const base = mailboxPath(file.address)
    const state =
      file.status === 'active'
        ? t('look.state.active', { on: datePhrase(file.expiresOn, lang, 'on') })
        : file.status === 'deactivated'
          ? t('look.state.deactivated', { since: datePhrase(file.deactivatedOn ?? file.expiresOn, lang, 'since'), of: datePhrase(file.expiresOn, lang, 'of') })
          : t('look.state.ceased', { since: datePhrase(file.ceasedOn ?? file.expiresOn, lang, 'since') })
    return reply.page('admin/mailbox.eta', {
      title: t('look.mailbox.title', { address: file.address }),
      mailbox: {
        address: file.address,
        status: t(`status.${file.status}`),
        state,
        expiresOn: formatDate(file.expiresOn, lang),
        activatedOn: formatDate(file.activatedOn, lang),
        convention: file.convention.name,
        register: t(`look.register.${file.register}`),
      },
      account: { ...file.account, href: accountPath(file.account.id), language: t(`look.language.${file.account.language}`) },
      actions: actionLinks(request, [
        ['billing', `${base}/proroga`, 'look.action.extend'],
        ['billing', `${base}/registro`, 'look.action.register'],
        ['billing', `${base}/ordine-telefonico`, 'look.action.phoneOrder'],
      ]),
      sections: [
        ordersSection(request, file.orders),
        paymentsSection(request, file.payments),
        mailsSection(request, file.mails),
        section(request, 'notices', ['look.col.runDate', 'look.col.kind', 'look.col.expiry', 'look.col.reminderOffset', 'look.col.status'], file.notices.map((n) => [
          formatDate(n.runDate, lang),
          t(`look.notice.${n.kind}`),
          formatDate(n.expiresOn, lang),
          n.kind === 'reminder' ? t('look.noticeOffset', { days: n.offsetDays }) : t('look.noticeOffset.none'),
          t(`look.noticeStatus.${n.status}`),
        ])),
        section(request, 'commands', ['look.col.created', 'look.col.command', 'look.col.status', 'look.col.attempts', 'look.col.done', 'look.col.error'], file.commands.map((c) => [
          formatInstant(c.createdAt, lang),
          t(`look.commandName.${c.action}`),
          t(`look.commandStatus.${c.status}`),
          String(c.attempts),
          c.doneAt ? formatInstant(c.doneAt, lang) : t('look.never'),
          c.lastError ?? '',
        ])),
      ],
      history: await timeline(request, file.history),
    })
  })

  app.get<{ Params: { accountId: string } }>('/conti/:accountId', { preHandler: requireOperator, schema: { params: AccountParams } }, async (request, reply) => {
    const file = await lookAtAccount(deps.db, request.params.accountId, deps.clock.now())
    if (!file) return reply.refuse('account_not_found')
    const { t, lang } = request
    const base = accountPath(file.id)
    const billing = file.billing
    return reply.page('admin/account.eta', {
      title: t('look.account.title', { accountId: file.id }),
      account: {
        ...file,
        language: t(`look.language.${file.language}`),
        createdAt: formatInstant(file.createdAt, lang),
        password: t(file.hasPassword ? 'look.password.set' : 'look.password.none'),
      },
      actions: actionLinks(request, [
        ['support', `${base}/email`, 'look.action.email'],
        ['support', `${base}/sblocca`, 'look.action.unlock'],
      ]),
      billing: billing && {
        name: billing.data.name,
        fiscalCode: billing.data.fiscalCode,
        vatNumber: billing.data.vatNumber ?? '',
        address: billing.data.address ?? '',
        email: billing.data.email,
        order: { id: billing.orderId, text: shownOrderId(billing.orderId), href: orderPath(billing.orderId) },
      },
      mailboxesSection: section(request, 'mailboxes', ['look.col.mailbox', 'look.col.status', 'look.col.expiry.short'], file.mailboxes.map((m) => [
        { text: m.address, href: mailboxPath(m.address) },
        t(`status.${m.status}`),
        formatDate(m.expiresOn, lang),
      ])),
      sections: [
        ordersSection(request, file.orders),
        section(request, 'sessions', ['look.col.with', 'look.col.opened', 'look.col.lastSeen', 'look.col.expires', 'look.col.status'], file.sessions.map((s) => [
          s.signedInWith.startsWith('mailbox:') ? t('look.session.mailbox', { address: s.signedInWith.slice('mailbox:'.length) }) : t('look.session.account'),
          formatInstant(s.createdAt, lang),
          formatInstant(s.lastSeenAt, lang),
          formatInstant(s.expiresAt, lang),
          t(s.open ? 'look.session.open' : 'look.session.closed'),
        ])),
        section(request, 'signIns', ['look.col.identifier', 'look.col.failures', 'look.col.since', 'look.col.clients', 'look.col.lock'], file.signInFailures.map((f) => [
          f.identifier,
          String(f.failures),
          formatInstant(f.windowStartedAt, lang),
          String(f.clients),
          t(f.blocked ? 'look.signIns.blocked' : 'look.signIns.notBlocked'),
        ])),
      ],
    })
  })

  app.get<{ Params: { orderId: string } }>('/ordini/:orderId', { preHandler: requireOperator, schema: { params: OrderParams } }, async (request, reply) => {
    const orderId = parseOrderId(request.params.orderId)
    const file = orderId ? await lookAtOrder(deps.db, orderId) : null
    if (!file) return reply.refuse('order_not_found')
    const { t, lang } = request
    const names = await operatorNames(deps.db, operatorUsernames([file.placedBy, ...file.history.map((h) => h.actor)]))
    return reply.page('admin/order.eta', {
      title: t('look.order.title', { orderId: formatOrderId(file.orderId) }),
      order: {
        ...orderRow(request, file),
        mailbox: { text: file.address, href: mailboxPath(file.address) },
        account: { text: file.accountId, href: accountPath(file.accountId) },
        net: formatEuro(file.netCents, lang),
        vat: formatEuro(file.vatCents, lang),
        placed: `${formatDate(file.placedOn, lang)}, ${placedBy(file.placedBy, t, names)}`,
        extends:
          file.extendedFrom && file.newExpiresOn
            ? t('look.order.extendsPaid', { from: datePhrase(file.extendedFrom, lang, 'from'), to: datePhrase(file.newExpiresOn, lang, 'to') })
            : null,
        billing: [file.billing.name, file.billing.fiscalCode, file.billing.vatNumber, file.billing.address, file.billing.email].filter(Boolean).join(' · '),
        // issue 11: the versions the holder accepted, each readable as it was (a version never changes)
        contracts: file.acceptedContracts.map((c) => ({
          text: t('look.order.contract', { document: c.documentCode, version: c.version, at: formatInstant(new Date(c.acceptedAt), lang) }),
          href: `/contratti/${encodeURIComponent(c.documentCode)}/${encodeURIComponent(c.version)}`,
        })),
      },
      actions: file.status === 'open' ? actionLinks(request, [['billing', `${orderPath(file.orderId)}/annulla`, 'look.action.cancel']]) : actionLinks(request, []),
      sections: [
        section(request, 'invoices', ['look.col.kind', 'look.col.number', 'look.col.issuedOn', 'look.col.amount', 'look.col.state'], file.invoices.map((i) => [
          t(`look.invoiceKind.${i.kind}`),
          i.number,
          formatDate(i.issuedOn, lang),
          formatEuro(i.totalCents, lang),
          t(`look.invoiceState.${i.state}`),
        ])),
        paymentsSection(request, file.payments),
        mailsSection(request, file.mails),
      ],
      history: await timeline(request, file.history, names),
    })
  })

  app.get<{ Params: { id: number } }>('/posta/:id', { preHandler: requireOperator, schema: { params: RowIdParams } }, async (request, reply) => {
    const mail = await lookAtMail(deps.db, request.params.id)
    if (!mail) return reply.refuse('mail_not_found')
    const { t, lang } = request
    let rendered: { subject: string; text: string } | null = null
    try {
      rendered = renderMail(mail, services.mail)
    } catch {
      rendered = null // a template no longer known
    }
    return reply.page('admin/mail.eta', {
      title: t('look.mail.title', { id: mail.id }),
      mail: {
        ...mailRow(request, mail),
        language: t(`look.language.${mail.language}`),
        sentAt: mail.sentAt ? formatInstant(mail.sentAt, lang) : t('look.never'),
        attempts: mail.attempts,
        error: mail.lastError ?? '',
        mailbox: mail.mailboxAddress ? { text: mail.mailboxAddress, href: mailboxPath(mail.mailboxAddress) } : null,
        order: mail.orderId ? { text: shownOrderId(mail.orderId), href: orderPath(mail.orderId) } : null,
        htmlHref: `${mailPath(mail.id)}/html`,
        text: rendered?.text ?? null,
        secretHidden: mail.secretHidden,
      },
      actions: actionLinks(request, [['support', `${mailPath(mail.id)}/reinvia`, 'look.action.resend']]),
    })
  })

  app.get<{ Params: { id: number } }>('/posta/:id/html', { preHandler: requireOperator, schema: { params: RowIdParams } }, async (request, reply) => {
    const mail = await lookAtMail(deps.db, request.params.id)
    if (!mail) return reply.refuse('mail_not_found')
    let html: string
    try {
      html = renderMail(mail, services.mail).html.replace(/<head>/i, '<head><base target="_blank">')
    } catch {
      return reply.refuse('mail_not_found')
    }
    return reply
      .header('content-security-policy', MAIL_POLICY)
      .header('x-frame-options', 'SAMEORIGIN')
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(html)
  })

  /** The audit entries in words, with the operators' names looked up once. */
  async function timeline(request: FastifyRequest, history: AuditRecord[], known?: Map<string, string>) {
    const names = known ?? (await operatorNames(deps.db, operatorUsernames(history.map((h) => h.actor))))
    return history.map((entry) => timelineEntry(entry, request.t, request.lang, names))
  }
}

/** A table cell: a text, or a link (an identifier, kept on one line, when `id` is set). */
type Cell = string | { text: string; href: string | null; id?: true }

/** A page's table section: its id names its texts (look.ID title, look.ID.none when empty). */
function section(request: FastifyRequest, id: string, columns: string[], rows: Cell[][]) {
  const t = request.t
  return { id, title: t(`look.${id}`), intro: hasWords(t, `look.${id}.intro`) ? t(`look.${id}.intro`) : null, empty: t(`look.${id}.none`), columns: columns.map((c) => t(c)), rows }
}

function ordersSection(request: FastifyRequest, rows: Array<OrderLine & { address?: string }>) {
  const withMailbox = rows.some((o) => o.address)
  return section(
    request,
    'orders',
    ['look.col.order', ...(withMailbox ? ['look.col.mailbox'] : []), 'look.col.status', 'look.col.duration', 'look.col.amount', 'look.col.method', 'look.col.placedOn', 'look.col.paid'],
    rows.map((o) => {
      const r = orderRow(request, o)
      return [{ text: r.text, href: r.href, id: true }, ...(withMailbox ? [{ text: o.address!, href: mailboxPath(o.address!) }] : []), r.status, r.duration, r.total, r.method, r.placedOn, r.paid]
    }),
  )
}

function paymentsSection(request: FastifyRequest, rows: PaymentLine[]) {
  return section(
    request,
    'payments',
    ['look.col.received', 'look.col.amount', 'look.col.method', 'look.col.reference', 'look.col.order', 'look.col.outcome', 'look.col.refund'],
    rows.map((p) => {
      const r = paymentRow(request, p)
      return [r.receivedAt, r.amount, r.method, r.reference, r.order ? { ...r.order, id: true as const } : '', r.outcome, r.refund]
    }),
  )
}

function mailsSection(request: FastifyRequest, rows: MailLine[]) {
  return section(
    request,
    'mails',
    ['look.col.created', 'look.col.subject', 'look.col.kind', 'look.col.recipient', 'look.col.status'],
    rows.map((m) => {
      const r = mailRow(request, m)
      return [r.createdAt, { text: r.subject, href: r.href }, r.kind, r.recipient, r.status]
    }),
  )
}

function actionLinks(request: FastifyRequest, candidates: Array<['support' | 'billing', string, string]>): { links: ActionLink[] } {
  return { links: candidates.filter(([permission]) => operatorMay(request, permission)).map(([, href, label]) => ({ href, label: request.t(label) })) }
}

/** Who placed an order, inside a sentence: an operator by name, else the holder or the system. */
function placedBy(actor: string, t: FastifyRequest['t'], names: ReadonlyMap<string, string>): string {
  if (actor.startsWith('operator:')) return t('look.order.placedBy', { who: whoInWords(actor, t, names) })
  return t(actor.startsWith('holder:') ? 'look.order.byHolder' : 'look.order.bySystem')
}

function shownOrderId(id: string): string {
  const parsed = parseOrderId(id)
  return parsed ? formatOrderId(parsed) : id
}

function orderRow(request: FastifyRequest, o: OrderLine) {
  const { t, lang } = request
  return {
    id: o.orderId,
    text: formatOrderId(o.orderId),
    href: orderPath(o.orderId),
    status: t(`look.orderStatus.${o.status}`),
    duration: o.years === 1 ? t('look.years.one') : t('look.years.many', { n: o.years }),
    total: formatEuro(o.totalCents, lang),
    method: t(`method.${o.method}`),
    placedOn: formatDate(o.placedOn, lang),
    paid: o.paidAt ? t('look.paidOn', { date: formatDate(businessDate(o.paidAt), lang), to: o.newExpiresOn ? formatDate(o.newExpiresOn as CalendarDate, lang) : t('look.never') }) : '',
  }
}

function paymentRow(request: FastifyRequest, p: PaymentLine) {
  const { t, lang } = request
  const reason = p.reason && hasWords(t, `reason.${p.reason}`) ? t(`reason.${p.reason}`, { detail: '' }).trim() : ''
  return {
    receivedAt: formatInstant(p.receivedAt, lang),
    amount: formatEuro(p.amountCents, lang),
    method: t(`method.${p.method}`),
    reference: p.reference,
    order: p.orderId ? { text: shownOrderId(p.orderId), href: orderPath(p.orderId) } : null,
    outcome: [t(`look.paymentOutcome.${p.outcome}`), p.resolution ? t(`look.resolution.${p.resolution}`) : '', reason].filter(Boolean).join(' · '),
    refund: t(`look.refund.${p.refundStatus}`),
  }
}

function mailRow(request: FastifyRequest, m: MailLine) {
  const { t, lang } = request
  return {
    id: m.id,
    href: mailPath(m.id),
    createdAt: formatInstant(m.createdAt, lang),
    subject: m.subject ?? t('look.mail.unknownTemplate'),
    kind: hasWords(t, `mail.${m.template}`) ? t(`mail.${m.template}`) : t('look.mail.unknownTemplate'),
    recipient: m.recipient,
    status: t(`look.mailStatus.${m.status}`),
  }
}
