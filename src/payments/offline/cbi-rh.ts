import { composeIBAN } from 'ibantools'
import type { CalendarDate } from '../../core/calendar'
import { isCalendarDate } from '../../core/calendar'
import { detached, StatementError, type StatementEntry } from './statement-entry'

/**
 * The Italian CBI "RH" movements file (Rendicontazione movimenti di conto corrente): fixed records of
 * 120 characters, one per line (CR LF) or back to back. The layout below follows the CBI standard
 * "Rendicontazione movimenti di c/c" as reproduced by public parsers (an open-source CAMT/CBI import
 * module documents record 62 as "4-10 progressivo, 11-13 n. movimento, 14-19 data valuta, 20-25 data
 * contabile, 26 segno, 27-41 importo, 42-43 causale, 62-77 riferimento banca, 87-120 descrizione",
 * and the 64 record as "4-10 progressivo, 11-13 divisa, 14-19 data, 20 segno, 21-35 saldo"); check
 * it against a real file from your bank. Positions are 1-based, as in the CBI documents.
 *
 *   RH  2-3 "RH", 4-8 sender (bank ABI), 9-13 receiver (company SIA), 14-19 creation date DDMMYY,
 *       20-39 file name
 *   61  opening balance: 4-10 statement number, 52 CIN, 53-57 ABI, 58-62 CAB, 63-74 account number,
 *       75-77 currency, 78-83 booking date DDMMYY, 84 sign C/D, 85-99 balance
 *   62  movement: 4-10 statement number, 11-13 movement number, 14-19 value date, 20-25 booking date,
 *       26 sign C/D, 27-41 amount ("000000000012,20", or cents without comma), 42-43 CBI reason code
 *       (causale), 44-45 bank's own reason code, 46-61 cheque number, 62-77 bank reference,
 *       78-86 customer reference type, 87-120 description
 *   63  more description of the movement before it: 4-10 statement, 11-13 movement, 14-120 text;
 *       structured when 14-16 is a tag: "YYY" ordering party (date DDMMYYYY, then name), "ID1"
 *       end-to-end id, "RI1"/"RI2" remittance information (the payer's causale)
 *   64  closing balance: 4-10 statement number, 11-13 currency, 14-19 booking date, 20 sign C/D,
 *       21-35 book balance, 36 sign, 37-51 available balance
 *   EF  trailer: 4-8 sender, 9-13 receiver, 14-19 creation date, 20-39 file name, 46-52 number of
 *       statements, 83-89 number of records
 * Integrity: each 61 must be closed by a 64, the file by an EF, and the movements between them must
 * add up from the opening to the closing balance; otherwise the whole file is refused.
 * Bounds, whatever the chunks the file arrives in: a line longer than a record is refused as soon
 * as it is (a file with no line end cannot grow in memory), every field is as wide as its record
 * allows, and a movement takes at most MAX_DETAIL_RECORDS records 63, so an entry's text stays small.
 */

export const CBI_RECORD_LENGTH = 120
/** Records 63 of one movement: a bank writes one per tag (ordering party, addresses, ids, RI1/RI2, …), about a dozen. */
export const MAX_DETAIL_RECORDS = 20

const tooLong = (line: number, length: number): never => {
  throw new StatementError('field_too_long', `line ${line} is ${length > 4 * CBI_RECORD_LENGTH ? 'over ' : ''}${length} characters long, a record has ${CBI_RECORD_LENGTH}`, {
    element: 'record',
    line,
    limit: CBI_RECORD_LENGTH,
  })
}

const field = (record: string, from: number, to: number) => record.slice(from - 1, to)

function cbiDate(text: string): CalendarDate | null {
  if (!/^\d{6}$/.test(text)) return null
  const iso = `20${text.slice(4, 6)}-${text.slice(2, 4)}-${text.slice(0, 2)}`
  return isCalendarDate(iso) ? iso : null
}

/** "000000000012,20" (or "000000000001220" in cents) → 1220. */
function cbiAmount(text: string): number | null {
  const t = text.trim()
  const withComma = /^(\d{1,12}),(\d{2})$/.exec(t)
  if (withComma) return Number(withComma[1]) * 100 + Number(withComma[2])
  return /^\d{1,15}$/.test(t) ? Number(t) : null
}

function signed(sign: string, cents: number): number {
  return sign === 'D' ? -cents : cents
}

interface Movement {
  record62: string
  line: number
  remittance: string[]
  extra: string[]
  endToEndId: string | null
  debtorName: string | null
  details: number
}

/** Splits a byte stream into 120-character records: by line, or in fixed slices when there are no line ends. */
async function* records(source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): AsyncGenerator<{ record: string; line: number }> {
  let pending = ''
  let line = 0
  let lineMode: boolean | null = null
  for await (const chunk of source) {
    // latin1: every byte is a character; CBI files are ASCII, banks sometimes put accents in names
    pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1')
    if (lineMode === null && (pending.length > CBI_RECORD_LENGTH + 2 || pending.includes('\n'))) lineMode = /[\r\n]/.test(pending.slice(0, CBI_RECORD_LENGTH + 2))
    if (lineMode === null) continue
    if (lineMode) {
      let at: number
      while ((at = pending.indexOf('\n')) >= 0) {
        const record = pending.slice(0, at).replace(/\r$/, '')
        pending = pending.slice(at + 1)
        line++
        if (record.trim()) yield { record, line }
      }
    } else {
      while (pending.length >= CBI_RECORD_LENGTH) {
        line++
        yield { record: pending.slice(0, CBI_RECORD_LENGTH), line }
        pending = pending.slice(CBI_RECORD_LENGTH)
      }
    }
    if (pending.length > 4 * CBI_RECORD_LENGTH) tooLong(line + 1, pending.length)
  }
  if (pending.replace(/\r?\n?$/, '').trim()) yield { record: pending.replace(/\r?\n?$/, ''), line: line + 1 }
}

