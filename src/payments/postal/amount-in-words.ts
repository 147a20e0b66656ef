/**
 * Amounts in Italian words, as written on a postal slip's "IMPORTO IN LETTERE": the euro in
 * words, a slash, the cents in two digits, upper case, one word (DODICI/20, VENTUNO/96,
 * MILLE/00, UNMILIONEDUECENTOMILA/00).
 */
export function amountInItalianWords(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError(`bad amount: ${cents}`)
  const euro = Math.floor(cents / 100)
  return `${numberInItalianWords(euro).toUpperCase()}/${String(cents % 100).padStart(2, '0')}`
}

const UNITS = ['zero', 'uno', 'due', 'tre', 'quattro', 'cinque', 'sei', 'sette', 'otto', 'nove', 'dieci',
  'undici', 'dodici', 'tredici', 'quattordici', 'quindici', 'sedici', 'diciassette', 'diciotto', 'diciannove']
const TENS = ['', '', 'venti', 'trenta', 'quaranta', 'cinquanta', 'sessanta', 'settanta', 'ottanta', 'novanta']

/** 0 ≤ n < 10^12 in Italian words, lower case, one word: 21 → "ventuno", 1001 → "milleuno". */
export function numberInItalianWords(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || n >= 1e12) throw new RangeError(`out of range: ${n}`)
  if (n === 0) return 'zero'
  return finalTre(scaled(n))
}

function scaled(n: number): string {
  const billions = Math.floor(n / 1e9)
  const millions = Math.floor(n / 1e6) % 1000
  const thousands = Math.floor(n / 1000) % 1000
  const rest = n % 1000
  let words = ''
  if (billions) words += billions === 1 ? 'unmiliardo' : `${belowThousand(billions)}miliardi`
  if (millions) words += millions === 1 ? 'unmilione' : `${belowThousand(millions)}milioni`
  if (thousands) words += thousands === 1 ? 'mille' : `${belowThousand(thousands)}mila` // the accent of -tré only at the very end
  if (rest) words += belowThousand(rest)
  return words
}

function belowThousand(n: number): string {
  const hundreds = Math.floor(n / 100)
  const rest = n % 100
  let words = hundreds === 0 ? '' : hundreds === 1 ? 'cento' : `${UNITS[hundreds]}cento`
  if (rest === 0) return words
  const tail = belowHundred(rest)
  // "centottanta", "duecentottantotto": cento drops its o before ottanta; before otto and uno both
  // forms are in use, and slips commonly keep it (centootto, centouno)
  if (words && Math.floor(rest / 10) === 8) words = words.slice(0, -1)
  return words + tail
}

function belowHundred(n: number): string {
  if (n < 20) return UNITS[n]
  const unit = n % 10
  const tens = TENS[Math.floor(n / 10)]
  if (unit === 0) return tens
  // venti + uno = ventuno, trenta + otto = trentotto: the tens drop their vowel before a vowel
  return (unit === 1 || unit === 8 ? tens.slice(0, -1) : tens) + UNITS[unit]
}

/** A compound ending in "tre" takes the accent: ventitré, centotré, milletré (but "tre" alone). */
function finalTre(words: string): string {
  return words !== 'tre' && words.endsWith('tre') ? `${words.slice(0, -3)}tré` : words
}
