import type { FastifyInstance, FastifyRequest } from 'fastify'
import { conventionsOfMailboxes, lapsedMailboxes, listMailboxes } from '../../accounts/list-mailboxes'
import { findMailboxByAddress, mailboxHistory } from '../../accounts/queries'
import type { MailboxStatus } from '../../accounts/schema'
import { isCalendarDate, type CalendarDate } from '../../core/calendar'
import { DomainError } from '../../core/errors'
import { findInOffice } from '../../flows/find-in-office'
import { lookAtAccount } from '../../flows/look-in-office'
import { showMailbox, type MailboxView } from '../../flows/show-mailbox'
import type { Services } from '../../services'
import { sendCsv } from '../admin/csv'
import { pageOfList, pageOfRows } from './pages'
import { ACCOUNT, ADDRESS, HISTORY_ENTRY, LAPSED_MAILBOX, listOf, MAILBOX, MAILBOX_MATCH, MAILBOX_STATUS, PAGE_QUERY, paramsOf, queryOf, responses, types } from './schemas'

interface PageQuery {
  limit: number
  starting_after?: string
}

/** The convention a partner's token is limited to, or null (the provider's own systems see every mailbox). */
const partnerConvention = (request: FastifyRequest) => request.apiToken?.conventionCode ?? null

/**
 * Issue 15: mailboxes (list and search, one by address, its history), accounts, and the partner's
 * report of lapsed mailboxes. A partner's token sees its convention's mailboxes only: another
 * convention's answers 404, as a mailbox that does not exist.
 */
