/** Money is integer euro cents everywhere; floats never hold an amount. */
export type Cents = number

export const VAT_BASIS_POINTS = 2200 // 22 % Italian VAT

export interface PriceBreakdown {
  netCents: Cents
  vatCents: Cents
  totalCents: Cents
}

/** VAT rounded half up to the cent, as on an Italian invoice. */
export function priceWithVat(netCents: Cents, vatBasisPoints = VAT_BASIS_POINTS): PriceBreakdown {
  if (!Number.isSafeInteger(netCents) || netCents < 0) throw new RangeError(`bad net amount: ${netCents}`)
  const vatCents = Math.floor((netCents * vatBasisPoints + 5000) / 10000)
  return { netCents, vatCents, totalCents: netCents + vatCents }
}

const AMOUNT = /^(\d{1,9})(?:[.,](\d{1,2}))?$/

/** Parses "12.20", "12,20" or "12" into cents; anything else is refused. */
export function parseEuroAmount(text: string): Cents {
  const match = AMOUNT.exec(text.trim())
  if (!match) throw new RangeError(`expected an amount in euro such as 12.20, got "${text}"`)
  const cents = (match[2] ?? '0').padEnd(2, '0')
  return Number(match[1]) * 100 + Number(cents)
}

const EURO_FORMATS = {
  it: new Intl.NumberFormat('it-IT', { style: 'currency', currency: 'EUR' }),
  en: new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' }),
}

/** 12,20 € (it) or €12.20 (en). */
export function formatEuro(cents: Cents, language: 'it' | 'en' = 'it'): string {
  return EURO_FORMATS[language].format(cents / 100)
}

/** 12.20 — for JSON and machine-facing output. */
export function centsToDecimal(cents: Cents): string {
  const sign = cents < 0 ? '-' : ''
  const abs = Math.abs(cents)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}
