import { iva } from '../core/italian-tax-ids'

// The seller and transmitter of the FatturaPA files (R11), read once from the environment by
// src/config.ts. Outside demo mode nothing is invented: without the seller's settings no file is
// made (the invoices are still numbered in the payment's transaction, and wait for them).

/** The seller (cedente/prestatore): the provider of the PEC mailboxes. */
export interface Seller {
  /** Partita IVA, 11 digits (IdFiscaleIVA/IdCodice), checked. */
  vatNumber: string
  /** Codice fiscale when it differs from the partita IVA. */
  fiscalCode?: string
  name: string
  street: string
  streetNumber?: string
  postalCode: string
  city: string
  province: string
  /** Regime fiscale: RF01 ordinario unless configured. */
  taxRegime: string
  /** Iscrizione REA: office (province) and number; a company's share capital and sole shareholder when given. */
  rea?: { office: string; number: string; shareCapitalCents?: number; soleShareholder?: 'SU' | 'SM' }
  email?: string
}

export interface InvoicingConfig {
  seller: Seller
  /** Who transmits (IdTrasmittente): the seller unless an intermediary is configured. */
  transmitter: { country: string; code: string }
  /** The sezionale every invoice and credit note is numbered in, e.g. PEC: 2027/000123/PEC. */
  series: string
  /** The folder holding Schema_VFPR12_v1.2.3.xsd and xmldsig-core-schema.xsd; absent: no file is made. */
  schemaDir?: string
  /** The SdI's PEC address the PEC adapter sends to (given by the SdI on the first exchange); absent: export only. */
  sdiPecAddress?: string
  /** Demo values (R10): files made from them say so, and are never sent. */
  isDemo: boolean
}

/** The settings, every one a variable of its own (src/config.ts lists them as known). */
export const INVOICING_VARIABLES = [
  'INVOICE_SELLER_VAT',
  'INVOICE_SELLER_FISCAL_CODE',
  'INVOICE_SELLER_NAME',
  'INVOICE_SELLER_STREET',
  'INVOICE_SELLER_STREET_NUMBER',
  'INVOICE_SELLER_POSTAL_CODE',
  'INVOICE_SELLER_CITY',
  'INVOICE_SELLER_PROVINCE',
  'INVOICE_SELLER_TAX_REGIME',
  'INVOICE_SELLER_REA',
  'INVOICE_SELLER_EMAIL',
  'INVOICE_TRANSMITTER_ID',
  'INVOICE_SERIES',
  'INVOICE_SCHEMA_DIR',
  'INVOICE_SDI_PEC',
] as const

const REQUIRED = ['INVOICE_SELLER_VAT', 'INVOICE_SELLER_NAME', 'INVOICE_SELLER_STREET', 'INVOICE_SELLER_POSTAL_CODE', 'INVOICE_SELLER_CITY', 'INVOICE_SELLER_PROVINCE'] as const

export const DEFAULT_SERIES = 'PEC'

/** R10: a fictitious seller, for the demo only, said to be one in its name. */
export const DEMO_SELLER: Seller = {
  vatNumber: '01234560017',
  name: 'Fornitore PEC dimostrativo S.r.l. (DEMO - dati fittizi)',
  street: 'Via dell\'Esempio',
  streetNumber: '1',
  postalCode: '00100',
  city: 'Roma',
  province: 'RM',
  taxRegime: 'RF01',
}

/** The number as printed and in the file (Numero, at most 20 characters): 2027/000123/PEC. */
export function invoiceNumber(year: number, number: number, series: string): string {
  return `${year}/${String(number).padStart(6, '0')}${series ? `/${series}` : ''}`
}

