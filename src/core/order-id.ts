import { randomInt } from 'node:crypto'

/**
 * R3: order IDs are short, unambiguous to read aloud, and carry ISO 7064 MOD 97-10 check digits.
 * Eight symbols from an alphabet without look-alikes (no 0, 1, 2, 8, nor O, Q, I, L, Z, B, S, G), then
 * two check digits: "K7MR-4DXP-52". Each symbol weighs two decimal digits (A=10 … Y=34, '3'=03),
 * so every single substitution and every adjacent swap changes the value modulo 97.
 */
export type OrderId = string & { readonly __orderId: unique symbol }

export const ORDER_ID_ALPHABET = '345679ACDEFHJKMNPRTUVWXY'
const PAYLOAD_LENGTH = 8

function symbolValue(symbol: string): number {
  return symbol <= '9' ? Number(symbol) : symbol.charCodeAt(0) - 55 // 'A' = 10, as in IBANs
}

function mod97(payload: string): number {
  let remainder = 0
  for (const symbol of payload) remainder = (remainder * 100 + symbolValue(symbol)) % 97
  return remainder
}

export function checkDigits(payload: string): string {
  return String(98 - ((mod97(payload) * 100) % 97)).padStart(2, '0')
}

export function newOrderId(random: (max: number) => number = randomInt): OrderId {
  let payload = ''
  for (let i = 0; i < PAYLOAD_LENGTH; i++) payload += ORDER_ID_ALPHABET[random(ORDER_ID_ALPHABET.length)]
  return `${payload}${checkDigits(payload)}` as OrderId
}

/** "K7MR-4DXP-52": the form shown to people and quoted in a payment reason (causale). */
export function formatOrderId(id: OrderId): string {
  return `${id.slice(0, 4)}-${id.slice(4, 8)}-${id.slice(8)}`
}

const COMPACT = new RegExp(`^[${ORDER_ID_ALPHABET}]{${PAYLOAD_LENGTH}}\\d{2}$`)

/** An order ID exactly as stored (compact, check digits right): a URL's or a row's, not a person's typing. */
export function isOrderId(text: string): text is OrderId {
  return COMPACT.test(text) && checkDigits(text.slice(0, PAYLOAD_LENGTH)) === text.slice(PAYLOAD_LENGTH)
}

/** Reads an order ID as a person may type it (spaces, dashes, dots, any case); null when invalid. */
export function parseOrderId(text: string): OrderId | null {
  const compact = text.replace(/[\s.\-_/]/g, '').toUpperCase()
  if (!COMPACT.test(compact)) return null
  const payload = compact.slice(0, PAYLOAD_LENGTH)
  return checkDigits(payload) === compact.slice(PAYLOAD_LENGTH) ? (compact as OrderId) : null
}
