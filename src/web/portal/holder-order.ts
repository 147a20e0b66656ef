import type { FastifyReply, FastifyRequest } from 'fastify'
import { parseOrderId } from '../../core/order-id'
import type { Db } from '../../db/client'
import { findHolderOrder } from '../../renewals/queries'
import type { OrderRow } from '../../renewals/queries'

/** The holder's own order for the :orderId in the URL, whatever id it carries; null (and a 404 page) otherwise. */
export async function loadHolderOrder(db: Db, request: FastifyRequest, reply: FastifyReply): Promise<OrderRow | null> {
  const orderId = parseOrderId((request.params as { orderId?: string }).orderId ?? '')
  const order = orderId && (await findHolderOrder(db, request.holder!, orderId))
  if (!order) {
    await reply.refuse('page_not_found')
    return null
  }
  return order
}
