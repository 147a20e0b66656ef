import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkDigits, formatOrderId, newOrderId, ORDER_ID_ALPHABET, parseOrderId, type OrderId } from '../../src/core/order-id'

const SYMBOLS = [...ORDER_ID_ALPHABET, '0', '1', '2', '8'] // every character a causale might hold there
const orderIds = fc
  .array(fc.integer({ min: 0, max: ORDER_ID_ALPHABET.length - 1 }), { minLength: 8, maxLength: 8 })
  .map((indexes) => {
    const payload = indexes.map((i) => ORDER_ID_ALPHABET[i]).join('')
    return `${payload}${checkDigits(payload)}` as OrderId
  })

describe('R3: order IDs', () => {
  it('are read back however a person types them', () => {
    fc.assert(
      fc.property(orderIds, (id) => {
        const shown = formatOrderId(id)
        expect(shown).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-\d{2}$/)
        expect(parseOrderId(shown)).toBe(id)
        expect(parseOrderId(shown.toLowerCase().replace(/-/g, ' '))).toBe(id)
        expect(parseOrderId(shown.replace(/-/g, '.'))).toBe(id)
      }),
    )
  })

  it('check digits catch every single-character error', () => {
    fc.assert(
      fc.property(orderIds, (id) => {
        for (let position = 0; position < id.length; position++) {
          const choices = position < 8 ? SYMBOLS : [...'0123456789']
          for (const symbol of choices) {
            if (symbol === id[position]) continue
            const typo = id.slice(0, position) + symbol + id.slice(position + 1)
            expect(parseOrderId(typo), `${id} → ${typo}`).toBeNull()
          }
        }
      }),
      { numRuns: 300 },
    )
  })

  it('check digits catch every adjacent swap', () => {
    fc.assert(
      fc.property(orderIds, (id) => {
        for (let position = 0; position + 1 < id.length; position++) {
          if (id[position] === id[position + 1]) continue
          const swapped = id.slice(0, position) + id[position + 1] + id[position] + id.slice(position + 2)
          expect(parseOrderId(swapped), `${id} → ${swapped}`).toBeNull()
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('new IDs are valid and avoid look-alike characters', () => {
    for (let i = 0; i < 200; i++) {
      const id = newOrderId()
      expect(parseOrderId(id)).toBe(id)
      expect(id.slice(0, 8)).not.toMatch(/[0128BGILOQSZ]/)
    }
  })
})
