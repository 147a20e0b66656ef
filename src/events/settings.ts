import type { Deps } from '../deps'

/**
 * Issue 15, how webhook endpoints are checked and given up on (docs/webhooks.md). allowHttp: http:// endpoints accepted (demo mode only). allowPrivateAddresses: loopback and private
 * addresses accepted (demo mode, or WEBHOOK_ALLOW_PRIVATE_NETWORKS=yes for a CRM inside the provider's
 * network). disableAfterFailures: an endpoint is disabled after this many failed calls in a row
 * (WEBHOOK_DISABLE_AFTER, default 20). Declared in Deps, which knows nothing of events.
 */
export type WebhookSettings = NonNullable<Deps['config']['webhooks']>

/** Production's: https, public addresses only, disabled after 20 failed calls in a row. */
export const STRICT_WEBHOOKS: WebhookSettings = { allowHttp: false, allowPrivateAddresses: false, disableAfterFailures: 20 }
