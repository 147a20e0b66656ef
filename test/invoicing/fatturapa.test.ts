import { stdnum } from 'stdnum'
import { beforeAll, describe, expect, it } from 'vitest'
import { DEMO_SELLER, invoiceNumber, invoicingConfig, type InvoicingConfig } from '../../src/invoicing/config'
import { buildFatturaPA, countryCode, fileProgressive, latin, vatOf, type Buyer, type InvoiceDocument } from '../../src/invoicing/fatturapa'
import { fatturaValidator } from '../../src/invoicing/validate'
import { SCHEMA_DIR } from '../support/fatturapa'

const config: Pick<InvoicingConfig, 'seller' | 'transmitter'> = {
  seller: { ...DEMO_SELLER, name: 'Servizi PEC S.r.l.', rea: { office: 'RM', number: '1234567', shareCapitalCents: 1_000_000, soleShareholder: 'SU' }, email: 'fatture@servizipec.example.it' },
  transmitter: { country: 'IT', code: DEMO_SELLER.vatNumber },
}

const person: Buyer = {
  kind: 'person', name: 'Mario Rossi', fiscalCode: 'RSSMRA85T10A562S', street: 'Via Roma', streetNumber: '1',
  postalCode: '00184', city: 'Roma', province: 'RM', country: 'Italia',
}

function doc(over: Partial<InvoiceDocument> = {}): InvoiceDocument {
  return {
    kind: 'invoice', number: invoiceNumber(2026, 1, 'PEC'), issuedOn: '2026-05-04', method: 'card', buyer: person,
    lines: [{ mailbox: 'mario.rossi@pec.example.it', from: '2026-07-01', to: '2027-06-30', years: 1, netCents: 2500 }],
    netCents: 2500, vatCents: 550, totalCents: 3050, ...over,
  }
}

/** An omocodic codice fiscale: its last digit replaced by its letter (2 → N), the check character recomputed. */
function omocodic(code: string): string {
  const body = code.slice(0, 14) + 'N'
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') if (stdnum.IT.codicefiscale.validate(body + c).isValid) return body + c
  throw new Error('no check character')
}

const validator = fatturaValidator(SCHEMA_DIR)
const tag = (xml: string, name: string) => [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => m[1])

