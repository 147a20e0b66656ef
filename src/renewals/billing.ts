import { codicefiscale, iva } from '../core/italian-tax-ids'
import type { BillingData } from './schema'

// R3: the billing data an order snapshots, as the holder types it in the wizard (issue 3), checked
// here as plain values: codice fiscale with omocodia, partita IVA check digit, CAP, province, SDI.

export const BILLING_KINDS = ['person', 'business'] as const
/** A private person, or a professional / company (who has a partita IVA). */
export type BillingKind = (typeof BILLING_KINDS)[number]

/** The billing snapshot the wizard stores: BillingData plus the e-invoice address fields. */
export interface InvoiceBilling extends BillingData {
  kind: BillingKind
  street: string
  streetNumber: string
  postalCode: string // CAP
  city: string // comune
  province: string // sigla, e.g. 'RM'; 'EE' abroad
  country: string
  sdiCode?: string // codice destinatario SDI, 7 characters
  pecAddress?: string // PEC address for the e-invoice, instead of the SDI code
  /** One line, for the postal slip and listings: "Via Roma 1, 00100 Roma (RM), Italia". */
  address: string
}

/** The billing form as posted: every field a string, possibly empty. */
export interface BillingForm {
  kind: string
  name: string
  fiscalCode: string
  vatNumber: string
  street: string
  streetNumber: string
  postalCode: string
  city: string
  province: string
  country: string
  sdiCode: string
  pecAddress: string
}

/** The form's fields in the order the page shows them: the error summary lists problems in this order. */
export const BILLING_FIELDS = [
  'kind',
  'name',
  'fiscalCode',
  'vatNumber',
  'street',
  'streetNumber',
  'postalCode',
  'city',
  'province',
  'country',
  'sdiCode',
  'pecAddress',
] as const satisfies ReadonlyArray<keyof BillingForm>

export type BillingField = (typeof BILLING_FIELDS)[number]

/** Why a field is refused: stable codes, turned into it/en text beside the field by the portal. */
export type BillingErrorCode =
  | 'kind_missing'
  | 'name_missing'
  | 'name_too_long'
  | 'fiscal_code_missing'
  | 'fiscal_code_length'
  | 'fiscal_code_format'
  | 'fiscal_code_check'
  | 'fiscal_code_office'
  | 'vat_missing'
  | 'vat_length'
  | 'vat_digits'
  | 'vat_office'
  | 'vat_check'
  | 'street_missing'
  | 'street_number_missing'
  | 'postal_code_missing'
  | 'postal_code_length'
  | 'postal_code_invalid'
  | 'city_missing'
  | 'province_missing'
  | 'province_unknown'
  | 'country_missing'
  | 'sdi_code_length'
  | 'einvoice_missing'
  | 'pec_address_invalid'
  | 'too_long'

export interface BillingProblem {
  field: BillingField
  code: BillingErrorCode
}

export type BillingCheck = { ok: true; billing: InvoiceBilling } | { ok: false; problems: BillingProblem[] }

