import type { FastifyInstance } from 'fastify'
import { formatDate } from '../../core/calendar'
import { datePhrase } from '../../core/date-phrase'
import { formatEuro } from '../../core/money'
import { formatOrderId } from '../../core/order-id'
import { listMailboxesToRenew } from '../../renewals/list-mailboxes-to-renew'
import type { Urgency } from '../../renewals/urgency'
import type { Services } from '../../services'
import type { Lang, Translate } from '../i18n'
import { NO_INPUT } from '../route-schemas'
import { requireHolder } from './plugin'

/** "Scade tra 7 giorni", "Disattivata: rinnovabile fino all’11 dicembre 2026 (ancora 3 giorni)". */
export function urgencyText(urgency: Urgency, t: Translate, lang: Lang): string | null {
  switch (urgency.kind) {
    case 'expires_soon':
      return urgency.daysLeft === 0
        ? t('mailboxes.urgency.today')
        : urgency.daysLeft === 1
          ? t('mailboxes.urgency.tomorrow')
          : t('mailboxes.urgency.days', { n: urgency.daysLeft })
    case 'expired':
      return t('mailboxes.urgency.expired', { date: datePhrase(urgency.expiredOn, lang, 'on') })
    case 'renewable_until':
      return t('mailboxes.urgency.renewableUntil', {
        date: datePhrase(urgency.until, lang, 'until'),
        left: urgency.daysLeft === 0 ? t('mailboxes.urgency.lastDay') : urgency.daysLeft === 1 ? t('mailboxes.urgency.oneDayLeft') : t('mailboxes.urgency.daysLeft', { n: urgency.daysLeft }),
      })
    default:
      return null
  }
}

/**
 * The holder's mailboxes, each with its status and expiry (issue 3), the most urgent first with a
 * cue saying how soon (issue 14), and what they can do: renew (R6: active, or deactivated within
 * the window), resume a renewal left half-way, or resume the open order (R3). R7: a mailbox on a
 * public register says what its lapse would mean there. The wizard starts here.
 */
export async function mailboxesRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services
  app.get('/caselle', { preHandler: requireHolder, schema: NO_INPUT }, async (request, reply) => {
    const mailboxes = await listMailboxesToRenew(deps, request.holder!)
    const lang = request.lang
    return reply.page('portal/mailboxes.eta', {
      title: request.t('mailboxes.title'),
      mailboxes: mailboxes.map(({ renewable, urgency, openOrder, hasDraft, ...m }) => ({
        id: m.id,
        address: m.address,
        status: m.status,
        expiresOn: m.expiresOn,
        register: m.register,
        expiresOnText: formatDate(m.expiresOn, lang),
        renewable,
        urgencyKind: urgency.kind,
        urgencyText: urgencyText(urgency, request.t, lang),
        // R7: said while the lapse is near or has happened, not a year ahead
        showRegister: m.register !== 'none' && urgency.kind !== 'expires_later',
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
