import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkDigits, ORDER_ID_ALPHABET, type OrderId } from '../../../src/core/order-id'
import { findOrderReference, oneSubstitutionAway } from '../../../src/payments/offline/order-reference'

const orderIds = fc
  .array(fc.integer({ min: 0, max: ORDER_ID_ALPHABET.length - 1 }), { minLength: 8, maxLength: 8 })
  .map((indexes) => {
    const payload = indexes.map((i) => ORDER_ID_ALPHABET[i]).join('')
    return `${payload}${checkDigits(payload)}` as OrderId
  })

// Words a causale carries around the ID. Each starts and ends with a letter no order ID uses (I, L,
// O, S, B, G, Q, Z), so no window of ten characters that touches a word can be read as an ID.
const WORDS = ['SALDO', 'BONIFICO', 'ORDINI', 'ISCRITTO', 'GIRO', 'SCONTO', 'BOLLO', 'SILVIO', 'ZANOLLI', 'LIBERO', 'OSPEDALI', 'GALLO']
const words = fc.array(fc.constantFrom(...WORDS.flatMap((w) => [w, w.toLowerCase()])), { maxLength: 4 })
const separators = fc.constantFrom(' ', '  ', '-', '.', ' - ', '/', ', ', ': ')
const inner = fc.constantFrom('', ' ', '-', '.', ' ')
/** The ID as a person writes it: any case, separators anywhere between its characters. */
const written = (id: string) =>
  fc.tuple(fc.array(inner, { minLength: id.length - 1, maxLength: id.length - 1 }), fc.boolean()).map(([gaps, lower]) => {
    const text = [...id].map((c, i) => c + (gaps[i] ?? '')).join('')
    return lower ? text.toLowerCase() : text
  })
const inCausale = (id: string) =>
  fc.tuple(words, written(id), words, separators, separators).map(([before, quoted, after, s1, s2]) =>
    [before.join(' '), quoted, after.join(' ')].filter(Boolean).join(before.length ? s1 : s2),
  )

describe('R3: finding the order ID in a payment reason (causale)', () => {
  it.each([
    ['RINNOVO PEC ORDINE k7mr 4dxp 61 ROSSI', 'K7MR4DXP61'],
    ['K7MR-4DXP-61', 'K7MR4DXP61'],
    ['causale: k7mr.4dxp.61', 'K7MR4DXP61'],
    ['ORDINEK7MR4DXP61', 'K7MR4DXP61'],
    ['/RFB/K7MR4DXP61/ROSSI MARIA', 'K7MR4DXP61'],
  ])('finds the ID in "%s"', (text, id) => {
    expect(findOrderReference(text)).toEqual({ kind: 'match', orderId: id })
  })

  it('reports a single wrong character as a probable typo with its candidate, never as a match', () => {
    // a wrong check digit: several IDs are one substitution away, so no candidate is named
    expect(oneSubstitutionAway('K7MR4DXP62').length).toBeGreaterThan(1)
    expect(findOrderReference('RINNOVO K7MR 4DXP 62')).toEqual({ kind: 'none' })
    const typo = findOrderReference('PEC K7MR-4DXB-61 ROSSI') // B is not in the alphabet: only one position can be wrong
    expect(typo).toEqual({ kind: 'typo', candidate: 'K7MR4DXP61', quoted: 'K7MR-4DXB-61' })
  })

  it('holds a reason naming two orders, and finds nothing in a reason without an ID', () => {
    expect(findOrderReference('K7MR4DXP61 E ACDE345602')).toEqual({ kind: 'ambiguous', orderIds: ['K7MR4DXP61', 'ACDE345602'] })
    expect(findOrderReference('BONIFICO RINNOVO PEC MARIO ROSSI 2026')).toEqual({ kind: 'none' })
    expect(findOrderReference('')).toEqual({ kind: 'none' })
  })

  it('finds a random valid ID among random words with random separators', () => {
    fc.assert(
      fc.property(orderIds.chain((id) => fc.tuple(fc.constant(id), inCausale(id))), ([id, causale]) => {
        expect(findOrderReference(causale)).toEqual({ kind: 'match', orderId: id })
      }),
      { numRuns: 500 },
    )
  })

  it('never matches an ID with a single wrong character: a typo with the right candidate, or nothing', () => {
    const anyCharacter = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')
    fc.assert(
      fc.property(
        orderIds.chain((id) => fc.tuple(fc.constant(id), fc.integer({ min: 0, max: 9 }), anyCharacter)),
        words,
        ([id, position, character], around) => {
          fc.pre(id[position] !== character)
          const mistyped = id.slice(0, position) + character + id.slice(position + 1)
          const found = findOrderReference([...around, mistyped].join(' '))
          expect(found.kind === 'typo' || found.kind === 'none').toBe(true)
          // when the mistyped ID is one substitution from only the original, the candidate is the original
          if (oneSubstitutionAway(mistyped).length === 1) expect(found).toMatchObject({ kind: 'typo', candidate: id })
        },
      ),
      { numRuns: 1000 },
    )
  })
})
