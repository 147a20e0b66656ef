import { codicefiscale } from '../core/italian-tax-ids'
import { compareDates, parseCalendarDate, type CalendarDate } from '../core/calendar'
import { isSupportedPasswordHash } from './passwords'
import { MAILBOX_STATUSES, REGISTERS, type MailboxStatus, type Register } from './schema'

/**
 * The mail platform's mailbox export, one row per mailbox (issue 2, `import mailboxes`): pure
 * parsing and validation, no I/O. Reasons are English sentences naming the column and the value.
 */

export const REQUIRED_COLUMNS = [
  'address',
  'account_id',
  'holder_first_name',
  'holder_last_name',
  'fiscal_code',
  'reference_email',
  'convention',
  'activated_on',
  'expires_on',
] as const
export const OPTIONAL_COLUMNS = [
  'status',
  'register',
  'language',
  'account_password_hash',
  'mailbox_password_hash',
] as const
type Column = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number]
const ALL_COLUMNS: readonly Column[] = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS]

/** Where each column sits in a record; optional columns may be absent. */
export interface ColumnLayout {
  index: Partial<Record<Column, number>>
  width: number
}

export const LANGUAGES = ['it', 'en'] as const
export type Language = (typeof LANGUAGES)[number]

/**
 * A valid row, normalised (addresses lower case, codice fiscale upper case). An optional value left
 * blank is null: a new mailbox then gets the default (active, none, it), a stored one keeps its own.
 */
export interface MailboxRow {
  address: string
  accountId: string
  firstName: string
  lastName: string
  fiscalCode: string
  referenceEmail: string
  conventionCode: string
  activatedOn: CalendarDate
  expiresOn: CalendarDate
  status: MailboxStatus | null
  register: Register | null
  language: Language | null
  accountPasswordHash: string | null
  mailboxPasswordHash: string | null
}

export type RowResult = { ok: true; row: MailboxRow } | { ok: false; reason: string }

/** Reads the header row (names in any case); throws a message naming every unknown, repeated or missing column. */
export function readHeader(header: string[]): ColumnLayout {
  const index: Partial<Record<Column, number>> = {}
  const unknown: string[] = []
  const repeated: string[] = []
  header.forEach((raw, position) => {
    const name = raw.trim().toLowerCase()
    if (!(ALL_COLUMNS as readonly string[]).includes(name)) unknown.push(name)
    else if (index[name as Column] !== undefined) repeated.push(name)
    else index[name as Column] = position
  })
  const missing = REQUIRED_COLUMNS.filter((column) => index[column] === undefined)
  const problems = [
    unknown.length ? `unknown column${plural(unknown)} ${unknown.map(quote).join(', ')}` : '',
    repeated.length ? `repeated column${plural(repeated)} ${repeated.map(quote).join(', ')}` : '',
    missing.length ? `missing column${plural(missing)} ${missing.join(', ')}` : '',
  ].filter(Boolean)
  if (problems.length) {
    throw new Error(
      `the header has ${problems.join('; ')}. Expected columns: ${REQUIRED_COLUMNS.join(', ')}; optional: ${OPTIONAL_COLUMNS.join(', ')}`,
    )
  }
  return { index, width: header.length }
}

/**
 * Validates one record against the header layout and the known conventions (lower-cased code →
 * stored code). Every problem of the row is reported, not only the first.
 */
export function parseMailboxRow(fields: string[], layout: ColumnLayout, conventions: Map<string, string>): RowResult {
  if (fields.length !== layout.width) {
    return { ok: false, reason: `the row has ${fields.length} fields but the header has ${layout.width}` }
  }
  const value = (column: Column) => {
    const position = layout.index[column]
    return position === undefined ? '' : fields[position].trim()
  }
  const problems: string[] = []

  const address = value('address').toLowerCase()
  if (!address) problems.push('address is empty')
  else if (!isEmailAddress(address)) problems.push(`address ${quote(address)} is not a valid e-mail address`)

  const accountId = value('account_id')
  if (!accountId) problems.push('account_id is empty')
  else if (!/^[^\s\p{Cc}]{1,64}$/u.test(accountId)) {
    problems.push(`account_id ${quote(accountId)} must be 1 to 64 characters without spaces`)
  }

  const firstName = value('holder_first_name')
  const lastName = value('holder_last_name')
  checkName('holder_first_name', firstName, problems)
  checkName('holder_last_name', lastName, problems)

  const fiscalCode = value('fiscal_code').toUpperCase().replace(/\s/g, '')
  const fiscalProblem = fiscalCodeProblem(fiscalCode)
  if (fiscalProblem) problems.push(`fiscal_code ${quote(value('fiscal_code'))} ${fiscalProblem}`)

  const referenceEmail = value('reference_email').toLowerCase()
  if (!referenceEmail) problems.push('reference_email is empty')
  else if (!isEmailAddress(referenceEmail)) {
    problems.push(`reference_email ${quote(referenceEmail)} is not a valid e-mail address`)
  }

  const conventionText = value('convention')
  const conventionCode = conventions.get(conventionText.toLowerCase())
  if (!conventionText) problems.push('convention is empty')
  else if (!conventionCode) problems.push(`convention ${quote(conventionText)} does not exist`)

  const activatedOn = calendarDate('activated_on', value('activated_on'), problems)
  const expiresOn = calendarDate('expires_on', value('expires_on'), problems)
  if (activatedOn && expiresOn && compareDates(activatedOn, expiresOn) > 0) {
    problems.push(`activated_on ${activatedOn} is after expires_on ${expiresOn}`)
  }

  const status = choice('status', value('status'), MAILBOX_STATUSES, problems)
  const register = choice('register', value('register'), REGISTERS, problems)
  const language = choice('language', value('language'), LANGUAGES, problems)
  const accountPasswordHash = passwordHash('account_password_hash', value('account_password_hash'), problems)
  const mailboxPasswordHash = passwordHash('mailbox_password_hash', value('mailbox_password_hash'), problems)

  if (problems.length) return { ok: false, reason: problems.join('; ') }
  return {
    ok: true,
    row: {
      address,
      accountId,
      firstName,
      lastName,
      fiscalCode,
      referenceEmail,
      conventionCode: conventionCode!,
      activatedOn: activatedOn!,
      expiresOn: expiresOn!,
      status,
      register,
      language,
      accountPasswordHash,
      mailboxPasswordHash,
    },
  }
}

