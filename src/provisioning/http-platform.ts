import { createHmac, timingSafeEqual } from 'node:crypto'
import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
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
  const url = new URL(options.url)
  const secure = url.protocol === 'https:'
  // node:http with kept-alive connections: about four times fetch's rate on a busy machine (bench/provisioning).
  const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: 64 }) : new HttpAgent({ keepAlive: true, maxSockets: 64 })
  const send = secure ? httpsRequest : httpRequest
  async function post(payload: Record<string, string>, idempotencyKey?: string): Promise<string> {
    const body = JSON.stringify(payload)
    const timestamp = String(Math.floor(options.clock.now().getTime() / 1000))
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      [SIGNATURE_HEADERS.timestamp]: timestamp,
      [SIGNATURE_HEADERS.signature]: signPlatformRequest(options.secret, timestamp, body),
    }
    if (idempotencyKey) headers[SIGNATURE_HEADERS.idempotencyKey] = idempotencyKey
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = send(url, { method: 'POST', agent, headers, timeout: timeoutMs }, (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
        response.on('error', reject)
      })
      request.on('timeout', () => request.destroy(new Error(`mail platform: no answer within ${timeoutMs} ms`)))
      request.on('error', reject)
      request.end(body)
    })
    if (status >= 200 && status < 300) return text
    const detail = text.slice(0, 200)
    const message = `mail platform answered ${status}${detail ? `: ${detail}` : ''}`
    if (status >= 500 || [408, 425, 429].includes(status)) throw new Error(message)
    throw new PermanentPlatformError(message)
  }
  return {
    name: 'http',
    async apply(command) {
      const payload: Record<string, string> = { action: command.action, address: command.address, idempotencyKey: command.idempotencyKey }
      if (command.action === 'disable') payload.mode = command.mode
      await post(payload, command.idempotencyKey)
    },
    async status(address) {
      const text = await post({ action: 'status', address })
      let answer: { state?: unknown } | null = null
      try {
        answer = JSON.parse(text)
      } catch {
        answer = null
      }
      const state = answer?.state as PlatformState
      if (!STATES.includes(state)) throw new Error(`mail platform status for ${address}: expected {"state": ${STATES.map((s) => `"${s}"`).join('|')}}`)
      return state
    },
  }
}
