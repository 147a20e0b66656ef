import type { FastifyInstance } from 'fastify'
import { formatDate, type CalendarDate } from '../../core/calendar'
import { findInOffice, MAX_RESULTS } from '../../flows/find-in-office'
import type { Services } from '../../services'
import { text } from '../frame'
import { accountPath, mailboxPath, orderPath } from './look-routes'
import { requireOperator } from './roles'
import { objectOf, textOf } from '../route-schemas'

/** Issue 11, "Find and look": one search box for every role, the results as a table. */
export async function searchRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services
  app.get<{ Querystring: { q?: string } }>('/cerca', { preHandler: requireOperator, schema: { querystring: objectOf({ q: textOf(1000) }) } }, async (request, reply) => {
    const q = text(request.query.q).slice(0, 200)
    const found = q.trim() ? await findInOffice(deps.db, q) : null
    const rows = (found?.results ?? []).map((r) => ({
      ...r,
      status: request.t(`status.${r.status}`),
      expiresOn: formatDate(r.expiresOn as CalendarDate, request.lang),
      href: mailboxPath(r.address),
      accountHref: accountPath(r.accountId),
      orderHref: r.orderId ? orderPath(r.orderId) : null,
    }))
    return reply.page('admin/search.eta', {
      title: request.t('search.title'),
      q,
      searched: q.trim().length > 0,
      tooShort: q.trim().length > 0 && !found,
      kind: found ? request.t(`search.kind.${found.kind}`) : null,
      rows,
      capped: rows.length === MAX_RESULTS,
      max: MAX_RESULTS,
    })
  })
}
