import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

// Issue 15: how a delivery is signed (docs/webhooks.md, "Signature"), as Stripe signs its webhooks:
// the header `Pec-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed with
// the endpoint's whole secret (`whsec_…`, as UTF-8 text).

export const SIGNATURE_HEADER = 'Pec-Signature'

/** A new endpoint secret: `whsec_` and 32 random bytes in base64url. Shown once, at creation. */
export function newEndpointSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`
}

/** The header value for `body` sent at `at`. */
export function signatureHeader(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000)
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`
}

/**
 * The receiver's side, as docs/webhooks.md tells it (our tests use it to check the dispatcher): true
 * when one v1 signature matches and t is within `toleranceSeconds` of `now`.
 */
export function verifySignature(secret: string, body: string, header: string, now: Date, toleranceSeconds = 300): boolean {
  const parts = header.split(',').map((p) => p.trim().split('='))
  const t = Number(parts.find(([k]) => k === 't')?.[1])
  if (!Number.isInteger(t) || Math.abs(now.getTime() / 1000 - t) > toleranceSeconds) return false
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest()
  return parts.some(([k, v]) => k === 'v1' && /^[0-9a-f]{64}$/.test(v ?? '') && timingSafeEqual(Buffer.from(v, 'hex'), expected))
}