describe('FatturaPA FPR12 builder', () => {
  const cases: Array<[string, InvoiceDocument]> = [
    ['a private person (codice fiscale), card, to 0000000', doc()],
    ['accents and apostrophes in names and addresses', doc({ buyer: { ...person, name: "Niccolò D'Àmico-Ñúñez", street: "Via dell'Università “Vecchia”", city: 'Città Sant’Angelo', province: 'PE' } })],
    ['a very long address, cut to the schema’s 60 characters', doc({ buyer: { ...person, street: 'Strada Provinciale per San Giovanni in Persiceto e Sant’Agata Bolognese, località Le Budrie', streetNumber: '1234/B-bis' } })],
    ['a foreign buyer (no codice fiscale, IdPaese DE)', doc({ buyer: { kind: 'person', name: 'Jürgen Müller', fiscalCode: '', street: 'Hauptstraße', streetNumber: '5', postalCode: '10115', city: 'Berlin', province: 'EE', country: 'Germania' } })],
    ['an omocodic codice fiscale', doc({ buyer: { ...person, fiscalCode: omocodic('RSSMRA85T10A562S') } })],
    ['29 February, a 3-year order', doc({ issuedOn: '2028-02-29', method: 'bonifico', lines: [{ mailbox: 'a@pec.example.it', from: '2028-03-01', to: '2031-02-28', years: 3, netCents: 6000 }], netCents: 6000, vatCents: 1320, totalCents: 7320 })],
    ['a firm with partita IVA and a different codice fiscale, PEC delivery, postal slip', doc({ method: 'bollettino', buyer: { kind: 'business', name: 'Studio Dentistico Bianchi & C. S.a.s.', fiscalCode: '12345670017', vatNumber: '00000000018', street: 'Corso Italia', streetNumber: '10', postalCode: '20122', city: 'Milano', province: 'MI', country: 'Italia', pecAddress: 'studio.bianchi@pec.example.it' } })],
    ['a firm with an SDI code, PayPal', doc({ method: 'paypal', buyer: { kind: 'business', name: 'Medici Associati', fiscalCode: '00000000018', vatNumber: '00000000018', street: 'Via Po', streetNumber: '2', postalCode: '10123', city: 'Torino', province: 'TO', country: 'Italia', sdiCode: 'm5uxcr1' } })],
    ['a credit note (TD04) referring to its invoice', doc({ kind: 'credit_note', number: invoiceNumber(2026, 2, 'PEC'), refersTo: { number: invoiceNumber(2026, 1, 'PEC'), issuedOn: '2026-05-04' } })],
  ]

  let verdicts: Awaited<ReturnType<typeof validator.validate>>
  beforeAll(async () => {
    verdicts = await validator.validate(cases.map(([, document], i) => buildFatturaPA(document, config, fileProgressive(i + 1))))
  })

  it.each(cases.map(([name], i) => [name, i] as const))('%s: valid against the schema', (_name, i) => {
    expect(buildFatturaPA(cases[i][1], config, fileProgressive(i + 1)).problems).toEqual([])
    expect(verdicts[i]).toEqual({ valid: true, errors: [] })
  })

  it('names the file IT<IdCodice>_<progressive>.xml with the progressive inside, unique and in base 36', () => {
    const built = buildFatturaPA(doc(), config, fileProgressive(123_456))
    expect(built.fileName).toBe('IT01234560017_02N9C.xml')
    expect(tag(built.xml, 'ProgressivoInvio')).toEqual(['02N9C'])
    expect(fileProgressive(1)).toBe('00001')
    expect(() => fileProgressive(36 ** 5)).toThrow()
  })

  it('a private person: codice fiscale, no IdFiscaleIVA for the buyer, code 0000000, MP08 for a card, VAT 22 % in the summary', () => {
    const { xml } = buildFatturaPA(doc(), config, '00001')
    expect(tag(xml, 'CodiceDestinatario')).toEqual(['0000000'])
    expect(tag(xml, 'CodiceFiscale')).toEqual(['RSSMRA85T10A562S'])
    expect(tag(xml, 'IdCodice')).toEqual(['01234560017', '01234560017']) // transmitter and seller only
    expect(tag(xml, 'ModalitaPagamento')).toEqual(['MP08'])
    expect(tag(xml, 'RegimeFiscale')).toEqual(['RF01'])
    expect(tag(xml, 'ImponibileImporto')).toEqual(['25.00'])
    expect(tag(xml, 'Imposta')).toEqual(['5.50'])
    expect(tag(xml, 'ImportoTotaleDocumento')).toEqual(['30.50'])
    expect(tag(xml, 'Numero')).toEqual(['2026/000001/PEC'])
    expect(tag(xml, 'DataInizioPeriodo')).toEqual(['2026-07-01'])
    expect(tag(xml, 'DataFinePeriodo')).toEqual(['2027-06-30'])
    expect(tag(xml, 'Descrizione')[0]).toBe('Rinnovo casella PEC mario.rossi@pec.example.it per 1 anno, dal 01/07/2026 al 30/06/2027')
    expect(tag(xml, 'NumeroREA')).toEqual(['1234567'])
  })

  it('a firm: IdFiscaleIVA IT + partita IVA, its codice fiscale when different, the PEC address when no SDI code', () => {
    const { xml } = buildFatturaPA(cases[6][1], config, '00001')
    expect(tag(xml, 'IdCodice')).toContain('00000000018')
    expect(tag(xml, 'CodiceFiscale')).toEqual(['12345670017'])
    expect(tag(xml, 'PECDestinatario')).toEqual(['studio.bianchi@pec.example.it'])
    expect(tag(xml, 'ModalitaPagamento')).toEqual(['MP18'])
    const sdi = buildFatturaPA(cases[7][1], config, '00001').xml
    expect(tag(sdi, 'CodiceDestinatario')).toEqual(['M5UXCR1'])
    expect(tag(sdi, 'PECDestinatario')).toEqual([])
    expect(tag(sdi, 'CodiceFiscale')).toEqual([]) // the same as its partita IVA
  })

  it('a foreigner: IdPaese of their country, the conventional code, CAP 00000, no province, code XXXXXXX', () => {
    const { xml } = buildFatturaPA(cases[3][1], config, '00001')
    expect(xml).toContain('<IdFiscaleIVA><IdPaese>DE</IdPaese><IdCodice>99999999999</IdCodice></IdFiscaleIVA>')
    expect(tag(xml, 'CodiceFiscale')).toEqual([])
    expect(tag(xml, 'CodiceDestinatario')).toEqual(['XXXXXXX'])
    expect(xml).toContain('<Sede><Indirizzo>Hauptstraße</Indirizzo><NumeroCivico>5</NumeroCivico><CAP>00000</CAP><Comune>Berlin</Comune><Nazione>DE</Nazione></Sede>')
  })

  it('keeps Latin-1 accents and apostrophes, turns typographic quotes plain, escapes XML', () => {
    const { xml } = buildFatturaPA(cases[1][1], config, '00001')
    expect(xml).toContain("<Denominazione>Niccolò D&apos;Àmico-Ñúñez</Denominazione>")
    expect(xml).toContain('<Indirizzo>Via dell&apos;Università &quot;Vecchia&quot;</Indirizzo>')
    expect(xml).toContain('<Comune>Città Sant&apos;Angelo</Comune>')
    expect(latin('Łódź – Gdańsk', 60)).toBe('Lódz - Gdansk') // ó is Latin-1: kept
  })

  it('a very long address is cut to 60 characters, the street number to 8', () => {
    const { xml } = buildFatturaPA(cases[2][1], config, '00001')
    const [, street] = tag(xml, 'Indirizzo')
    expect([...street.replace(/&apos;/g, "'")].length).toBeLessThanOrEqual(60)
    expect(tag(xml, 'NumeroCivico')[1]).toBe('1234/B-b')
  })

  it('a credit note: TD04, the invoice it refers to, no payment section', () => {
    const { xml } = buildFatturaPA(cases[8][1], config, '00001')
    expect(tag(xml, 'TipoDocumento')).toEqual(['TD04'])
    expect(xml).toContain('<DatiFattureCollegate><IdDocumento>2026/000001/PEC</IdDocumento><Data>2026-05-04</Data></DatiFattureCollegate>')
    expect(xml).not.toContain('DatiPagamento')
  })

  it('says what the schema cannot see, and the schema refuses what it can: an incomplete address, an unknown country, totals that do not add up', async () => {
    const built = buildFatturaPA(doc({ buyer: { name: 'Anna Verdi', fiscalCode: 'VRDNNA80A41H501X', address: 'Via Po 1, Roma', country: 'Atlantide' }, vatCents: 549 }), config, '00001')
    expect(built.problems.map((p) => p.code)).toEqual(['totals_mismatch', 'buyer_country_unknown', 'buyer_address_incomplete'])
    const [verdict] = await validator.validate([built])
    expect(verdict.valid).toBe(false)
    expect(verdict.errors.join('\n')).toMatch(/CAP/)
  })

  it.each([[2500, 550], [1, 0], [2, 0], [3, 1], [1234, 271], [99_999, 22_000]])('R11: VAT of %i cents is %i cents (22 %, half up)', (net, vat) => {
    expect(vatOf(net)).toBe(vat)
  })

  it('country codes from names as typed', () => {
    expect([countryCode('Italia'), countryCode(undefined), countryCode('germany'), countryCode('fr'), countryCode('Atlantide')]).toEqual(['IT', 'IT', 'DE', 'FR', null])
  })
})

