import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Clock } from '../core/clock'
import { PermanentPlatformError, type MailPlatform, type PlatformState } from './mail-platform'

/** The headers every request carries (docs/mail-platform.md shows how a receiver checks them). */
export const SIGNATURE_HEADERS = {
  timestamp: 'x-pec-timestamp',
  signature: 'x-pec-signature',
  idempotencyKey: 'idempotency-key',
} as const

/** `sha256=` + hex HMAC-SHA256, keyed by the shared secret, over `${timestamp}.${body}` (timestamp in Unix seconds). */
export function signPlatformRequest(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

/** The receiver's check: the signature matches and the timestamp is within `toleranceS` of now. */
export function verifyPlatformRequest(secret: string, headers: { timestamp?: string; signature?: string }, body: string, nowMs: number, toleranceS = 300): boolean {
  if (!headers.timestamp || !headers.signature || !/^\d{1,12}$/.test(headers.timestamp)) return false
  if (Math.abs(nowMs / 1000 - Number(headers.timestamp)) > toleranceS) return false
  const expected = Buffer.from(signPlatformRequest(secret, headers.timestamp, body))
  const given = Buffer.from(headers.signature)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

export interface HttpPlatformOptions {
  url: string
  secret: string
  clock: Clock
  timeoutMs?: number
}

const STATES: PlatformState[] = ['active', 'off', 'receive-only', 'absent']

/**
 * The HTTP adapter, for platforms with an API of their own: one signed JSON POST per command
 * (`{"action":"disable","address":…,"mode":"off","idempotencyKey":…}`), the key also in the
 * Idempotency-Key header. A 2xx is done; 408, 425, 429 and 5xx, a timeout or no answer are retried
 * (deliver-commands.ts); any other answer is a refusal for good. `status` POSTs
 * `{"action":"status","address":…}` and reads `{"state":"active"|"off"|"receive-only"|"absent"}`.
 */
export function httpMailPlatform(options: HttpPlatformOptions): MailPlatform {
  const timeoutMs = options.timeoutMs ?? 10_000
  async function post(payload: Record<string, string>, idempotencyKey?: string): Promise<Response> {
    const body = JSON.stringify(payload)
    const timestamp = String(Math.floor(options.clock.now().getTime() / 1000))
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [SIGNATURE_HEADERS.timestamp]: timestamp,
      [SIGNATURE_HEADERS.signature]: signPlatformRequest(options.secret, timestamp, body),
    }
    if (idempotencyKey) headers[SIGNATURE_HEADERS.idempotencyKey] = idempotencyKey
    const response = await fetch(options.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) })
    if (response.ok) return response
    const detail = (await response.text().catch(() => '')).slice(0, 200)
    const message = `mail platform answered ${response.status}${detail ? `: ${detail}` : ''}`
    if (response.status >= 500 || [408, 425, 429].includes(response.status)) throw new Error(message)
    throw new PermanentPlatformError(message)
  }
  return {
    name: 'http',
    async apply(command) {
      const payload: Record<string, string> = { action: command.action, address: command.address, idempotencyKey: command.idempotencyKey }
      if (command.action === 'disable') payload.mode = command.mode
      const response = await post(payload, command.idempotencyKey)
      await response.arrayBuffer() // read to the end: the connection goes back to the pool
    },
    async status(address) {
      const response = await post({ action: 'status', address })
      const answer = (await response.json().catch(() => null)) as { state?: unknown } | null
      const state = answer?.state as PlatformState
      if (!STATES.includes(state)) throw new Error(`mail platform status for ${address}: expected {"state": ${STATES.map((s) => `"${s}"`).join('|')}}`)
      return state
    },
  }
}
