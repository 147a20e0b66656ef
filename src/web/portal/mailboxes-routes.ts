import type { FastifyInstance } from 'fastify'
import { businessDate, formatDate } from '../../core/calendar'
import { formatEuro } from '../../core/money'
import { formatOrderId } from '../../core/order-id'
import { mailboxRenewalStates } from '../../renewals/drafts'
import type { Services } from '../../services'
import { requireHolder } from './plugin'

/**
 * The holder's mailboxes, each with its status and expiry (issue 3), and what they can do: renew
 * (R6: active, or deactivated within the window), resume a renewal left half-way, or resume the
 * open order (R3). The wizard starts here.
 */
export async function mailboxesRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services
  app.get('/caselle', { preHandler: requireHolder }, async (request, reply) => {
    const today = businessDate(deps.clock.now(), deps.config.businessTimeZone)
    const states = await mailboxRenewalStates(deps.db, request.holder!, today)
    const lang = request.lang
    return reply.page('portal/mailboxes.eta', {
      title: request.t('mailboxes.title'),
      mailboxes: states.map(({ mailbox: m, renewable, renewableUntil, openOrder, hasDraft }) => ({
        ...m,
        expiresOnText: formatDate(m.expiresOn, lang),
        renewable,
        renewableUntilText: formatDate(renewableUntil, lang),
        hasDraft,
        openOrder: openOrder && {
          id: openOrder.id,
          number: formatOrderId(openOrder.id),
          amount: formatEuro(openOrder.totalCents, lang),
          method: openOrder.method,
        },
      })),
    })
  })
}
