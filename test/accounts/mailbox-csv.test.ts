import { describe, expect, it } from 'vitest'
import { fiscalCodeProblem, isEmailAddress, readHeader } from '../../src/accounts/mailbox-csv'

describe('mailbox export rows', () => {
  it.each(['mario.rossi@pec.omceo.example.it', 'a+b@pec.it', "o'neil@pec.example.it", 'x@sub-domain.example.co.uk'])(
    'accepts the address %s',
    (address) => expect(isEmailAddress(address)).toBe(true),
  )

  it.each(['plain', '@pec.it', 'a@b', 'a..b@pec.it', '.a@pec.it', 'a.@pec.it', 'a b@pec.it', 'a@-pec.it', 'a@pec..it', `${'a'.repeat(65)}@pec.it`])(
    'refuses the address %s',
    (address) => expect(isEmailAddress(address)).toBe(false),
  )

  it.each([
    ['RSSMRA85T10A562S', null],
    ['RSSMRA85T10A56NH', null], // omocodia: digits replaced by letters, still valid
    ['BNCGPP70A01H5LMF', null],
    ['RSSMRA85T10A562X', 'is not a valid codice fiscale: the check character is wrong'],
    ['RSSMRA85T10', 'must have 16 characters'],
    ['', 'is empty'],
  ])('codice fiscale %s: %s', (code, problem) => expect(fiscalCodeProblem(code)).toBe(problem))

  it('reads header names in any case and order, optional columns may be absent', () => {
    const layout = readHeader([' Expires_On ', 'address', 'account_id', 'holder_first_name', 'holder_last_name', 'fiscal_code', 'reference_email', 'convention', 'activated_on'])
    expect(layout.index.expires_on).toBe(0)
    expect(layout.index.status).toBeUndefined()
    expect(layout.width).toBe(9)
  })
})
