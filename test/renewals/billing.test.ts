import { describe, expect, it } from 'vitest'
import { PROVINCES, validateBilling, type BillingForm } from '../../src/renewals/billing'

const PERSON: BillingForm = {
  kind: 'person',
  name: ' Maria   Rossi ',
  fiscalCode: 'rssmra85t10a562s',
  vatNumber: '',
  street: 'Via Roma',
  streetNumber: '1',
  postalCode: '00184',
  city: 'Roma',
  province: 'rm',
  country: 'Italia',
  sdiCode: '',
  pecAddress: '',
}

const problems = (form: Partial<BillingForm>) => {
  const result = validateBilling({ ...PERSON, ...form }, 'maria@example.it')
  return result.ok ? [] : result.problems.map((p) => `${p.field}:${p.code}`)
}

describe('R3: billing data', () => {
  it('accepts a private person and normalises what was typed', () => {
    const result = validateBilling(PERSON, 'maria@example.it')
    expect(result).toEqual({
      ok: true,
      billing: {
        kind: 'person',
        name: 'Maria Rossi',
        fiscalCode: 'RSSMRA85T10A562S',
        email: 'maria@example.it',
        street: 'Via Roma',
        streetNumber: '1',
        postalCode: '00184',
        city: 'Roma',
        province: 'RM',
        country: 'Italia',
        address: 'Via Roma 1, 00184 Roma (RM)',
      },
    })
  })

  it('lists all 107 provinces, each sigla once', () => {
    expect(PROVINCES).toHaveLength(107)
    expect(new Set(PROVINCES.map(([s]) => s)).size).toBe(107)
    expect(PROVINCES.every(([s]) => /^[A-Z]{2}$/.test(s))).toBe(true)
  })

  it.each([
    ['codice fiscale with omocodia', { fiscalCode: 'RSSMRA85T10A56NH' }, []],
    ['wrong check character', { fiscalCode: 'RSSMRA85T10A562X' }, ['fiscalCode:fiscal_code_check']],
    ['short codice fiscale', { fiscalCode: 'RSSMRA85T10' }, ['fiscalCode:fiscal_code_length']],
    ['malformed codice fiscale', { fiscalCode: '1234567890123456' }, ['fiscalCode:fiscal_code_format']],
    ['company codice fiscale for a person', { fiscalCode: '00743110157' }, ['fiscalCode:fiscal_code_length']],
    ['CAP of 4 digits', { postalCode: '0018' }, ['postalCode:postal_code_length']],
    ['no CAP: asked for, not told its length', { postalCode: '' }, ['postalCode:postal_code_missing']],
    ['abroad, no postcode', { country: 'France', postalCode: '', province: '' }, ['postalCode:postal_code_missing']],
    ['abroad, a postcode of punctuation', { country: 'France', postalCode: '#!', province: '' }, ['postalCode:postal_code_invalid']],
    ['unknown province', { province: 'XX' }, ['province:province_unknown']],
    ['no province', { province: '' }, ['province:province_missing']],
    ['SDI code of 6 characters', { sdiCode: 'ABC123' }, ['sdiCode:sdi_code_length']],
    ['bad PEC address', { pecAddress: 'not an address' }, ['pecAddress:pec_address_invalid']],
    ['empty name and street', { name: ' ', street: '' }, ['name:name_missing', 'street:street_missing']],
    ['no kind', { kind: 'alien' }, ['kind:kind_missing']],
    ['abroad: any postcode, no province', { country: 'France', postalCode: '75001', province: '' }, []],
  ] as Array<[string, Partial<BillingForm>, string[]]>)('%s', (_label, form, expected) => {
    expect(problems(form)).toEqual(expected)
  })

  it.each([
    ['a valid partita IVA and SDI code', { vatNumber: 'IT 00743110157', sdiCode: 'abc1234' }, []],
    ['a company codice fiscale', { fiscalCode: '00743110157', vatNumber: '00743110157', pecAddress: 'fatture@pec.example.it' }, []],
    ['a wrong partita IVA check digit', { vatNumber: '00743110158', sdiCode: 'ABC1234' }, ['vatNumber:vat_check']],
    ['a partita IVA of 10 digits', { vatNumber: '0074311015', sdiCode: 'ABC1234' }, ['vatNumber:vat_length']],
    ['a partita IVA of 11 digits with an unknown office code (890)', { vatNumber: '12345678901', sdiCode: 'ABC1234' }, ['vatNumber:vat_office']],
    ['a partita IVA with a letter', { vatNumber: '0074311015A', sdiCode: 'ABC1234' }, ['vatNumber:vat_digits']],
    ['a company codice fiscale with an unknown office code', { fiscalCode: '12345678901', vatNumber: '00743110157', sdiCode: 'ABC1234' }, ['fiscalCode:fiscal_code_office']],
    ['no partita IVA', { sdiCode: 'ABC1234' }, ['vatNumber:vat_missing']],
    ['neither SDI code nor PEC', { vatNumber: '00743110157' }, ['sdiCode:einvoice_missing']],
  ] as Array<[string, Partial<BillingForm>, string[]]>)('a professional or company with %s', (_label, form, expected) => {
    expect(problems({ kind: 'business', ...form })).toEqual(expected)
  })

  it('lists the problems in the order the page shows the fields', () => {
    const fields = problems({ kind: 'business', name: '', vatNumber: '1', street: '', postalCode: '', city: '', province: '', country: 'Italia', pecAddress: 'x' })
    expect(fields).toEqual([
      'name:name_missing',
      'vatNumber:vat_length',
      'street:street_missing',
      'postalCode:postal_code_missing',
      'city:city_missing',
      'province:province_missing',
      'pecAddress:pec_address_invalid',
    ])
  })

  it('keeps the partita IVA of a business and the SDI code upper case', () => {
    const result = validateBilling({ ...PERSON, kind: 'business', vatNumber: '00743110157', sdiCode: 'abc1234' }, 'm@example.it')
    expect(result.ok && result.billing).toMatchObject({ vatNumber: '00743110157', sdiCode: 'ABC1234' })
  })
})
