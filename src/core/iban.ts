import { electronicFormatIBAN, friendlyFormatIBAN, validateIBAN, ValidationErrorsIBAN } from 'ibantools'

/**
 * Why an IBAN is refused, as a stable code; `message` says it to a person.
 * - not_italian: the country code is not IT
 * - wrong_length / wrong_format: not the IT shape (27 characters: IT, 2 digits, CIN, ABI, CAB, conto)
 * - wrong_check_digits: the ISO 13616 mod-97 check digits (positions 3–4) do not hold
 * - wrong_cin: the Italian CIN (position 5) does not match ABI + CAB + conto
 */
export type IbanRefusal = 'empty' | 'not_italian' | 'wrong_length' | 'wrong_format' | 'wrong_check_digits' | 'wrong_cin'

export type ItalianIbanCheck =
  | {
      ok: true
      /** Electronic form: IT60X0542811101000000123456. */
      iban: string
      /** Paper form, groups of four: IT60 X054 2811 1010 0000 0123 456. */
      formatted: string
      abi: string // bank code, 5 digits
      cab: string // branch code, 5 digits
      account: string // conto, 12 characters
      cin: string // control internal number, 1 letter
    }
  | { ok: false; reason: IbanRefusal; message: string }

const ITALIAN_IBAN_LENGTH = 27
const ITALIAN_SHAPE = /^IT\d{2}[A-Z]\d{10}[A-Z0-9]{12}$/

/*
 * The Italian BBAN check character (CIN) over ABI (5) + CAB (5) + conto (12), 22 characters.
 * Characters in odd positions (1st, 3rd, …) weigh by the table below, indexed by the digit
 * 0–9 or the letter A–Z (a digit and the letter at the same index weigh the same: 0 and A,
 * 1 and B, …); characters in even positions weigh their index (0–9, A=0 … Z=25). The sum
 * modulo 26 is the CIN as a letter (0 = A). The same tables as the codice fiscale's check character.
 */
const ODD_WEIGHTS = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]

function characterIndex(char: string): number {
  return char >= '0' && char <= '9' ? Number(char) : char.charCodeAt(0) - 65
}

/** The CIN for ABI + CAB + conto (22 characters, digits and upper-case letters). */
export function italianCin(abi: string, cab: string, account: string): string {
  const bban = `${abi}${cab}${account}`
  if (!/^[0-9A-Z]{22}$/.test(bban)) throw new RangeError(`ABI + CAB + conto must be 22 characters 0-9 A-Z, got "${bban}"`)
  let sum = 0
  for (let i = 0; i < bban.length; i++) {
    const index = characterIndex(bban[i])
    sum += i % 2 === 0 ? ODD_WEIGHTS[index] : index // i = 0 is the 1st, an odd position
  }
  return String.fromCharCode(65 + (sum % 26))
}

/**
 * Checks an Italian IBAN as typed (spaces, lower case allowed): the shape and mod-97 check
 * digits through ibantools, then the CIN, which ibantools does not check.
 */
export function validateItalianIban(input: string): ItalianIbanCheck {
  const iban = electronicFormatIBAN(input ?? '') ?? ''
  if (!iban) return refuse('empty', 'IBAN mancante')
  if (!iban.startsWith('IT')) return refuse('not_italian', `IBAN non italiano (paese ${iban.slice(0, 2)})`)
  if (iban.length !== ITALIAN_IBAN_LENGTH) {
    return refuse('wrong_length', `un IBAN italiano ha ${ITALIAN_IBAN_LENGTH} caratteri, questo ne ha ${iban.length}`)
  }
  if (!ITALIAN_SHAPE.test(iban)) {
    return refuse('wrong_format', 'formato non valido: IT, 2 cifre, CIN (lettera), ABI e CAB (10 cifre), conto (12 caratteri)')
  }
  const checked = validateIBAN(iban)
  if (!checked.valid) {
    return checked.errorCodes.includes(ValidationErrorsIBAN.WrongIBANChecksum)
      ? refuse('wrong_check_digits', `cifre di controllo ${iban.slice(2, 4)} errate: l'IBAN contiene un errore di battitura`)
      : refuse('wrong_format', `IBAN non valido (${checked.errorCodes.map((c) => ValidationErrorsIBAN[c]).join(', ')})`)
  }
  const cin = iban[4]
  const abi = iban.slice(5, 10)
  const cab = iban.slice(10, 15)
  const account = iban.slice(15)
  const expected = italianCin(abi, cab, account)
  if (cin !== expected) {
    return refuse('wrong_cin', `CIN "${cin}" errato: per ABI ${abi}, CAB ${cab}, conto ${account} il CIN è "${expected}"`)
  }
  return { ok: true, iban, formatted: friendlyFormatIBAN(iban) ?? iban, abi, cab, account, cin }
}

function refuse(reason: IbanRefusal, message: string): ItalianIbanCheck {
  return { ok: false, reason, message }
}

/** Builds a complete Italian IBAN (CIN and check digits) from ABI, CAB and conto: for tests and demo data. */
export function composeItalianIban(abi: string, cab: string, account: string): string {
  const conto = account.toUpperCase().padStart(12, '0')
  const cin = italianCin(abi, cab, conto)
  const bban = `${cin}${abi}${cab}${conto}`
  // ISO 13616: move "IT00" to the end, letters as 10–35, check digits = 98 − (value mod 97)
  const digits = `${bban}IT00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55))
  let remainder = 0
  for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97
  return `IT${String(98 - remainder).padStart(2, '0')}${bban}`
}

/**
 * Any SEPA IBAN as typed (a refund goes back to the payer's account, wherever it is): the shape and
 * mod-97 check digits through ibantools, and the CIN too when it is Italian. The electronic form,
 * or null when it does not hold.
 */
export function checkedIban(input: string): string | null {
  const iban = electronicFormatIBAN(input ?? '') ?? ''
  if (!iban || !validateIBAN(iban).valid) return null
  if (iban.startsWith('IT') && !validateItalianIban(iban).ok) return null
  return iban
}
