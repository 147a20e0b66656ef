import { VAT_BASIS_POINTS, centsToDecimal } from '../core/money'
import type { InvoicingConfig, Seller } from './config'
import type { InvoiceKind, InvoiceLine, InvoiceProblem } from './schema'

// R11: a FatturaPA file, format FPR12 (to private persons and firms), schema version 1.2.3, built
// from plain values: no clock, no database. The schema check is the validator's (validate.ts);
// what the schema cannot see (an unknown country, a total that does not add up) is said here.

/** The buyer as the order's billing snapshot has it: the wizard's InvoiceBilling, or an older BillingData (fewer fields). */
export interface Buyer {
  kind?: 'person' | 'business'
  name: string
  fiscalCode?: string
  vatNumber?: string
  street?: string
  streetNumber?: string
  postalCode?: string
  city?: string
  province?: string
  country?: string
  sdiCode?: string
  pecAddress?: string
  address?: string
}

/** An invoice or credit note as numbered, with what it needs to be written out. */
export interface InvoiceDocument {
  kind: InvoiceKind
  /** The number as printed: 2027/000123/PEC. */
  number: string
  issuedOn: string
  method: string
  buyer: Buyer
  lines: InvoiceLine[]
  netCents: number
  vatCents: number
  totalCents: number
  /** A credit note's invoice. */
  refersTo?: { number: string; issuedOn: string }
}

export interface BuiltFile {
  fileName: string
  xml: string
  /** What the schema cannot see; non-empty means the file must not leave. */
  problems: InvoiceProblem[]
}

/** TD01 fattura, TD04 nota di credito. */
export const DOCUMENT_TYPE: Record<InvoiceKind, string> = { invoice: 'TD01', credit_note: 'TD04' }

/** How each of our payment methods is declared (ModalitaPagamento): PayPal is a payment card's kind of payment (MP08). */
export const PAYMENT_MODE: Record<string, string> = { card: 'MP08', paypal: 'MP08', bonifico: 'MP05', bollettino: 'MP18' }

/** A file's progressive (ProgressivoInvio and the file name): base 36 on 5 characters, 60 million files. */
export function fileProgressive(id: number): string {
  if (!Number.isSafeInteger(id) || id < 1 || id >= 36 ** 5) throw new RangeError(`file progressive out of range: ${id}`)
  return id.toString(36).toUpperCase().padStart(5, '0')
}

/** IT<IdCodice>_<progressive>.xml, as the SdI names a transmitted file. */
export function fatturaFileName(transmitter: InvoicingConfig['transmitter'], progressive: string): string {
  return `${transmitter.country}${transmitter.code}_${progressive}.xml`
}

/** R11: VAT of a taxable amount at 22 %, to the cent, half up (Imposta = ImponibileImporto × Aliquota). */
export function vatOf(netCents: number, basisPoints = VAT_BASIS_POINTS): number {
  return Math.floor((netCents * basisPoints + 5000) / 10000)
}