/** What every row of one account must agree on: the holder's data is the account's, not the row's. */
export function accountFingerprint(row: MailboxRow): string {
  return [
    row.firstName,
    row.lastName,
    row.fiscalCode,
    row.referenceEmail,
    row.language ?? '',
    row.accountPasswordHash ?? '',
  ].join('\u001f') // unit separator: validated values never contain control characters
}

const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/

/** A plain internet address (RFC 5321 dot-atom, no quoted local parts, no IP literals), lower case. */
export function isEmailAddress(text: string): boolean {
  if (text.length > 254) return false
  const at = text.lastIndexOf('@')
  if (at < 1) return false
  const local = text.slice(0, at)
  const domain = text.slice(at + 1)
  return local.length <= 64 && LOCAL_PART.test(local) && DOMAIN.test(domain)
}

/** Why a codice fiscale is refused (omocodia accepted), or null when it is a person's valid code. */
export function fiscalCodeProblem(code: string): string | null {
  if (!code) return 'is empty'
  const result = codicefiscale.validate(code)
  if (!result.isValid) {
    switch (result.error?.name) {
      case 'InvalidLength':
        return 'must have 16 characters'
      case 'InvalidChecksum':
        return 'is not a valid codice fiscale: the check character is wrong'
      default:
        return 'is not a valid codice fiscale'
    }
  }
  return result.isIndividual ? null : "is a company's tax number, not a person's codice fiscale"
}

function checkName(column: Column, name: string, problems: string[]) {
  if (!name) problems.push(`${column} is empty`)
  else if (name.length > 100) problems.push(`${column} ${quote(name)} is longer than 100 characters`)
  else if (/\p{Cc}/u.test(name) || !/\p{L}/u.test(name)) problems.push(`${column} ${quote(name)} is not a name`)
}

function calendarDate(column: Column, text: string, problems: string[]): CalendarDate | null {
  if (!text) {
    problems.push(`${column} is empty`)
    return null
  }
  const date = cachedCalendarDate(text)
  if (!date) problems.push(`${column} ${quote(text)} is not a date as YYYY-MM-DD`)
  return date
}

// An export repeats a few thousand dates over a million rows, and a Temporal parse costs ~4 µs.
const parsedDates = new Map<string, CalendarDate | null>()

function cachedCalendarDate(text: string): CalendarDate | null {
  let date = parsedDates.get(text)
  if (date === undefined) {
    try {
      date = parseCalendarDate(text)
    } catch {
      date = null
    }
    if (parsedDates.size < 50_000) parsedDates.set(text, date)
  }
  return date
}

function choice<T extends string>(column: Column, text: string, allowed: readonly T[], problems: string[]): T | null {
  if (!text) return null
  const lower = text.toLowerCase()
  if ((allowed as readonly string[]).includes(lower)) return lower as T
  problems.push(`${column} ${quote(text)} is not one of ${allowed.join(', ')}`)
  return null
}

function passwordHash(column: Column, text: string, problems: string[]): string | null {
  if (!text) return null
  if (isSupportedPasswordHash(text)) return text
  const shown = text.length > 16 ? `${text.slice(0, 16)}…` : text // enough to recognise the scheme
  problems.push(`${column} ${quote(shown)} is not an argon2id, bcrypt or SHA512-CRYPT hash`)
  return null
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)
}

function plural(list: readonly unknown[]): string {
  return list.length > 1 ? 's' : ''
}
