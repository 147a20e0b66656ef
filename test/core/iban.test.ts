import { composeIBAN } from 'ibantools'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEMO_PAYMENT_INSTRUCTIONS } from '../../src/notifications/mail-context'
import { checkedIban, composeItalianIban, italianCin, validateItalianIban } from '../../src/core/iban'

/** An IBAN whose mod-97 check digits hold for whatever CIN it is given: only the CIN check can refuse it. */
function ibanWithCin(cin: string, abi: string, cab: string, account: string): string {
  return composeIBAN({ countryCode: 'IT', bban: `${cin}${abi}${cab}${account}` })!
}

describe('validateItalianIban', () => {
  it.each([
    // the example of the Italian IBAN in the SWIFT IBAN registry and in every bank's leaflet
    ['IT60X0542811101000000123456', { abi: '05428', cab: '11101', account: '000000123456', cin: 'X' }],
    // the demo instructions the reminders show
    [DEMO_PAYMENT_INSTRUCTIONS.iban, { abi: '09999', cab: '01000', account: '000000123456', cin: 'T' }],
    // computed here, with an alphanumeric account number
    [composeItalianIban('03069', '09606', '100000012345'), { abi: '03069', cab: '09606', account: '100000012345' }],
    [composeItalianIban('07601', '03200', 'CC0010076543'), { abi: '07601', cab: '03200', account: 'CC0010076543' }],
  ])('accepts %s with its ABI, CAB, conto and CIN', (iban, parts) => {
    const checked = validateItalianIban(iban)
    expect(checked).toMatchObject({ ok: true, iban, ...parts })
    expect(checked.ok && checked.formatted.replace(/ /g, '')).toBe(iban)
  })

  it('reads an IBAN as people type it: spaces and lower case', () => {
    expect(validateItalianIban('it60 x054 2811 1010 0000 0123 456')).toMatchObject({
      ok: true,
      iban: 'IT60X0542811101000000123456',
      formatted: 'IT60 X054 2811 1010 0000 0123 456',
    })
  })

  it('refuses a wrong CIN even when the mod-97 check digits hold, and says which CIN is right', () => {
    const wrong = ibanWithCin('Y', '05428', '11101', '000000123456')
    expect(wrong).toMatch(/^IT\d\dY/)
    const checked = validateItalianIban(wrong)
    expect(checked).toMatchObject({ ok: false, reason: 'wrong_cin' })
    expect(!checked.ok && checked.message).toContain('il CIN è "X"')
  })

  it.each([
    ['', 'empty'],
    ['DE89370400440532013000', 'not_italian'],
    ['IT60X054281110100000012345', 'wrong_length'],
    ['IT60X05428111010000001234567', 'wrong_length'],
    ['IT6012542811101000000123456', 'wrong_format'], // CIN must be a letter
    ['IT61X0542811101000000123456', 'wrong_check_digits'],
    ['IT60X0542811101000000123465', 'wrong_check_digits'], // two digits swapped
  ])('refuses %j: %s', (iban, reason) => {
    expect(validateItalianIban(iban)).toMatchObject({ ok: false, reason })
  })

  it('the CIN catches a changed account digit that the recomputed check digits would hide', () => {
    const account = '000000123456'
    const cin = italianCin('05428', '11101', account)
    const forged = ibanWithCin(cin, '05428', '11101', '000000123457') // CIN of the old account
    expect(validateItalianIban(forged)).toMatchObject({ ok: false, reason: 'wrong_cin' })
  })

  it('property: composeItalianIban always validates, and any other CIN is refused', () => {
    const digits = (n: number) => fc.stringMatching(new RegExp(`^\\d{${n}}$`))
    const letter = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ')
    fc.assert(
      fc.property(digits(5), digits(5), fc.stringMatching(/^[0-9A-Z]{12}$/), letter, (abi, cab, account, otherCin) => {
        const iban = composeItalianIban(abi, cab, account)
        expect(validateItalianIban(iban).ok).toBe(true)
        fc.pre(otherCin !== iban[4])
        expect(validateItalianIban(ibanWithCin(otherCin, abi, cab, account))).toMatchObject({ ok: false, reason: 'wrong_cin' })
      }),
    )
  })
})

describe('checkedIban: where a refund goes (issue 11)', () => {
  it.each([
    ['IT60 X054 2811 1010 0000 0123 456', 'IT60X0542811101000000123456'],
    ['de89 3704 0044 0532 0130 00', 'DE89370400440532013000'], // a SEPA account abroad
    ['IT60X0542811101000000123457', null], // check digits
    [composeIBAN({ countryCode: 'IT', bban: 'Y0542811101000000123456' })!, null], // right check digits, wrong CIN
    ['', null],
    ['not an iban', null],
  ])('%s → %s', (input, expected) => expect(checkedIban(input)).toBe(expected))
})
