import type { FastifyInstance } from 'fastify'
import { businessDate, formatDate, type CalendarDate } from '../../core/calendar'
import { formatEuro, type Cents } from '../../core/money'
import { findInOffice, MAX_RESULTS, type FoundPayment } from '../../flows/find-in-office'
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
    const paymentRows = (found?.payments ?? []).map((p) => ({
      ...p,
      amount: formatEuro(p.amountCents as Cents, request.lang),
      method: request.t(`method.${p.method}`),
      receivedOn: formatDate(businessDate(new Date(p.receivedAt), deps.config.businessTimeZone), request.lang),
      state: request.t(`search.paymentState.${paymentState(p)}`),
    }))
    return reply.page('admin/search.eta', {
      title: request.t('search.title'),
      q,
      searched: q.trim().length > 0,
      tooShort: q.trim().length > 0 && !found,
      kind: found ? request.t(`search.kind.${found.kind}`) : null,
      rows,
      paymentRows,
      capped: rows.length === MAX_RESULTS || paymentRows.length === MAX_RESULTS,
      max: MAX_RESULTS,
    })
  })
}

/** Where a payment found stands, in one word for the operator: its refund, its resolution, else its outcome. */
function paymentState(p: FoundPayment): string {
  if (p.refundStatus === 'refunded') return 'refunded'
  if (p.refundStatus === 'due') return 'refund_due'
  if (p.resolution) return p.resolution
  return p.outcome
}
