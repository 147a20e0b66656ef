import type { FastifyInstance } from 'fastify'
import { businessDate, formatDate } from '../../core/calendar'
import { formatEuro } from '../../core/money'
import { formatOrderId, type OrderId } from '../../core/order-id'
import { cancelOrder } from '../../renewals/cancel-order'
import { listOrderHistory } from '../../renewals/order-history'
import { findAccount, findBillingProfile, findMailbox } from '../../renewals/queries'
import type { Services } from '../../services'
import { findHolderInvoiceId } from '../../flows/holder-invoices'
import { invoicesOfOrders, invoiceSlug, parseInvoiceSlug } from '../../invoicing/list-invoices'
import { replyCourtesyCopy, splitInvoiceFile } from '../invoice-downloads'
import { loadHolderOrder } from './holder-order'
import { requireHolder } from './plugin'
import { CSRF_ONLY, FLAG, objectOf, OrderIdParams } from '../route-schemas'

/**
 * Issue 14: the holder's account page — who they are, the billing data their next renewal starts
 * from, and every order with its state, method, amount and dates; an open order links to its
 * payment instructions and can be cancelled while unpaid.
 */
export async function accountRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services
  const guard = { preHandler: requireHolder }
  const orderRoute = { ...guard, schema: { params: OrderIdParams } }
  const day = (instant: Date | null, lang: 'it' | 'en') => (instant ? formatDate(businessDate(instant, deps.config.businessTimeZone), lang) : null)

  app.get<{ Querystring: { annullato?: string } }>('/account', { ...guard, schema: { querystring: objectOf({ annullato: FLAG }) } }, async (request, reply) => {
    const holder = request.holder!
    const lang = request.lang
    const account = (await findAccount(deps.db, holder.accountId))!
    const billing = await findBillingProfile(deps.db, holder.accountId)
    const history = await listOrderHistory(deps.db, holder)
    // R11: each order's invoice (and credit note), as courtesy copies, when invoicing is configured
    const documents = services.config.invoicing ? await invoicesOfOrders(deps.db, history.map((o) => o.id)) : []
    const cancelled = request.query.annullato ? history.find((o) => o.id === request.query.annullato && o.status === 'cancelled') : undefined
    return reply.page('portal/account.eta', {
      title: request.t('account.title'),
      account: { id: account.id, name: `${account.firstName} ${account.lastName}`, email: account.referenceEmail },
      billing: billing && { name: billing.name, fiscalCode: billing.fiscalCode, vatNumber: billing.vatNumber ?? null, address: billing.address ?? null },
      cancelledNumber: cancelled ? formatOrderId(cancelled.id as OrderId) : null,
      orders: history.map((o) => ({
        id: o.id,
        number: formatOrderId(o.id as OrderId),
        mailbox: o.mailbox,
        status: o.status,
        statusLabel: request.t(`account.status.${o.status}`),
        method: request.t(`method.${o.method}`),
        amount: formatEuro(o.totalCents, lang),
        duration: o.years === 1 ? request.t('wizard.duration.oneYear') : request.t('wizard.duration.nYears', { n: o.years }),
        placedOn: day(o.placedAt, lang),
        paidOn: day(o.paidAt, lang),
        newExpiry: o.newExpiresOn ? formatDate(o.newExpiresOn as never, lang) : null,
        documents: documents
          .filter((d) => d.orderId === o.id)
          .map((d) => ({ href: `/fatture/${invoiceSlug(d.number)}.pdf`, label: request.t(d.kind === 'invoice' ? 'account.invoicePdf' : 'account.creditNotePdf', { number: d.number }) })),
      })),
    })
  })

  // R11: the courtesy copy of the holder's own invoice; any other number is a 404, as a missing one
  app.get<{ Params: { file: string } }>('/fatture/:file', { ...guard, schema: { params: objectOf({ file: { type: 'string', maxLength: 40 } }, ['file']) } }, async (request, reply) => {
    const { slug, format } = splitInvoiceFile(request.params.file)
    const key = format === 'pdf' ? parseInvoiceSlug(slug) : null
    const id = key && (await findHolderInvoiceId(deps.db, request.holder!, key))
    if (!id) return reply.refuse('page_not_found')
    return replyCourtesyCopy(reply, services, id)
  })

  // Cancelling asks first, on a page of its own: it works without JavaScript and a stray tap does nothing.
  app.get('/ordini/:orderId/annulla', orderRoute, async (request, reply) => {
    const order = await loadHolderOrder(deps.db, request, reply)
    if (!order) return reply
    if (order.status !== 'open') return reply.redirect(`/ordini/${order.id}`, 303)
    const mailbox = (await findMailbox(deps.db, order.mailboxId))!.address
    return reply.page('portal/cancel-order.eta', {
      title: request.t('cancel.title', { orderId: formatOrderId(order.id as OrderId) }),
      order: { id: order.id, number: formatOrderId(order.id as OrderId), amount: formatEuro(order.totalCents, request.lang), mailbox },
    })
  })

  app.post('/ordini/:orderId/annulla', { ...guard, schema: { params: OrderIdParams, body: CSRF_ONLY } }, async (request, reply) => {
    const order = await loadHolderOrder(deps.db, request, reply)
    if (!order) return reply
    await cancelOrder(deps, request.holder!, order.id)
    return reply.redirect(`/account?annullato=${order.id}`, 303)
  })
}
