import type { FastifyInstance, FastifyRequest } from 'fastify'
import { businessDate, formatDate, formatInstant, type CalendarDate } from '../../core/calendar'
import { formatEuro } from '../../core/money'
import { partOfDay } from '../../core/greeting'
import { failedCommands, failedMail, overdueOrders, tomorrowsRun, workQueueCounts } from '../../flows/work-queues'
import type { Services } from '../../services'
import { NO_INPUT } from '../route-schemas'
import { operatorMay, requireOperator } from './roles'
import { sendCsv } from './csv'
import { mailboxPath, mailPath, orderPath } from './look-routes'

/** A work queue's page: a caption, column headings and rows of text, the same template for each. */
interface QueueTable {
  caption: string
  columns: string[]
  /** Each cell a text, or a link to the page about it (a mailbox, an order, an e-mail). */
  rows: Array<Array<string | { text: string; href: string }>>
  empty: string
}

/**
 * Issue 11, "Work queues": the home page after sign-in, each queue with its count, and a page per
 * queue. Tomorrow's run (the lifecycle's dry run for tomorrow) is also CSV.
 */
export async function queuesRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services
  const today = () => businessDate(deps.clock.now(), deps.config.businessTimeZone)

  app.get('/', { preHandler: requireOperator, schema: NO_INPUT }, async (request, reply) => {
    const counts = await workQueueCounts(deps, today())
    // The money queues (payments to resolve, refunds due) join this list from the billing side of issue 11.
    const queues = [
      { id: 'overdue-orders', href: '/ufficio/code/ordini-scaduti', count: counts.overdueOrders },
      { id: 'tomorrow-deactivations', href: '/ufficio/code/domani#deactivate', count: counts.tomorrow.deactivations },
      { id: 'tomorrow-reminders', href: '/ufficio/code/domani#reminder', count: counts.tomorrow.reminders },
      { id: 'failed-mail', href: '/ufficio/code/posta-non-consegnata', count: counts.failedMail },
      { id: 'failed-commands', href: '/ufficio/code/comandi-falliti', count: counts.failedCommands },
      { id: 'pending-extensions', href: '/ufficio/proroghe', count: counts.pendingExtensions },
      { id: 'invoices-to-correct', href: '/ufficio/code/fatture-da-correggere', count: counts.invoicesToCorrect },
      { id: 'disabled-webhooks', href: '/ufficio/webhook', count: counts.disabledWebhooks },
    ]
    return reply.page('admin/home.eta', { title: request.t('home.title'), partOfDay: partOfDay(services.deps.clock.now()), queues, tomorrow: formatDate(counts.tomorrow.date, request.lang) })
  })

  const table = (request: FastifyRequest, key: string, table: QueueTable, extra: Record<string, unknown> = {}) =>
    ({ title: request.t(`queue.${key}.title`), intro: request.t(`queue.${key}.intro`), table, ...extra })

  app.get('/code/ordini-scaduti', { preHandler: requireOperator, schema: NO_INPUT }, async (request, reply) => {
    const t = request.t
    const rows = await overdueOrders(deps, today())
    return reply.page(
      'admin/queue.eta',
      table(request, 'overdue', {
        caption: t('queue.overdue.title'),
        columns: [t('queue.col.order'), t('queue.col.mailbox'), t('queue.col.amount'), t('queue.col.method'), t('queue.col.payBy'), t('queue.col.placedOn')],
        rows: rows.map((o) => [{ text: o.orderId, href: orderPath(o.orderId) }, { text: o.address, href: mailboxPath(o.address) }, formatEuro(o.totalCents, request.lang), t(`method.${o.method}`), formatDate(o.payBy, request.lang), formatDate(o.placedOn as CalendarDate, request.lang)]),
        empty: t('queue.none'),
      }),
    )
  })

  app.get('/code/posta-non-consegnata', { preHandler: requireOperator, schema: NO_INPUT }, async (request, reply) => {
    const t = request.t
    const rows = await failedMail(deps)
    const resend = operatorMay(request, 'support')
    return reply.page(
      'admin/queue.eta',
      table(request, 'failedMail', {
        caption: t('queue.failedMail.title'),
        columns: [t('queue.col.created'), t('queue.col.mail'), t('queue.col.recipient'), t('queue.col.order'), t('queue.col.error'), ...(resend ? [t('queue.col.action')] : [])],
        rows: rows.map((m) => [
          formatInstant(m.createdAt, request.lang),
          { text: mailName(request, m.template), href: mailPath(m.id) },
          m.recipient,
          m.orderId ? { text: m.orderId, href: orderPath(m.orderId) } : '',
          m.lastError ?? '',
          // issue 11: re-sent after the reference address is fixed (support's work)
          ...(resend ? [{ text: t('queue.resend'), href: `/ufficio/posta/${m.id}/reinvia` }] : []),
        ]),
        empty: t('queue.none'),
      }),
    )
  })

  app.get('/code/comandi-falliti', { preHandler: requireOperator, schema: NO_INPUT }, async (request, reply) => {
    const t = request.t
    const rows = await failedCommands(deps)
    return reply.page(
      'admin/queue.eta',
      table(request, 'failedCommands', {
        caption: t('queue.failedCommands.title'),
        columns: [t('queue.col.created'), t('queue.col.mailbox'), t('queue.col.command'), t('queue.col.attempts'), t('queue.col.error')],
        rows: rows.map((c) => [formatInstant(c.createdAt, request.lang), { text: c.address, href: mailboxPath(c.address) }, t(`command.${c.action}`), String(c.attempts), c.lastError ?? '']),
        empty: t('queue.none'),
      }),
    )
  })

  app.get('/code/domani', { preHandler: requireOperator, schema: NO_INPUT }, async (request, reply) => {
    const t = request.t
    const run = await tomorrowsRun(deps, today())
    const sections = (['deactivate', 'reminder', 'cease'] as const).map((action) => {
      const rows = run.actions.filter((a) => a.action === action)
      return {
        id: action,
        table: {
          caption: t(`queue.tomorrow.${action}`, { n: rows.length }),
          columns: [t('queue.col.mailbox'), t('queue.col.expiry'), t('queue.col.reminder'), t('queue.col.register')],
          rows: rows.map((a) => [
            { text: a.address, href: mailboxPath(a.address) },
            formatDate(a.expiresOn as CalendarDate, request.lang),
            a.offsetDays === null ? '' : t('queue.offset', { days: a.offsetDays }),
            a.registerWarning ? t('queue.registerWarning') : '',
          ]),
          empty: t('queue.none'),
        },
      }
    })
    return reply.page('admin/tomorrow.eta', { title: t('queue.tomorrow.title', { date: formatDate(run.date, request.lang) }), sections })
  })

  app.get('/code/domani.csv', { preHandler: requireOperator, schema: NO_INPUT }, async (_request, reply) => {
    const run = await tomorrowsRun(deps, today())
    const lines = [['date', 'action', 'address', 'expires_on', 'offset_days', 'skipped_offsets', 'register', 'register_warning']]
    for (const a of run.actions) lines.push([run.date, a.action, a.address, a.expiresOn, a.offsetDays === null ? '' : String(a.offsetDays), a.skippedOffsets.join(' '), a.register, String(a.registerWarning)])
    return sendCsv(reply, `domani-${run.date}.csv`, lines)
  })
}

/** The e-mail's name in the operator's words, not the template's identifier. */
export function mailName(request: FastifyRequest, template: string): string {
  const key = `mail.${template}`
  try {
    return request.t(key)
  } catch {
    return template
  }
}
