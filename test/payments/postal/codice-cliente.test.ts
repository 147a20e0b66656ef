import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ORDER_ID_ALPHABET, checkDigits, type OrderId } from '../../../src/core/order-id'
import {
  CODICE_CLIENTE_SERVICE,
  codiceClienteFor,
  formatCodiceCliente,
  mod93CheckDigits,
  orderIdFromCodiceCliente,
} from '../../../src/payments/postal/codice-cliente'

const orderIds = fc
  .array(fc.constantFrom(...ORDER_ID_ALPHABET), { minLength: 8, maxLength: 8 })
  .map((symbols) => {
    const payload = symbols.join('')
    return `${payload}${checkDigits(payload)}` as OrderId
  })

/** Every code that differs from `code` in exactly one digit: 18 positions × 9 other digits. */
function singleDigitErrors(code: string): string[] {
  const variants: string[] = []
  for (let i = 0; i < code.length; i++) {
    for (const digit of '0123456789') if (digit !== code[i]) variants.push(code.slice(0, i) + digit + code.slice(i + 1))
  }
  return variants
}

function swapAt(code: string, i: number): string {
  return code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2)
}

const mod93Holds = (code: string) => mod93CheckDigits(code.slice(0, 16)) === code.slice(16)

describe('codice cliente (TD 896)', () => {
  it('is 18 digits: service code, the order as a number, its check digits, then the mod-93 check', () => {
    const orderId = `33333333${checkDigits('33333333')}` as OrderId // every symbol at index 0: value 0
    const code = codiceClienteFor(orderId)
    expect(code).toBe(`${CODICE_CLIENTE_SERVICE}000000000000${orderId.slice(8)}${mod93CheckDigits(code.slice(0, 16))}`)
    expect(code).toMatch(/^\d{18}$/)
    const last = `YYYYYYYY${checkDigits('YYYYYYYY')}` as OrderId // every symbol at index 23: 24^8 − 1
    expect(codiceClienteFor(last).slice(2, 14)).toBe(String(24 ** 8 - 1).padStart(12, '0'))
  })

  it('Poste check: the last two digits are the first sixteen modulo 93', () => {
    expect(mod93CheckDigits('0000000000000093')).toBe('00')
    expect(mod93CheckDigits('0000000000000100')).toBe('07')
    expect(mod93CheckDigits('9999999999999999')).toBe(String(9999999999999999n % 93n).padStart(2, '0'))
  })

  it('property: round trip for random order IDs', () => {
    fc.assert(
      fc.property(orderIds, (orderId) => {
        const code = codiceClienteFor(orderId)
        expect(code).toHaveLength(18)
        expect(Number(BigInt(code.slice(0, 16)) % 93n)).toBe(Number(code.slice(16)))
        expect(orderIdFromCodiceCliente(code)).toBe(orderId)
        expect(orderIdFromCodiceCliente(formatCodiceCliente(code))).toBe(orderId) // as read off the slip
      }),
      { numRuns: 500 },
    )
  })

  it('property: every single wrong digit, in all 18 positions, is caught by the mod-93 check alone', () => {
    fc.assert(
      fc.property(orderIds, (orderId) => {
        for (const typo of singleDigitErrors(codiceClienteFor(orderId))) {
          expect(mod93Holds(typo)).toBe(false)
          expect(orderIdFromCodiceCliente(typo)).toBeNull()
        }
      }),
      { numRuns: 200 },
    )
  })

  it('property: every swap of two adjacent digits is caught by the mod-93 check alone', () => {
    const missedByMod93: string[] = []
    fc.assert(
      fc.property(orderIds, (orderId) => {
        const code = codiceClienteFor(orderId)
        for (let i = 0; i < 17; i++) {
          const swapped = swapAt(code, i)
          if (swapped === code) continue
          if (mod93Holds(swapped)) missedByMod93.push(swapped)
          expect(orderIdFromCodiceCliente(swapped)).toBeNull()
        }
      }),
      { numRuns: 2000 },
    )
    // Within the first 16 digits a swap adds 9·(a−b)·10^k, never a multiple of 93 (= 3 · 31); across
    // digits 16 and 17 (body and check) it would take 11·(b−a) ≡ 0 (mod 93), which no two different
    // digits satisfy; within the two check digits, "ab" ≠ "ba" when a ≠ b.
    expect(missedByMod93).toEqual([])
  })

  it.each([
    ['', 'empty'],
    ['10000000000000', 'too short'],
    ['1000000000000000000', 'too long'],
    ['10000000000000000a', 'not digits'],
  ])('refuses %j (%s)', (code) => {
    expect(orderIdFromCodiceCliente(code)).toBeNull()
  })

  it('refuses a code with a valid mod-93 check that is not one of ours', () => {
    const withCheck = (body: string) => `${body}${mod93CheckDigits(body)}`
    // another service code
    expect(orderIdFromCodiceCliente(withCheck('2000000000000000'))).toBeNull()
    // a value beyond 24^8 − 1
    expect(orderIdFromCodiceCliente(withCheck(`10${24 ** 8}00`))).toBeNull()
    // the right number, the wrong order check digits
    const good = codiceClienteFor(`33333333${checkDigits('33333333')}` as OrderId)
    const otherCheck = String((Number(good.slice(14, 16)) + 1) % 100).padStart(2, '0')
    expect(orderIdFromCodiceCliente(withCheck(`${good.slice(0, 14)}${otherCheck}`))).toBeNull()
  })

  it('refuses to encode an invalid order ID', () => {
    expect(() => codiceClienteFor('K7MR4DXP00' as OrderId)).toThrow(RangeError)
  })
})
