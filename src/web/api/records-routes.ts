import type { FastifyInstance } from 'fastify'
import { isCalendarDate, type CalendarDate } from '../../core/calendar'
import { DomainError } from '../../core/errors'
import { findInvoiceIdByNumber, invoiceSlug, listInvoices, parseInvoiceSlug } from '../../invoicing/list-invoices'
import { INVOICE_STATES, type InvoiceState } from '../../invoicing/schema'
import { runLifecycle } from '../../lifecycle/run-lifecycle'
import type { Services } from '../../services'
import { replyCourtesyCopy, replyInvoiceXml } from '../invoice-downloads'
import { pageOfList } from './pages'
import { INVOICE, LIFECYCLE_PREVIEW, listOf, PAGE_QUERY, paramsOf, queryOf, responses, types } from './schemas'

const INVOICE_PARAMS = paramsOf({ number: { type: 'string', pattern: '^\\d{4}-\\d{6}(-[A-Z0-9-]{1,8})?$', description: 'The invoice’s number as a URL segment: 2027-000123 or 2027-000123-PEC' } })

/** Issue 15: the lifecycle's dry run for a date, and the invoices with their files (R11). */
export async function recordsRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services

  app.get<{ Querystring: { date: string } }>(
    '/lifecycle/preview',
    {
      config: { apiScope: 'read' },
      schema: {
        summary: 'What the daily run would do on a date',
        description: 'The lifecycle’s dry run (reminders R2, deactivations R5, cessations R6) for a Europe/Rome date, mailbox by mailbox, as things stand now. Nothing is changed.',
        tags: ['lifecycle'],
        querystring: queryOf({ date: types.DATE }, ['date']),
        response: responses({ 200: LIFECYCLE_PREVIEW }),
      },
    },
    async (request) => {
      if (!isCalendarDate(request.query.date)) throw new DomainError('invalid_input', 'date')
      const { dryRun: _dryRun, actions = [], ...summary } = await runLifecycle(deps, { date: request.query.date as CalendarDate, dryRun: true })
      return { object: 'lifecycle_preview', ...summary, actions }
    },
  )

  app.get<{ Querystring: { limit: number; starting_after?: string; year?: number; state?: InvoiceState } }>(
    '/invoices',
    {
      config: { apiScope: 'read' },
      schema: {
        summary: 'List invoices and credit notes',
        description: 'In number order; a page starts after the invoice whose id is starting_after.',
        tags: ['invoices'],
        querystring: queryOf({ ...PAGE_QUERY, year: { type: 'integer', minimum: 2000, maximum: 2999 }, state: { type: 'string', enum: [...INVOICE_STATES] } }),
        response: responses({ 200: listOf(INVOICE) }),
      },
    },
    async (request) => {
      const { year, state } = request.query
      const rows = await listInvoices(deps.db, { ...(year ? { year } : {}), ...(state ? { state } : {}) })
      const items = rows.map((i) => ({
        object: 'invoice',
        id: invoiceSlug(i.number),
        kind: i.kind,
        number: i.number,
        issuedOn: i.issuedOn,
        orderId: i.orderId,
        buyer: i.buyer,
        totalCents: i.totalCents,
        state: i.state,
        refersTo: i.refersTo,
      }))
      return pageOfList(items, (i) => i.id, request.query)
    },
  )

  async function invoiceId(slug: string): Promise<number> {
    const key = parseInvoiceSlug(slug)
    const id = key ? await findInvoiceIdByNumber(deps.db, key) : undefined
    if (id === undefined) throw new DomainError('invoice_not_found', slug)
    return id
  }

  app.get<{ Params: { number: string } }>(
    '/invoices/:number/xml',
    {
      config: { apiScope: 'read' },
      schema: {
        summary: 'An invoice’s FatturaPA file',
        tags: ['invoices'],
        params: INVOICE_PARAMS,
        response: responses({ 200: { description: 'The FatturaPA XML', content: { 'application/xml': { schema: { type: 'string' } } } } }),
      },
    },
    async (request, reply) => replyInvoiceXml(reply, services, await invoiceId(request.params.number)),
  )

  app.get<{ Params: { number: string } }>(
    '/invoices/:number/pdf',
    {
      config: { apiScope: 'read' },
      schema: {
        summary: 'An invoice’s courtesy copy (PDF)',
        tags: ['invoices'],
        params: INVOICE_PARAMS,
        response: responses({ 200: { description: 'The courtesy copy', content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } } } }),
      },
    },
    async (request, reply) => replyCourtesyCopy(reply, services, await invoiceId(request.params.number)),
  )
}
