import { isOrderId, ORDER_ID_ALPHABET, parseOrderId, type OrderId } from '../../core/order-id'

/**
 * The 18-digit codice cliente printed on a TD 896 postal slip (bollettino premarcato), which
 * Poste reports back with each payment: it is how a slip finds its order. Layout:
 *
 *   SS VVVVVVVVVVVV CC KK
 *   │  │            │  └ Poste's check: the first 16 digits as a number, modulo 93 (00–92)
 *   │  │            └ the order ID's own check digits (ISO 7064 mod 97-10)
 *   │  └ the order ID's 8 symbols as a base-24 number (each symbol's place in ORDER_ID_ALPHABET),
 *   │    in decimal, zero-padded: 24^8 = 110,075,314,176 < 10^12
 *   └ service code, fixed: tells our slips from other payments to the same postal account
 *
 * Every single wrong digit is caught by the mod-93 check alone (93 is prime to 10, so
 * d·10^k, 1 ≤ d ≤ 9, is never a multiple of 93), and so is every swap of two adjacent digits
 * (within the first 16 a swap adds 9·(a−b)·10^k, never a multiple of 93; across the 16th and 17th
 * it would need 11·(a−b) ≡ 0 mod 93). A code that passes must still carry an order ID whose own
 * check digits hold. See test/payments/postal/codice-cliente.test.ts.
 */
export const CODICE_CLIENTE_SERVICE = '10'
export const CODICE_CLIENTE_LENGTH = 18

const BASE = ORDER_ID_ALPHABET.length // 24
const PAYLOAD_LENGTH = 8
const VALUE_DIGITS = 12

/** Poste's TD 896 check: the 16-digit number modulo 93, as two digits. */
export function mod93CheckDigits(sixteenDigits: string): string {
  if (!/^\d{16}$/.test(sixteenDigits)) throw new RangeError(`expected 16 digits, got "${sixteenDigits}"`)
  let remainder = 0
  for (const digit of sixteenDigits) remainder = (remainder * 10 + Number(digit)) % 93 // no float beyond 2^53
  return String(remainder).padStart(2, '0')
}

/** The codice cliente for an order: 18 digits, reversible (orderIdFromCodiceCliente). */
export function codiceClienteFor(orderId: OrderId): string {
  const parsed = parseOrderId(orderId)
  if (!parsed) throw new RangeError(`not a valid order ID: "${orderId}"`)
  let value = 0
  for (const symbol of parsed.slice(0, PAYLOAD_LENGTH)) value = value * BASE + ORDER_ID_ALPHABET.indexOf(symbol) // < 2^37, exact
  const body = `${CODICE_CLIENTE_SERVICE}${String(value).padStart(VALUE_DIGITS, '0')}${parsed.slice(PAYLOAD_LENGTH)}`
  return `${body}${mod93CheckDigits(body)}`
}

/**
 * The order a codice cliente names, or null when it is not one of ours or fails a check
 * (mod 93, service code, value range, the order ID's own check digits). Spaces are ignored.
 */
export function orderIdFromCodiceCliente(code: string): OrderId | null {
  const digits = code.replace(/\s+/g, '')
  if (!/^\d{18}$/.test(digits)) return null
  const body = digits.slice(0, 16)
  if (mod93CheckDigits(body) !== digits.slice(16)) return null
  if (!body.startsWith(CODICE_CLIENTE_SERVICE)) return null
  let value = Number(body.slice(2, 2 + VALUE_DIGITS))
  if (value >= BASE ** PAYLOAD_LENGTH) return null
  let payload = ''
  for (let i = 0; i < PAYLOAD_LENGTH; i++) {
    payload = ORDER_ID_ALPHABET[value % BASE] + payload
    value = Math.floor(value / BASE)
  }
  const orderCheck = body.slice(2 + VALUE_DIGITS)
  const orderId = `${payload}${orderCheck}`
  return isOrderId(orderId) ? orderId : null
}

/** "1010 6727 8596 7473 19": grouped in fours for reading and typing, as IBANs are. */
export function formatCodiceCliente(code: string): string {
  return code.replace(/(\d{4})(\d{4})(\d{4})(\d{4})(\d{2})/, '$1 $2 $3 $4 $5')
}
