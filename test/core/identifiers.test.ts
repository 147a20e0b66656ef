import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { normaliseIdentifier } from '../../src/core/identifiers'

describe('normaliseIdentifier: one spelling for lookup, storage and the sign-in count', () => {
  it.each([
    ['  FNOM000010 ', 'fnom000010'],
    ['Rossi@PEC.example.it', 'rossi@pec.example.it'],
    ['ſIST0002', 'sist0002'], // the long s is an s (NFKC), not a fresh identifier
    ['ＳＩＳＴ０００２', 'sist0002'], // full-width letters and digits
    ['\u212Anna', 'knna'], // the Kelvin sign is a K
    ['SıST0002', 'sıst0002'], // the dotless ı stays itself: no upper-case mapping turns it into I
    ['\u3000anna\u00a0', 'anna'], // ideographic and no-break spaces around it
  ])('%j → %j', (typed, spelling) => {
    expect(normaliseIdentifier(typed)).toBe(spelling)
  })

  it('is idempotent: the spelling of a stored spelling is itself', () => {
    const text = fc.oneof(fc.string({ unit: 'grapheme-composite', maxLength: 16 }), fc.string({ unit: 'binary', maxLength: 16 }))
    fc.assert(fc.property(text, (typed) => normaliseIdentifier(normaliseIdentifier(typed)) === normaliseIdentifier(typed)), { numRuns: 5_000 })
  })
})