describe('invoicing configuration', () => {
  const seller = { INVOICE_SELLER_VAT: 'IT 00000000018', INVOICE_SELLER_NAME: 'Servizi PEC S.r.l.', INVOICE_SELLER_STREET: 'Via Roma', INVOICE_SELLER_POSTAL_CODE: '00100', INVOICE_SELLER_CITY: 'Roma', INVOICE_SELLER_PROVINCE: 'rm' }

  it('production without a seller: none (no file is made); demo: the fictitious seller, marked as such', () => {
    expect(invoicingConfig({}, 'production')).toBeUndefined()
    const demo = invoicingConfig({}, 'demo')!
    expect(demo.isDemo).toBe(true)
    expect(demo.seller.name).toMatch(/DEMO/)
  })

  it('reads the seller, RF01 by default, the series and the REA', () => {
    const config = invoicingConfig({ ...seller, INVOICE_SERIES: 'pec', INVOICE_SELLER_REA: 'RM-1234567;capital=10000.00;SU' }, 'production')!
    expect(config.seller).toMatchObject({ vatNumber: '00000000018', province: 'RM', taxRegime: 'RF01', rea: { office: 'RM', number: '1234567', shareCapitalCents: 1_000_000, soleShareholder: 'SU' } })
    expect(config.series).toBe('PEC')
    expect(config.transmitter).toEqual({ country: 'IT', code: '00000000018' })
    expect(config.isDemo).toBe(false)
  })

  it.each([
    [{ INVOICE_SELLER_VAT: '00000000018' }, /INVOICE_SELLER_NAME.*together/],
    [{ ...seller, INVOICE_SELLER_VAT: '00000000019' }, /INVOICE_SELLER_VAT/],
    [{ ...seller, INVOICE_SELLER_TAX_REGIME: 'RF03' }, /INVOICE_SELLER_TAX_REGIME/],
    [{ ...seller, INVOICE_SERIES: 'TOO LONG SERIES' }, /INVOICE_SERIES/],
    [{ ...seller, INVOICE_SELLER_REA: 'Roma' }, /INVOICE_SELLER_REA/],
  ])('refuses %o naming the variable', (env, message) => {
    expect(() => invoicingConfig(env, 'production')).toThrow(message)
  })
})