/** Builds the FPR12 file of a document; `progressive` is its file's (a new one for each transmission). */
export function buildFatturaPA(doc: InvoiceDocument, config: Pick<InvoicingConfig, 'seller' | 'transmitter'>, progressive: string): BuiltFile {
  const problems: InvoiceProblem[] = []
  const taxable = doc.lines.reduce((sum, line) => sum + line.netCents, 0)
  const tax = vatOf(taxable)
  if (taxable !== doc.netCents || tax !== doc.vatCents || taxable + tax !== doc.totalCents) {
    problems.push({ source: 'data', code: 'totals_mismatch', message: `lines ${centsToDecimal(taxable)} + VAT ${centsToDecimal(tax)} ≠ ${centsToDecimal(doc.netCents)} + ${centsToDecimal(doc.vatCents)} = ${centsToDecimal(doc.totalCents)}` })
  }
  const buyer = buyerParts(doc.buyer, problems)
  const mode = PAYMENT_MODE[doc.method]
  if (!mode) problems.push({ source: 'data', code: 'payment_method_unknown', message: `payment method ${doc.method}` })
  const rate = rateText(VAT_BASIS_POINTS)

  const xml = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<p:FatturaElettronica versione="FPR12" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:p="http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    '<FatturaElettronicaHeader>',
    el('DatiTrasmissione', [
      el('IdTrasmittente', [leaf('IdPaese', config.transmitter.country), leaf('IdCodice', config.transmitter.code)]),
      leaf('ProgressivoInvio', progressive),
      leaf('FormatoTrasmissione', 'FPR12'),
      leaf('CodiceDestinatario', buyer.recipientCode),
      buyer.pec ? leaf('PECDestinatario', buyer.pec) : '',
    ]),
    sellerXml(config.seller),
    el('CessionarioCommittente', [
      el('DatiAnagrafici', [
        buyer.vatId ? el('IdFiscaleIVA', [leaf('IdPaese', buyer.vatId.country), leaf('IdCodice', buyer.vatId.code)]) : '',
        buyer.fiscalCode ? leaf('CodiceFiscale', buyer.fiscalCode) : '',
        el('Anagrafica', [leaf('Denominazione', latin(doc.buyer.name, 80))]),
      ]),
      buyer.sede,
    ]),
    '</FatturaElettronicaHeader>',
    '<FatturaElettronicaBody>',
    el('DatiGenerali', [
      el('DatiGeneraliDocumento', [
        leaf('TipoDocumento', DOCUMENT_TYPE[doc.kind]),
        leaf('Divisa', 'EUR'),
        leaf('Data', doc.issuedOn),
        leaf('Numero', basicLatin(doc.number, 20)),
        leaf('ImportoTotaleDocumento', centsToDecimal(taxable + tax)),
        leaf('Causale', doc.kind === 'invoice' ? 'Rinnovo casella PEC' : `Storno fattura n. ${doc.refersTo?.number ?? ''}`.slice(0, 200)),
      ]),
      doc.refersTo ? el('DatiFattureCollegate', [leaf('IdDocumento', basicLatin(doc.refersTo.number, 20)), leaf('Data', doc.refersTo.issuedOn)]) : '',
    ]),
    el('DatiBeniServizi', [
      ...doc.lines.map((line, i) =>
        el('DettaglioLinee', [
          leaf('NumeroLinea', String(i + 1)),
          leaf('Descrizione', latin(lineDescription(line), 1000)),
          leaf('DataInizioPeriodo', line.from),
          leaf('DataFinePeriodo', line.to),
          leaf('PrezzoUnitario', centsToDecimal(line.netCents)),
          leaf('PrezzoTotale', centsToDecimal(line.netCents)),
          leaf('AliquotaIVA', rate),
        ]),
      ),
      el('DatiRiepilogo', [leaf('AliquotaIVA', rate), leaf('ImponibileImporto', centsToDecimal(taxable)), leaf('Imposta', centsToDecimal(tax)), leaf('EsigibilitaIVA', 'I')]),
    ]),
    // a credit note gives money back: no payment to declare
    doc.kind === 'invoice' && mode
      ? el('DatiPagamento', [leaf('CondizioniPagamento', 'TP02'), el('DettaglioPagamento', [leaf('ModalitaPagamento', mode), leaf('DataScadenzaPagamento', doc.issuedOn), leaf('ImportoPagamento', centsToDecimal(taxable + tax))])])
      : '',
    '</FatturaElettronicaBody>',
    '</p:FatturaElettronica>',
    '',
  ].join('\n')
  return { fileName: fatturaFileName(config.transmitter, progressive), xml, problems }
}

/** "Rinnovo casella PEC mario.rossi@pec.it per 3 anni, dal 2026-07-01 al 2029-06-30". */
export function lineDescription(line: InvoiceLine): string {
  const years = line.years === 1 ? '1 anno' : `${line.years} anni`
  return `Rinnovo casella PEC ${line.mailbox} per ${years}, dal ${italianDate(line.from)} al ${italianDate(line.to)}`
}

