import { describe, expect, it } from 'vitest'
import { amountInItalianWords, numberInItalianWords } from '../../../src/payments/postal/amount-in-words'

describe('amountInItalianWords: IMPORTO IN LETTERE as on a postal slip', () => {
  it.each([
    [1220, 'DODICI/20'],
    [2196, 'VENTUNO/96'],
    [100000, 'MILLE/00'],
    [1, 'ZERO/01'],
    [99, 'ZERO/99'],
    [100, 'UNO/00'],
    [2100, 'VENTUNO/00'],
    [2800, 'VENTOTTO/00'],
    [10000, 'CENTO/00'],
    [10100, 'CENTOUNO/00'],
    [12100, 'CENTOVENTUNO/00'],
    [100100, 'MILLEUNO/00'],
    [200000, 'DUEMILA/00'],
    [2100000, 'VENTUNOMILA/00'],
    [100000000, 'UNMILIONE/00'],
    [2300, 'VENTITRÉ/00'],
    [99999999999, 'NOVECENTONOVANTANOVEMILIONINOVECENTONOVANTANOVEMILANOVECENTONOVANTANOVE/99'],
  ])('%i cents → %s', (cents, words) => {
    expect(amountInItalianWords(cents)).toBe(words)
  })

  it.each([
    [0, 'zero'],
    [1, 'uno'],
    [3, 'tre'],
    [10, 'dieci'],
    [11, 'undici'],
    [17, 'diciassette'],
    [19, 'diciannove'],
    [20, 'venti'],
    [21, 'ventuno'],
    [23, 'ventitré'],
    [28, 'ventotto'],
    [31, 'trentuno'],
    [38, 'trentotto'],
    [33, 'trentatré'],
    [99, 'novantanove'],
    [100, 'cento'],
    [101, 'centouno'],
    [103, 'centotré'],
    [108, 'centootto'],
    [111, 'centoundici'],
    [121, 'centoventuno'],
    [180, 'centottanta'],
    [188, 'centottantotto'],
    [200, 'duecento'],
    [999, 'novecentonovantanove'],
    [1000, 'mille'],
    [1001, 'milleuno'],
    [1003, 'milletré'],
    [1100, 'millecento'],
    [2000, 'duemila'],
    [2001, 'duemilauno'],
    [21000, 'ventunomila'],
    [23000, 'ventitremila'], // the accent only at the very end of the word
    [100000, 'centomila'],
    [101000, 'centounomila'],
    [999999, 'novecentonovantanovemilanovecentonovantanove'],
    [1000000, 'unmilione'],
    [1000001, 'unmilioneuno'],
    [1200000, 'unmilioneduecentomila'],
    [2000000, 'duemilioni'],
    [23000000, 'ventitremilioni'],
    [1000000000, 'unmiliardo'],
    [3000000000, 'tremiliardi'],
  ])('%i is "%s"', (n, words) => {
    expect(numberInItalianWords(n)).toBe(words)
  })

  it.each([-1, 1.5, Number.NaN])('refuses %s', (cents) => {
    expect(() => amountInItalianWords(cents)).toThrow(RangeError)
  })
})