export async function mailboxesRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { db } = services.deps

  /** The mailbox at the address, when this caller may see it. */
  async function visibleMailbox(request: FastifyRequest, address: string, history = false): Promise<MailboxView> {
    const mailbox = await showMailbox(db, address, { history })
    const convention = partnerConvention(request)
    if (!mailbox || (convention && mailbox.convention !== convention)) throw new DomainError('mailbox_not_found', address)
    return mailbox
  }

  app.get<{ Querystring: PageQuery & { q?: string; status?: MailboxStatus; convention?: string } }>(
    '/mailboxes',
    {
      config: { apiScope: 'read', partner: true },
      schema: {
        summary: 'List or search mailboxes',
        description:
          'Without q: every mailbox in address order. With q: the back office’s search box (an order ID, a codice fiscale, an account ID, an address or its first letters, an e-mail, a name), at most 50 matches.',
        tags: ['mailboxes'],
        querystring: queryOf({ ...PAGE_QUERY, q: { type: 'string', minLength: 2, maxLength: 200 }, status: MAILBOX_STATUS, convention: { type: 'string', maxLength: 64 } }),
        response: responses({ 200: listOf(MAILBOX_MATCH) }),
      },
    },
    async (request) => {
      const { q, limit, starting_after, status } = request.query
      const convention = partnerConvention(request) ?? request.query.convention ?? null
      if (q === undefined) {
        const rows = await listMailboxes(db, { conventionCode: convention, status, startingAfter: starting_after, limit })
        return pageOfRows(rows.map((m) => ({ object: 'mailbox', id: m.address, ...m })), limit)
      }
      const found = await findInOffice(db, q, { conventionCode: convention, status })
      const matches = found?.results ?? []
      const conventions = await conventionsOfMailboxes(db, matches.map((m) => m.address))
      const items = [...new Map(matches.map((m) => [m.address, m])).values()]
        .map(({ orderId: _orderId, ...m }) => ({ object: 'mailbox', id: m.address, ...m, convention: conventions.get(m.address) ?? '' }))
        .filter((m) => !convention || m.convention === convention) // the query kept to it already; a partner's view never rests on one check
        .sort((a, b) => (a.address < b.address ? -1 : 1))
      return pageOfList(items, (m) => m.address, request.query)
    },
  )

  app.get<{ Params: { address: string } }>(
    '/mailboxes/:address',
    {
      config: { apiScope: 'read', partner: true },
      schema: { summary: 'Get a mailbox', tags: ['mailboxes'], params: paramsOf({ address: ADDRESS }), response: responses({ 200: MAILBOX }) },
    },
    async (request) => {
      const { history: _history, ...mailbox } = await visibleMailbox(request, request.params.address)
      return { object: 'mailbox', id: mailbox.address, ...mailbox }
    },
  )

  app.get<{ Params: { address: string }; Querystring: PageQuery }>(
    '/mailboxes/:address/history',
    {
      config: { apiScope: 'read', partner: true },
      schema: {
        summary: 'A mailbox’s history',
        description: 'The audit trail (R9) of the mailbox and of its orders, oldest first.',
        tags: ['mailboxes'],
        params: paramsOf({ address: ADDRESS }),
        querystring: queryOf(PAGE_QUERY),
        response: responses({ 200: listOf(HISTORY_ENTRY) }),
      },
    },
    async (request) => {
      const mailbox = await visibleMailbox(request, request.params.address)
      const { id } = (await findMailboxByAddress(db, mailbox.address))!
      const entries = (await mailboxHistory(db, id)).map((e) => ({
        object: 'audit_entry',
        id: String(e.id),
        at: new Date(e.at).toISOString(),
        actor: e.actor,
        action: e.action,
        reason: e.reason,
        data: e.data ?? null,
      }))
      return pageOfList(entries, (e) => e.id, request.query)
    },
  )

  app.get<{ Params: { id: string } }>(
    '/accounts/:id',
    {
      config: { apiScope: 'read' },
      schema: { summary: 'Get a customer account', tags: ['accounts'], params: paramsOf({ id: { type: 'string', minLength: 1, maxLength: 64 } }), response: responses({ 200: ACCOUNT }) },
    },
    async (request) => {
      const account = await lookAtAccount(db, request.params.id, services.deps.clock.now())
      if (!account) throw new DomainError('account_not_found', request.params.id)
      const { id, name, fiscalCode, referenceEmail, language, createdAt, mailboxes } = account
      return { object: 'account', id, name, fiscalCode, referenceEmail, language, createdAt, mailboxes }
    },
  )

  app.get<{ Querystring: { from: string; to: string; format?: 'json' | 'csv' } }>(
    '/reports/lapsed',
    {
      config: { apiScope: 'read', partner: true },
      schema: {
        summary: 'Mailboxes deactivated or ceased in a period',
        description:
          'For updating INI-PEC (R7): the mailboxes deactivated (R5) or ceased (R6) on a day from `from` to `to` (inclusive, Europe/Rome) and not renewed since. A partner’s token gets its convention’s only. format=csv answers text/csv (RFC 4180, a header line first).',
        tags: ['reports'],
        querystring: queryOf({ from: types.DATE, to: types.DATE, format: { type: 'string', enum: ['json', 'csv'], default: 'json' } }, ['from', 'to']),
        response: responses({
          200: {
            description: 'The lapsed mailboxes (JSON: a list of every row of the period, has_more always false; CSV: one line per row)',
            content: { 'application/json': { schema: listOf(LAPSED_MAILBOX) }, 'text/csv': { schema: { type: 'string' } } },
          },
        }),
      },
    },
    async (request, reply) => {
      const { from, to, format } = request.query
      if (!isCalendarDate(from) || !isCalendarDate(to) || from > to) throw new DomainError('invalid_input', 'from and to: dates, from ≤ to')
      const rows = await lapsedMailboxes(db, { from: from as CalendarDate, to: to as CalendarDate, conventionCode: partnerConvention(request) })
      if (format === 'csv') {
        return sendCsv(reply, `caselle-scadute-${from}-${to}.csv`, [[...CSV_COLUMNS], ...rows.map((r) => CSV_COLUMNS.map((c) => r[c]))])
      }
      return { object: 'list', data: rows.map((r) => ({ object: 'lapsed_mailbox', ...r })), has_more: false }
    },
  )
}

const CSV_COLUMNS = ['address', 'event', 'on', 'status', 'convention', 'fiscalCode', 'holder', 'register'] as const
