import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { datePhrase } from '../../core/date-phrase'
import { formatEuro } from '../../core/money'
import { formatOrderId } from '../../core/order-id'
import { completeCheckout } from '../../payments/gateways/complete-checkout'
import { paymentState, type PaymentState } from '../../payments/gateways/payment-state'
import { startCheckout } from '../../payments/gateways/start-checkout'
import { findMailbox } from '../../renewals/queries'
import { loadHolderOrder } from './holder-order'
import type { Services } from '../../services'
import { requireHolder } from './plugin'
import { sandboxPaymentRoutes } from './sandbox-payment-routes'
import { CSRF_ONLY, FLAG, objectOf, OrderIdParams, TOKEN } from '../route-schemas'

const KNOWN_REASONS = ['card_declined', 'authentication_failed', 'expired']
const REFRESH_SECONDS = 5

/**
 * Issue 4, card and PayPal: POST /ordini/:orderId/paga opens the attempt at the gateway and sends
 * the holder there (303); GET /ordini/:orderId/esito is where the gateway sends them back. The
 * return page shows the state and never registers money: only the verified webhook does (R4).
 */
export async function paymentRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps, gateways } = services
  const guard = { preHandler: requireHolder }

  const holderOrder = (request: FastifyRequest, reply: FastifyReply) => loadHolderOrder(deps.db, request, reply)

  app.post('/ordini/:orderId/paga', { ...guard, schema: { params: OrderIdParams, body: CSRF_ONLY } }, async (request, reply) => {
    const order = await holderOrder(request, reply)
    if (!order) return reply
    const start = await startCheckout(deps, gateways, { orderId: order.id, actor: `holder:${request.holder!.accountId}`, language: request.lang })
    switch (start.kind) {
      case 'redirect':
        return reply.redirect(start.redirectUrl, 303)
      case 'already_paid':
        return reply.redirect(`/ordini/${order.id}/esito`, 303)
      case 'offline':
        return reply.redirect(`/ordini/${order.id}`, 303)
      case 'unavailable':
        return reply.page('shared/error.eta', { message: request.t('payment.unavailable') }, 503)
    }
  })

  app.get<{ Querystring: { token?: string; annullato?: string } }>('/ordini/:orderId/esito', { ...guard, schema: { params: OrderIdParams, querystring: objectOf({ token: TOKEN, annullato: FLAG }) } }, async (request, reply) => {
    const order = await holderOrder(request, reply)
    if (!order) return reply
    const { token } = request.query
    if (typeof token === 'string' && token) {
      // Back from PayPal: capture the approved order, then drop the token from the URL (refresh-safe).
      await completeCheckout(deps, gateways, { orderId: order.id, gatewayRef: token })
      return reply.redirect(`/ordini/${order.id}/esito`, 303)
    }
    const state = await paymentState(deps.db, order.id)
    const cancelled = request.query.annullato === '1' && (state.kind === 'waiting' || state.kind === 'not_started')
    const mailbox = (await findMailbox(deps.db, order.mailboxId))!
    return reply.page('portal/payment/result.eta', {
      title: request.t('payment.result.title'),
      order: { id: order.id, number: formatOrderId(order.id), amount: formatEuro(order.totalCents, request.lang), mailbox: mailbox.address },
      state: cancelled ? { kind: 'cancelled' } : state,
      message: resultMessage(request, state, mailbox.address, cancelled),
      canPay: order.status === 'open' && state.kind !== 'waiting' && state.kind !== 'held',
      ...(state.kind === 'waiting' && !cancelled ? { refreshSeconds: REFRESH_SECONDS } : {}),
    })
  })

  if (gateways.sandbox) await sandboxPaymentRoutes(app, services, gateways.sandbox)
}

function resultMessage(request: FastifyRequest, state: PaymentState, mailbox: string, cancelled: boolean): string {
  const t = request.t
  if (cancelled) return t('payment.result.cancelled')
  switch (state.kind) {
    case 'paid':
      return state.newExpiresOn
        ? t('payment.result.paid', { mailbox, date: datePhrase(state.newExpiresOn, request.lang, 'the') })
        : t('payment.result.paidNoDate')
    case 'waiting':
      return t('payment.result.waiting', { gateway: t(`payment.gateway.${state.gateway}`) })
    case 'declined':
      return t('payment.result.declined', { reason: t(`payment.reason.${KNOWN_REASONS.includes(state.reason ?? '') ? state.reason : 'other'}`) })
    case 'held':
      return t('payment.result.held')
    case 'not_started':
      return t('payment.result.notStarted')
    case 'closed':
      return t('payment.result.closed')
  }
}
