/** Issue 15: how webhook endpoints are checked and given up on (docs/webhooks.md); config.ts reads them. */
export interface WebhookSettings {
  /** http:// endpoints accepted: demo mode only. */
  allowHttp: boolean
  /** Endpoints on loopback or private addresses accepted: demo mode, or WEBHOOK_ALLOW_PRIVATE_NETWORKS=yes (a CRM inside the provider's network). */
  allowPrivateAddresses: boolean
  /** An endpoint is disabled after this many failed calls in a row (WEBHOOK_DISABLE_AFTER, default 20). */
  disableAfterFailures: number
}

/** Production's: https, public addresses only, disabled after 20 failed calls in a row. */
export const STRICT_WEBHOOKS: WebhookSettings = { allowHttp: false, allowPrivateAddresses: false, disableAfterFailures: 20 }
