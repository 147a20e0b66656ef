import type { FastifyInstance } from 'fastify'
import { listHolderMailboxes } from '../../accounts/holder-mailboxes'
import { formatDate } from '../../core/calendar'
import type { Services } from '../../services'
import { requireHolder } from './plugin'

/** The holder's mailboxes, each with its status and expiry (issue 3). The wizard starts here. */
export async function mailboxesRoutes(app: FastifyInstance, services: Services): Promise<void> {
  app.get('/caselle', { preHandler: requireHolder }, async (request, reply) => {
    const mailboxes = await listHolderMailboxes(services.deps.db, request.holder!)
    return reply.page('portal/mailboxes.eta', {
      title: request.t('mailboxes.title'),
      mailboxes: mailboxes.map((m) => ({ ...m, expiresOnText: formatDate(m.expiresOn, request.lang) })),
    })
  })
}
