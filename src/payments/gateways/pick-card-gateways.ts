import type { Config } from '../../config'
import type { CardGateway, GatewayMethod } from './card-gateway'
import { paypalGateway } from './paypal-gateway'
import { sandboxGateway, type SandboxGateway } from './sandbox-gateway'
import { stripeGateway } from './stripe-gateway'

/** The gateways this installation uses, chosen once from the configuration. */
export interface CardGateways {
  /** Who takes this method's payments; undefined when no gateway is configured for it. */
  forMethod(method: GatewayMethod): CardGateway | undefined
  /** By name, for webhooks (/webhooks/:name) and refunds (the payment's gateway:NAME actor). */
  byName(name: string): CardGateway | undefined
  /** Present only when no real gateway is configured: the simulated card page. */
  readonly sandbox: SandboxGateway | undefined
}

/**
 * R10: the sandbox (a simulation) takes card and PayPal in demo mode only, where real gateway keys
 * are refused (see loadConfig). Outside it a method without its gateway is simply not offered, so
 * no installation can renew a mailbox through a simulated payment by leaving a key out.
 */
export function pickCardGateways(config: Pick<Config, 'mode' | 'gateways' | 'sessionSecrets'>): CardGateways {
  const { stripe, paypal } = config.gateways
  const sandbox = config.mode === 'demo' ? sandboxGateway(config.sessionSecrets[0]) : undefined
  const byMethod: Record<GatewayMethod, CardGateway | undefined> = {
    card: sandbox ?? (stripe && stripeGateway(stripe)),
    paypal: sandbox ?? (paypal && paypalGateway(paypal)),
  }
  const all = [...new Set(Object.values(byMethod).filter((g): g is CardGateway => !!g))]
  return {
    forMethod: (method) => byMethod[method],
    byName: (name) => all.find((g) => g.name === name),
    sandbox,
  }
}