/** Reads the invoicing settings; throws an Error naming the variable when one is wrong. */
export function invoicingConfig(env: NodeJS.ProcessEnv, mode: 'demo' | 'production'): InvoicingConfig | undefined {
  const series = (env.INVOICE_SERIES ?? DEFAULT_SERIES).trim().toUpperCase()
  // Numero is 20 basic-Latin characters: 4 + 1 + 6 (+ 1 + series)
  if (!/^[A-Z0-9-]{0,8}$/.test(series)) throw new Error(`INVOICE_SERIES: expected up to 8 letters, digits or dashes (e.g. PEC), got "${env.INVOICE_SERIES}"`)
  const schemaDir = env.INVOICE_SCHEMA_DIR || undefined
  const sdiPecAddress = env.INVOICE_SDI_PEC?.trim() || undefined
  if (sdiPecAddress && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(sdiPecAddress)) throw new Error(`INVOICE_SDI_PEC: expected the SdI's PEC address, got "${sdiPecAddress}"`)
  const given = REQUIRED.filter((name) => env[name]?.trim())
  if (given.length === 0) {
    if (mode !== 'demo') return undefined
    return { seller: DEMO_SELLER, transmitter: { country: 'IT', code: DEMO_SELLER.vatNumber }, series, schemaDir, isDemo: true }
  }
  const missing = REQUIRED.filter((name) => !env[name]?.trim())
  if (missing.length) throw new Error(`${missing.join(', ')}: the seller of the invoices needs ${REQUIRED.join(', ')} together`)
  const vatNumber = env.INVOICE_SELLER_VAT!.replace(/\s/g, '').replace(/^IT/i, '')
  if (!/^\d{11}$/.test(vatNumber) || !iva.validate(vatNumber).isValid) throw new Error(`INVOICE_SELLER_VAT: expected a valid partita IVA (11 digits), got "${env.INVOICE_SELLER_VAT}"`)
  const province = env.INVOICE_SELLER_PROVINCE!.trim().toUpperCase()
  if (!/^[A-Z]{2}$/.test(province)) throw new Error(`INVOICE_SELLER_PROVINCE: expected the province's two letters (e.g. RM), got "${env.INVOICE_SELLER_PROVINCE}"`)
  const postalCode = env.INVOICE_SELLER_POSTAL_CODE!.trim()
  if (!/^\d{5}$/.test(postalCode)) throw new Error(`INVOICE_SELLER_POSTAL_CODE: expected 5 digits, got "${postalCode}"`)
  const taxRegime = (env.INVOICE_SELLER_TAX_REGIME || 'RF01').trim().toUpperCase()
  if (!/^RF(0[1-9]|1[0-9]|20)$/.test(taxRegime) || taxRegime === 'RF03') throw new Error(`INVOICE_SELLER_TAX_REGIME: expected a regime such as RF01, got "${taxRegime}"`)
  const fiscalCode = env.INVOICE_SELLER_FISCAL_CODE?.replace(/\s/g, '').toUpperCase() || undefined
  if (fiscalCode && !/^[A-Z0-9]{11,16}$/.test(fiscalCode)) throw new Error(`INVOICE_SELLER_FISCAL_CODE: expected 11 or 16 letters and digits, got "${fiscalCode}"`)
  const transmitter = (env.INVOICE_TRANSMITTER_ID || `IT${vatNumber}`).replace(/\s/g, '').toUpperCase()
  const tm = /^([A-Z]{2})([A-Z0-9]{1,28})$/.exec(transmitter)
  if (!tm) throw new Error(`INVOICE_TRANSMITTER_ID: expected a country code and a tax code, e.g. IT01234560017, got "${transmitter}"`)
  return {
    seller: {
      vatNumber,
      ...(fiscalCode && fiscalCode !== vatNumber ? { fiscalCode } : {}),
      name: env.INVOICE_SELLER_NAME!.trim(),
      street: env.INVOICE_SELLER_STREET!.trim(),
      ...(env.INVOICE_SELLER_STREET_NUMBER?.trim() ? { streetNumber: env.INVOICE_SELLER_STREET_NUMBER.trim() } : {}),
      postalCode,
      city: env.INVOICE_SELLER_CITY!.trim(),
      province,
      taxRegime,
      ...(env.INVOICE_SELLER_REA ? { rea: parseRea(env.INVOICE_SELLER_REA) } : {}),
      ...(env.INVOICE_SELLER_EMAIL?.trim() ? { email: env.INVOICE_SELLER_EMAIL.trim() } : {}),
    },
    transmitter: { country: tm[1], code: tm[2] },
    series,
    schemaDir,
    sdiPecAddress,
    isDemo: false,
  }
}

/** INVOICE_SELLER_REA: "RM-1234567", optionally ";capital=10000.00;SU" (socio unico) or ";SM". */
function parseRea(value: string): NonNullable<Seller['rea']> {
  const [head, ...options] = value.split(';').map((s) => s.trim())
  const m = /^([A-Za-z]{2})[-\s]?(\d[A-Za-z0-9]{0,19})$/.exec(head)
  if (!m) throw new Error(`INVOICE_SELLER_REA: expected office and number such as RM-1234567, got "${value}"`)
  const rea: NonNullable<Seller['rea']> = { office: m[1].toUpperCase(), number: m[2] }
  for (const option of options) {
    const capital = /^capital=(\d{1,11})(?:\.(\d{2}))?$/.exec(option)
    if (capital) rea.shareCapitalCents = Number(capital[1]) * 100 + Number(capital[2] ?? 0)
    else if (option === 'SU' || option === 'SM') rea.soleShareholder = option
    else throw new Error(`INVOICE_SELLER_REA: unknown part "${option}" (capital=10000.00, SU or SM)`)
  }
  return rea
}
