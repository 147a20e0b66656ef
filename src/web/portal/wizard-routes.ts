import type { FastifyInstance } from 'fastify'
import type { Services } from '../../services'
import { contractRoutes } from './wizard/contract-routes'
import { orderRoutes } from './wizard/order-routes'
import { wizardStepRoutes } from './wizard/steps-routes'

/** The RENEW wizard (issue 3): its steps, the done page of each order, the contracts to read. */
export async function wizardRoutes(app: FastifyInstance, services: Services): Promise<void> {
  await wizardStepRoutes(app, services)
  await orderRoutes(app, services)
  await contractRoutes(app, services)
}
