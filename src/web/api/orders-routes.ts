import type { FastifyInstance } from 'fastify'
import { parseOrderId } from '../../core/order-id'
import { DomainError } from '../../core/errors'
import { placePhoneOrder } from '../../flows/office/phone-order'
import { lookAtOrder } from '../../flows/look-in-office'
import { requireOfferedMethod } from '../../payments/offered-methods'
import { BILLING_FIELDS, type BillingField } from '../../renewals/billing'
import { cancelOrderByOffice } from '../../renewals/cancel-order'
import type { Services } from '../../services'
import { apiActor } from './plugin'
import { ADDRESS, bodyOf, ORDER, ORDER_ID, paramsOf, PLACED_ORDER, responses } from './schemas'

/** What the API says when no reason is given: the audit still says it came through the API, and by which token. */
const API_REASON = 'API'

/**
 * Issue 15: orders placed for a holder (the back office's phone order: the same checks, R3's one
 * open order per mailbox, the holder's e-mails), looked at and cancelled.
 */
export async function ordersRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services

  async function orderObject(orderRef: string) {
    const orderId = parseOrderId(orderRef)
    const order = orderId ? await lookAtOrder(deps.db, orderId) : null
    if (!order) throw new DomainError('order_not_found', orderRef)
    return {
      object: 'order',
      id: order.orderId,
      status: order.status,
      mailbox: order.address,
      accountId: order.accountId,
      years: order.years,
      netCents: order.netCents,
      vatCents: order.vatCents,
      totalCents: order.totalCents,
      method: order.method,
      placedOn: order.placedOn,
      paidAt: order.paidAt,
      newExpiresOn: order.newExpiresOn,
      payments: order.payments,
      invoices: order.invoices,
    }
  }

  app.post<{ Body: { mailbox: string; years: number; method: string; billing: Partial<Record<BillingField, string>>; contractsAccepted: boolean; reason?: string } }>(
    '/orders',
    {
      config: { apiScope: 'orders' },
      schema: {
        summary: 'Place an order for a holder',
        description:
          'A renewal order for a mailbox, as the back office places one on the phone (R3): the price from the convention’s list, the billing data checked as the portal checks them, the contracts in force recorded as accepted by the holder (contractsAccepted must be true). A mailbox has one open order: placing another resumes it (resumed: true, status 200).',
        tags: ['orders'],
        body: bodyOf(
          {
            mailbox: ADDRESS,
            years: { type: 'integer', minimum: 1, maximum: 10 },
            method: { type: 'string', maxLength: 32, description: 'A payment method this installation offers (bonifico, bollettino, carta, paypal …)' },
            billing: bodyOf(Object.fromEntries(BILLING_FIELDS.map((f) => [f, { type: 'string', maxLength: 500 }])), []),
            contractsAccepted: { type: 'boolean' },
            reason: { type: 'string', maxLength: 2000, description: 'Kept in the audit trail (default: API)' },
          },
          ['mailbox', 'years', 'method', 'billing', 'contractsAccepted'],
        ),
        response: responses({ 201: PLACED_ORDER, 200: PLACED_ORDER }),
      },
    },
    async (request, reply) => {
      const body = request.body
      const order = await placePhoneOrder(deps, {
        mailboxAddress: body.mailbox,
        years: body.years,
        method: requireOfferedMethod(services.mail.methods, body.method),
        billing: body.billing,
        contractsAccepted: body.contractsAccepted,
        reason: body.reason?.trim() || API_REASON,
        actor: apiActor(request),
      })
      return reply.code(order.resumed ? 200 : 201).send({ ...(await orderObject(order.orderId)), resumed: order.resumed })
    },
  )

  app.get<{ Params: { id: string } }>(
    '/orders/:id',
    { config: { apiScope: 'read' }, schema: { summary: 'Get an order', tags: ['orders'], params: paramsOf({ id: ORDER_ID }), response: responses({ 200: ORDER }) } },
    async (request) => orderObject(request.params.id),
  )

  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    '/orders/:id/cancel',
    {
      config: { apiScope: 'orders' },
      schema: {
        summary: 'Cancel an open order',
        description: 'The holder is told by e-mail; the reason stays in the audit trail.',
        tags: ['orders'],
        params: paramsOf({ id: ORDER_ID }),
        body: bodyOf({ reason: { type: 'string', minLength: 1, maxLength: 2000 } }, ['reason']),
        response: responses({ 200: ORDER }),
      },
    },
    async (request) => {
      const cancelled = await cancelOrderByOffice(deps, { orderRef: request.params.id, reason: request.body.reason, actor: apiActor(request) })
      return orderObject(cancelled.orderId)
    },
  )
}