const italianDate = (iso: string) => iso.split('-').reverse().join('/')

function sellerXml(seller: Seller): string {
  return el('CedentePrestatore', [
    el('DatiAnagrafici', [
      el('IdFiscaleIVA', [leaf('IdPaese', 'IT'), leaf('IdCodice', seller.vatNumber)]),
      seller.fiscalCode ? leaf('CodiceFiscale', seller.fiscalCode) : '',
      el('Anagrafica', [leaf('Denominazione', latin(seller.name, 80))]),
      leaf('RegimeFiscale', seller.taxRegime),
    ]),
    el('Sede', [
      leaf('Indirizzo', latin(seller.street, 60)),
      seller.streetNumber ? leaf('NumeroCivico', basicLatin(seller.streetNumber, 8)) : '',
      leaf('CAP', seller.postalCode),
      leaf('Comune', latin(seller.city, 60)),
      leaf('Provincia', seller.province),
      leaf('Nazione', 'IT'),
    ]),
    seller.rea
      ? el('IscrizioneREA', [
          leaf('Ufficio', seller.rea.office),
          leaf('NumeroREA', basicLatin(seller.rea.number, 20)),
          seller.rea.shareCapitalCents !== undefined ? leaf('CapitaleSociale', centsToDecimal(seller.rea.shareCapitalCents)) : '',
          seller.rea.soleShareholder ? leaf('SocioUnico', seller.rea.soleShareholder) : '',
          leaf('StatoLiquidazione', 'LN'),
        ])
      : '',
    seller.email ? el('Contatti', [leaf('Email', seller.email)]) : '',
  ])
}

interface BuyerParts {
  recipientCode: string
  pec?: string
  vatId?: { country: string; code: string }
  fiscalCode?: string
  sede: string
}

/**
 * Who the buyer is to the SdI. In Italy: a private person by codice fiscale (omocodic ones too,
 * as the holder typed them), a firm by partita IVA (and its codice fiscale when different); the
 * file goes to the SDI code, else to the PEC address, else 0000000 (the buyer's cassetto fiscale).
 * Abroad: no codice fiscale, IdFiscaleIVA with the buyer's country, CAP 00000, code XXXXXXX.
 */
function buyerParts(buyer: Buyer, problems: InvoiceProblem[]): BuyerParts {
  const country = countryCode(buyer.country)
  if (!country) problems.push({ source: 'data', code: 'buyer_country_unknown', message: `country "${buyer.country ?? ''}"` })
  const nation = country ?? 'IT'
  const abroad = nation !== 'IT'
  if (!buyer.street || !buyer.city || !buyer.postalCode) problems.push({ source: 'data', code: 'buyer_address_incomplete', message: `address "${buyer.address ?? ''}"` })
  const code = (text: string | undefined) => (text ?? '').replace(/[^A-Za-z0-9]/g, '').toUpperCase()
  const parts: BuyerParts = { recipientCode: abroad ? 'XXXXXXX' : '0000000', sede: '' }
  if (!abroad) {
    if (buyer.sdiCode) parts.recipientCode = code(buyer.sdiCode)
    else if (buyer.pecAddress) parts.pec = buyer.pecAddress
    const vat = code(buyer.vatNumber).replace(/^IT/, '')
    if (vat) parts.vatId = { country: 'IT', code: vat }
    const fiscal = code(buyer.fiscalCode)
    if (fiscal && fiscal !== vat) parts.fiscalCode = fiscal
    if (!parts.vatId && !parts.fiscalCode) problems.push({ source: 'data', code: 'buyer_tax_code_missing', message: 'no codice fiscale or partita IVA' })
  } else {
    // a foreigner has no codice fiscale: their own tax or VAT code, or the SdI's conventional one
    const own = code(buyer.vatNumber) || code(buyer.fiscalCode)
    parts.vatId = { country: nation, code: (own.startsWith(nation) ? own.slice(2) : own).slice(0, 28) || '99999999999' }
  }
  parts.sede = el('Sede', [
    leaf('Indirizzo', latin(buyer.street ?? buyer.address ?? '', 60)),
    buyer.street && buyer.streetNumber ? leaf('NumeroCivico', basicLatin(buyer.streetNumber, 8)) : '',
    leaf('CAP', abroad ? '00000' : (buyer.postalCode ?? '')),
    leaf('Comune', latin(buyer.city ?? '', 60)),
    !abroad && buyer.province ? leaf('Provincia', buyer.province.toUpperCase()) : '',
    leaf('Nazione', nation),
  ])
  return parts
}