/** The 107 Italian provinces and metropolitan cities by sigla, as used in addresses and e-invoices. */
export const PROVINCES: ReadonlyArray<readonly [sigla: string, name: string]> = [
  ['AG', 'Agrigento'], ['AL', 'Alessandria'], ['AN', 'Ancona'], ['AO', 'Aosta'], ['AP', 'Ascoli Piceno'],
  ['AQ', "L'Aquila"], ['AR', 'Arezzo'], ['AT', 'Asti'], ['AV', 'Avellino'], ['BA', 'Bari'],
  ['BG', 'Bergamo'], ['BI', 'Biella'], ['BL', 'Belluno'], ['BN', 'Benevento'], ['BO', 'Bologna'],
  ['BR', 'Brindisi'], ['BS', 'Brescia'], ['BT', 'Barletta-Andria-Trani'], ['BZ', 'Bolzano'], ['CA', 'Cagliari'],
  ['CB', 'Campobasso'], ['CE', 'Caserta'], ['CH', 'Chieti'], ['CL', 'Caltanissetta'], ['CN', 'Cuneo'],
  ['CO', 'Como'], ['CR', 'Cremona'], ['CS', 'Cosenza'], ['CT', 'Catania'], ['CZ', 'Catanzaro'],
  ['EN', 'Enna'], ['FC', 'Forlì-Cesena'], ['FE', 'Ferrara'], ['FG', 'Foggia'], ['FI', 'Firenze'],
  ['FM', 'Fermo'], ['FR', 'Frosinone'], ['GE', 'Genova'], ['GO', 'Gorizia'], ['GR', 'Grosseto'],
  ['IM', 'Imperia'], ['IS', 'Isernia'], ['KR', 'Crotone'], ['LC', 'Lecco'], ['LE', 'Lecce'],
  ['LI', 'Livorno'], ['LO', 'Lodi'], ['LT', 'Latina'], ['LU', 'Lucca'], ['MB', 'Monza e della Brianza'],
  ['MC', 'Macerata'], ['ME', 'Messina'], ['MI', 'Milano'], ['MN', 'Mantova'], ['MO', 'Modena'],
  ['MS', 'Massa-Carrara'], ['MT', 'Matera'], ['NA', 'Napoli'], ['NO', 'Novara'], ['NU', 'Nuoro'],
  ['OR', 'Oristano'], ['PA', 'Palermo'], ['PC', 'Piacenza'], ['PD', 'Padova'], ['PE', 'Pescara'],
  ['PG', 'Perugia'], ['PI', 'Pisa'], ['PN', 'Pordenone'], ['PO', 'Prato'], ['PR', 'Parma'],
  ['PT', 'Pistoia'], ['PU', 'Pesaro e Urbino'], ['PV', 'Pavia'], ['PZ', 'Potenza'], ['RA', 'Ravenna'],
  ['RC', 'Reggio Calabria'], ['RE', 'Reggio Emilia'], ['RG', 'Ragusa'], ['RI', 'Rieti'], ['RM', 'Roma'],
  ['RN', 'Rimini'], ['RO', 'Rovigo'], ['SA', 'Salerno'], ['SI', 'Siena'], ['SO', 'Sondrio'],
  ['SP', 'La Spezia'], ['SR', 'Siracusa'], ['SS', 'Sassari'], ['SU', 'Sud Sardegna'], ['SV', 'Savona'],
  ['TA', 'Taranto'], ['TE', 'Teramo'], ['TN', 'Trento'], ['TO', 'Torino'], ['TP', 'Trapani'],
  ['TR', 'Terni'], ['TS', 'Trieste'], ['TV', 'Treviso'], ['UD', 'Udine'], ['VA', 'Varese'],
  ['VB', 'Verbano-Cusio-Ossola'], ['VC', 'Vercelli'], ['VE', 'Venezia'], ['VI', 'Vicenza'], ['VR', 'Verona'],
  ['VT', 'Viterbo'], ['VV', 'Vibo Valentia'],
]

const PROVINCE_NAMES = new Map(PROVINCES)
export const ITALY = 'Italia'
const ITALY_NAMES = new Set(['italia', 'italy', 'it'])
const ABROAD = 'EE' // the e-invoice's province for an address outside Italy

export function provinceName(sigla: string): string | undefined {
  return PROVINCE_NAMES.get(sigla)
}

/** What the form shows the first time: the holder's own data (name, codice fiscale), in Italy. */
export function billingFormFor(billing: BillingData | undefined): BillingForm {
  const b = (billing ?? {}) as Partial<InvoiceBilling>
  return {
    kind: b.kind ?? (b.vatNumber ? 'business' : 'person'),
    name: b.name ?? '',
    fiscalCode: b.fiscalCode ?? '',
    vatNumber: b.vatNumber ?? '',
    street: b.street ?? '',
    streetNumber: b.streetNumber ?? '',
    postalCode: b.postalCode ?? '',
    city: b.city ?? '',
    province: b.province ?? '',
    country: b.country ?? ITALY,
    sdiCode: b.sdiCode ?? '',
    pecAddress: b.pecAddress ?? '',
  }
}

const oneLine = (text: unknown) => (typeof text === 'string' ? text.replace(/\s+/g, ' ').trim() : '')
const compactCode = (text: string) => text.replace(/[\s.\-]/g, '').toUpperCase()
const PEC_ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/

/**
 * R3: checks the billing form field by field and returns the snapshot to store, or every problem
 * at once (the portal shows each beside its field and in the summary). `email` is the account's
 * reference address, which the invoice copy goes to.
 */