/** Streams the movements of a CBI RH file as normalized entries (credits and debits, all booked). */
export async function* parseCbiRh(source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): AsyncGenerator<StatementEntry> {
  let header = false
  let trailer = false
  let statement: { number: string; account: string; currency: string; opening: number; sum: number } | null = null
  let movement: Movement | null = null
  let recordCount = 0

  const fail = (line: number, message: string): never => {
    throw new StatementError('malformed', `line ${line}: ${message}`)
  }

  function entryOf(m: Movement): StatementEntry {
    const r = m.record62
    const sign = field(r, 26, 26)
    const amountCents = cbiAmount(field(r, 27, 41))
    if ((sign !== 'C' && sign !== 'D') || amountCents === null) fail(m.line, 'record 62 has no valid sign and amount at 26–41')
    statement!.sum += signed(sign, amountCents!)
    const bankRef = detached(field(r, 62, 77).trim()) || null
    const description = field(r, 87, 120).trim()
    const movementNumber = `${field(r, 4, 10)}/${field(r, 11, 13)}`
    return {
      entryRef: bankRef ?? `${field(r, 20, 25)}/${movementNumber}`,
      account: statement!.account,
      bookingDate: cbiDate(field(r, 20, 25)),
      valueDate: cbiDate(field(r, 14, 19)),
      currency: statement!.currency,
      amountCents: amountCents!,
      creditDebit: sign === 'C' ? 'CRDT' : 'DBIT',
      status: 'BOOK', // the RH file reports booked movements only
      reversal: false, // a CBI storno is an ordinary movement of the opposite sign
      remittanceText: [...m.remittance, description, ...m.extra].filter(Boolean).join(' '),
      debtorName: m.debtorName || undefined, // one shape for every entry: absent is undefined
      debtorIban: undefined, // an RH movement does not carry the payer's account
      bankRef,
      endToEndId: m.endToEndId || undefined,
    }
  }

  for await (const { record: raw, line } of records(source)) {
    if (/[\x00-\x08\x0b\x0c\x0e-\x1f]/.test(raw)) fail(line, 'binary data: not a CBI file')
    if (raw.length > CBI_RECORD_LENGTH) tooLong(line, raw.length)
    const record = raw.padEnd(CBI_RECORD_LENGTH) // some banks trim trailing blanks
    const type = field(record, 2, 3)
    recordCount++
    if (!header) {
      if (type !== 'RH') throw new StatementError('not_a_statement', `line ${line}: a CBI RH file starts with an RH record`)
      header = true
      continue
    }
    if (trailer) fail(line, 'records after the EF trailer')
    if (type !== '63' && movement) {
      yield entryOf(movement)
      movement = null
    }
    switch (type) {
      case '61': {
        if (statement) fail(line, 'record 61 before the 64 that closes the previous statement')
        const bban = `${field(record, 52, 52)}${field(record, 53, 57)}${field(record, 58, 62)}${field(record, 63, 74)}`
        const opening = cbiAmount(field(record, 85, 99))
        if (opening === null) fail(line, 'record 61 has no opening balance at 85–99')
        statement = {
          number: field(record, 4, 10),
          account: composeIBAN({ countryCode: 'IT', bban }) ?? `IT-BBAN-${bban.trim()}`,
          currency: field(record, 75, 77).trim() || 'EUR',
          opening: signed(field(record, 84, 84), opening!),
          sum: 0,
        }
        break
      }
      case '62':
        if (!statement) fail(line, 'record 62 outside a statement (no 61 before it)')
        movement = { record62: record, line, remittance: [], extra: [], endToEndId: null, debtorName: null, details: 0 }
        break
      case '63': {
        if (!movement) fail(line, 'record 63 without the 62 it continues')
        if (++movement!.details > MAX_DETAIL_RECORDS) {
          throw new StatementError('too_many_elements', `line ${line}: more than ${MAX_DETAIL_RECORDS} records 63 for the movement of line ${movement!.line}`, {
            element: 'record 63',
            line,
            limit: MAX_DETAIL_RECORDS,
          })
        }
        const tag = field(record, 14, 16)
        const content = field(record, 17, 120).trim()
        if (tag === 'RI1' || tag === 'RI2') movement!.remittance.push(content)
        else if (tag === 'ID1') movement!.endToEndId = content && content !== 'NOTPROVIDED' ? content : null
        else if (tag === 'YYY') movement!.debtorName ??= content.replace(/^\d{8}\s*/, '').split(/\s{3,}/)[0] || null
        else movement!.extra.push(field(record, 14, 120).trim())
        break
      }
      case '64': {
        if (!statement) fail(line, 'record 64 without a 61')
        const closing = cbiAmount(field(record, 21, 35))
        if (closing === null) fail(line, 'record 64 has no closing balance at 21–35')
        const expected = statement!.opening + statement!.sum
        if (signed(field(record, 20, 20), closing!) !== expected) {
          fail(line, `movements do not add up: opening plus movements is ${expected} cents, the closing balance says ${signed(field(record, 20, 20), closing!)}`)
        }
        statement = null
        break
      }
      case 'EF':
        if (statement) fail(line, 'EF before the 64 that closes the statement')
        trailer = true
        break
      case '65':
        break // intraday balances: nothing to register
      default:
        fail(line, `unknown record type "${type}"`)
    }
  }
  if (!header) throw new StatementError('not_a_statement', 'empty file')
  if (!trailer) throw new StatementError('truncated', `the file ends after ${recordCount} records without the EF trailer`)
}