// Country names a holder may type (Italian and English), to ISO 3166 codes; two letters pass as they are.
const COUNTRIES: Record<string, string> = {
  italia: 'IT', italy: 'IT', 'san marino': 'SM', 'città del vaticano': 'VA', vaticano: 'VA', 'vatican city': 'VA',
  svizzera: 'CH', switzerland: 'CH', francia: 'FR', france: 'FR', germania: 'DE', germany: 'DE', austria: 'AT',
  spagna: 'ES', spain: 'ES', portogallo: 'PT', portugal: 'PT', belgio: 'BE', belgium: 'BE', 'paesi bassi': 'NL',
  olanda: 'NL', netherlands: 'NL', lussemburgo: 'LU', luxembourg: 'LU', 'regno unito': 'GB', 'united kingdom': 'GB',
  irlanda: 'IE', ireland: 'IE', grecia: 'GR', greece: 'GR', slovenia: 'SI', croazia: 'HR', croatia: 'HR',
  polonia: 'PL', poland: 'PL', romania: 'RO', ungheria: 'HU', hungary: 'HU', malta: 'MT', danimarca: 'DK',
  denmark: 'DK', svezia: 'SE', sweden: 'SE', norvegia: 'NO', norway: 'NO', finlandia: 'FI', finland: 'FI',
  'stati uniti': 'US', 'united states': 'US', usa: 'US', albania: 'AL', argentina: 'AR', brasile: 'BR', brazil: 'BR',
}

/** The ISO code of a country as typed ("Italia", "Germany", "DE"); null when unknown. */
export function countryCode(country: string | undefined): string | null {
  if (!country?.trim()) return 'IT'
  const text = country.trim()
  if (/^[A-Za-z]{2}$/.test(text)) return text.toUpperCase()
  return COUNTRIES[text.toLowerCase()] ?? null
}

const rateText = (basisPoints: number) => `${Math.floor(basisPoints / 100)}.${String(basisPoints % 100).padStart(2, '0')}`

// Typographic characters a name or address may carry, outside Latin-1, with their plain form.
const PLAIN: Record<string, string> = { '\u2018': "'", '\u2019': "'", '\u201A': "'", '\u201C': '"', '\u201D': '"', '\u2013': '-', '\u2014': '-', '\u2026': '...', '\u20AC': 'EUR', '\u0152': 'OE', '\u0153': 'oe', '\u0141': 'L', '\u0142': 'l', '\u0110': 'D', '\u0111': 'd', '\u0131': 'i' }

/** Text in the schema's Latin-1 range (accents and apostrophes kept), on one line, cut to `max` characters. */
export function latin(text: string, max: number, limit = 0xff): string {
  let out = ''
  for (const ch of text.normalize('NFC').replace(/\s+/g, ' ').trim()) {
    const cp = ch.codePointAt(0)!
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue
    if (cp <= limit) out += ch
    else out += PLAIN[ch] ?? [...ch.normalize('NFD').replace(/\p{M}/gu, '')].filter((c) => c.codePointAt(0)! <= limit).join('')
  }
  return [...out].slice(0, max).join('').trim()
}

/** Text in Basic Latin (ASCII) only, for the fields whose type allows nothing more (Numero, NumeroCivico). */
export const basicLatin = (text: string, max: number) => latin(text, max, 0x7e)

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
}

const leaf = (name: string, value: string) => `<${name}>${escape(value)}</${name}>`
const el = (name: string, children: string[]) => `<${name}>${children.filter(Boolean).join('')}</${name}>`