export function validateBilling(input: Partial<Record<BillingField, unknown>>, email: string): BillingCheck {
  const form = Object.fromEntries(BILLING_FIELDS.map((f) => [f, oneLine(input[f])])) as unknown as BillingForm
  const problems: BillingProblem[] = []
  const refuse = (field: BillingField, code: BillingErrorCode) => problems.push({ field, code })

  const kind = (BILLING_KINDS as readonly string[]).includes(form.kind) ? (form.kind as BillingKind) : null
  if (!kind) refuse('kind', 'kind_missing')

  if (!form.name) refuse('name', 'name_missing')
  else if (form.name.length > 80) refuse('name', 'name_too_long') // the e-invoice's Denominazione limit

  const fiscalCode = compactCode(form.fiscalCode)
  const fiscalProblem = fiscalCodeProblem(fiscalCode, kind ?? 'person')
  if (fiscalProblem) refuse('fiscalCode', fiscalProblem)

  const vatNumber = compactCode(form.vatNumber).replace(/^IT/, '')
  if (kind === 'business') {
    const vatProblem = vatNumberProblem(vatNumber)
    if (vatProblem) refuse('vatNumber', vatProblem)
  }

  if (!form.street) refuse('street', 'street_missing')
  else if (form.street.length > 60) refuse('street', 'too_long')
  if (!form.streetNumber) refuse('streetNumber', 'street_number_missing')
  else if (form.streetNumber.length > 8) refuse('streetNumber', 'too_long')
  if (!form.city) refuse('city', 'city_missing')
  else if (form.city.length > 60) refuse('city', 'too_long')
  if (!form.country) refuse('country', 'country_missing')
  else if (form.country.length > 60) refuse('country', 'too_long')

  const inItaly = ITALY_NAMES.has(form.country.toLowerCase())
  const country = inItaly ? ITALY : form.country
  const province = form.province.toUpperCase()
  if (!form.postalCode) refuse('postalCode', 'postal_code_missing')
  else if (inItaly || !form.country) {
    if (!/^\d{5}$/.test(form.postalCode)) refuse('postalCode', 'postal_code_length')
  } else if (!/^[A-Za-z0-9 -]{2,10}$/.test(form.postalCode)) {
    refuse('postalCode', 'postal_code_invalid')
  }
  if (inItaly || !form.country) {
    if (!province) refuse('province', 'province_missing')
    else if (!PROVINCE_NAMES.has(province)) refuse('province', 'province_unknown')
  }

  const sdiCode = form.sdiCode.toUpperCase()
  if (sdiCode && !/^[A-Z0-9]{7}$/.test(sdiCode)) refuse('sdiCode', 'sdi_code_length')
  if (form.pecAddress && (form.pecAddress.length > 254 || !PEC_ADDRESS.test(form.pecAddress))) refuse('pecAddress', 'pec_address_invalid')
  // A professional or company must say where the e-invoice goes; a private person finds it in
  // their cassetto fiscale when neither is given.
  if (kind === 'business' && !sdiCode && !form.pecAddress) refuse('sdiCode', 'einvoice_missing')

  // Listed as the page shows the fields, whatever order the checks ran in.
  problems.sort((a, b) => BILLING_FIELDS.indexOf(a.field) - BILLING_FIELDS.indexOf(b.field))
  if (problems.length || !kind) return { ok: false, problems }
  const billing: InvoiceBilling = {
    kind,
    name: form.name,
    fiscalCode,
    email,
    ...(kind === 'business' ? { vatNumber } : {}),
    street: form.street,
    streetNumber: form.streetNumber,
    postalCode: form.postalCode.toUpperCase(),
    city: form.city,
    province: inItaly ? province : ABROAD,
    country,
    ...(sdiCode ? { sdiCode } : {}),
    ...(form.pecAddress ? { pecAddress: form.pecAddress.toLowerCase() } : {}),
    address: '',
  }
  billing.address = formatBillingAddress(billing)
  return { ok: true, billing }
}

/** "Via Roma 1, 00184 Roma (RM)" in Italy, "…, Country" abroad. */
export function formatBillingAddress(b: Pick<InvoiceBilling, 'street' | 'streetNumber' | 'postalCode' | 'city' | 'province' | 'country'>): string {
  const place = b.country === ITALY ? `${b.postalCode} ${b.city} (${b.province})` : `${b.postalCode} ${b.city}, ${b.country}`
  return `${b.street} ${b.streetNumber}, ${place}`
}

/**
 * A person's codice fiscale: 16 characters, omocodia allowed (digits replaced by L–V), check
 * character right. A professional or company may also give the 11-digit numeric one.
 */
export function fiscalCodeProblem(code: string, kind: BillingKind): BillingErrorCode | null {
  if (!code) return 'fiscal_code_missing'
  if (kind === 'business' && /^\d{11}$/.test(code)) {
    const problem = vatNumberProblem(code)
    return problem === 'vat_office' ? 'fiscal_code_office' : problem ? 'fiscal_code_check' : null
  }
  if (code.length !== 16) return 'fiscal_code_length'
  const result = codicefiscale.validate(code)
  if (result.isValid) return null
  return result.error?.name === 'InvalidChecksum' ? 'fiscal_code_check' : 'fiscal_code_format'
}

/**
 * Partita IVA: 11 digits, an office code (digits 8–10) the Agenzia delle Entrate assigns, Luhn
 * check digit. Each check has its own answer, so "12345678901" (11 digits, office 890) is not told
 * it lacks digits.
 */
export function vatNumberProblem(vatNumber: string): BillingErrorCode | null {
  if (!vatNumber) return 'vat_missing'
  if (!/^\d*$/.test(vatNumber)) return 'vat_digits'
  if (vatNumber.length !== 11) return 'vat_length'
  const result = iva.validate(vatNumber)
  if (result.isValid) return null
  return result.error?.name === 'InvalidComponent' ? 'vat_office' : 'vat_check'
}
