import { createReadStream } from 'node:fs'
import { parseCalendarDate, type CalendarDate } from '../../core/calendar'

/**
 * Poste Italiane's payments report ("rendicontazione bollettini incassati", BancoPosta): one
 * fixed-width record of 200 bytes per slip credited to the postal account, ASCII, one record per
 * line (CRLF or LF), optionally closed by a summary record ("record riepilogativo").
 *
 * Fields 1–6 follow Poste's published layout ("Tracciato record rendicontazione bollettini
 * incassati", Poste Italiane – Patrimonio BancoPosta, Ed. Novembre 2015, and "… bollettini tributi",
 * Ed. Luglio 2018: RECORD = 200 Bytes, CODIFICA = ASCII). The transcriptions we could find stop
 * after field 6, so fields 7–11 and the summary record are OUR layout: the positions below are
 * what this parser and test/fixtures/postal/ follow, to be checked against the provider's own
 * Poste contract documentation before production. Positions are 1-based, as in Poste's tables.
 *
 *   #  field                                   start  len  type  source
 *   1  progressivo caricamento                     1    8   N    Poste (3 bobina + 5 progressive in bobina)
 *   2  progressivo selezione                       9    7   N    Poste
 *   3  numero c/c beneficiario                    16   12   N    Poste
 *   4  data accettazione (payment date) AAMMGG    28    6   N    Poste
 *   5  tipo documento (896, 674, 451, 123, 247)   34    3   N    Poste
 *   6  importo, cents (8 integer + 2 decimal)     37   10   N    Poste
 *   7  ufficio / sportello di accettazione        47    8   AN   ours
 *   8  data accredito AAMMGG                      55    6   N    ours (blank allowed)
 *   9  codice cliente (TD 896; blank otherwise)   61   18   AN   ours
 *  10  causale (TD 674, 451, 123: as keyed)       79   60   AN   ours
 *  11  filler, spaces                            139   62   AN   ours
 *
 * Summary record (ours): tipo documento 999; field 6 holds the total of all amounts, positions
 * 47–54 (8 digits) the number of payment records. When present, both must agree with the records
 * above it, which detects a truncated file.
 *
 * Tolerated: CRLF or LF, a missing final newline, blank lines, spaces after byte 200, and lines
 * shorter than 200 whose missing tail is trailing spaces an editor or mail gateway stripped (the
 * numeric fields 1–8, or the summary's count, must be complete). Text in UTF-8 or Latin-1 is read
 * as such (Poste writes ASCII), a character counting once whatever its bytes; a character outside
 * ASCII is only accepted in the causale. Any other deviation is a PosteReportError naming the
 * line, and the whole file is refused.
 */
export const RECORD_LENGTH = 200
const NUMERIC_END = 60 // fields 1–8 end here
const SUMMARY_END = 54 // the summary's record count ends here
const SUMMARY_TYPE = '999'
const MAX_LINE_BYTES = 1000 // far beyond a record: a binary or single-line file fails fast, memory stays bounded

const FIELDS = {
  loadSequence: [1, 8],
  selectionSequence: [9, 7],
  postalAccount: [16, 12],
  acceptedOn: [28, 6],
  documentType: [34, 3],
  amount: [37, 10],
  office: [47, 8],
  creditedOn: [55, 6],
  codiceCliente: [61, 18],
  causale: [79, 60],
  filler: [139, 62],
} as const satisfies Record<string, readonly [number, number]>

export interface PosteSlipRecord {
  /** 1-based line in the file. */
  line: number
  /** Stable unique key of this payment: account, payment date and Poste's two sequence numbers. */
  entryRef: string
  loadSequence: string
  selectionSequence: string
  postalAccount: string
  /** Data accettazione: the day the slip was paid at the post office. */
  paidOn: CalendarDate
  /** '896' premarcato (codice cliente), '674' parzialmente premarcato (causale), … */
  documentType: string
  amountCents: number
  office: string
  creditedOn: CalendarDate | null
  /** 18 characters as reported (not checked here); null when blank or all zeros. */
  codiceCliente: string | null
  /** The payment reason as keyed at the counter; '' when blank. */
  causale: string
}

export interface PosteReportSummary {
  line: number
  records: number
  totalCents: number
}

export class PosteReportError extends Error {
  constructor(
    readonly line: number | null,
    message: string,
  ) {
    super(line === null ? message : `riga ${line}: ${message}`)
    this.name = 'PosteReportError'
  }
}

/** Reads one report line (without its line break) into a record, or the summary; throws PosteReportError. */
export function parsePosteLine(bytes: Buffer, line: number): PosteSlipRecord | PosteReportSummary | null {
  const text = decodeLine(bytes)
  if (text.trim() === '') return null
  const chars = [...text]
  if (chars.length > RECORD_LENGTH) {
    if (chars.slice(RECORD_LENGTH).join('').trim() !== '') {
      throw new PosteReportError(line, `record di ${chars.length} caratteri, attesi ${RECORD_LENGTH}`)
    }
    chars.length = RECORD_LENGTH
  } else if (chars.length < RECORD_LENGTH) {
    const minimum = chars.slice(33, 36).join('') === SUMMARY_TYPE ? SUMMARY_END : NUMERIC_END
    // an editor strips trailing spaces down to the last character of data; a short line that still
    // ends in a space was cut, not trimmed
    if (chars.length < minimum || chars[chars.length - 1] === ' ') {
      throw new PosteReportError(line, `record di ${chars.length} caratteri, attesi ${RECORD_LENGTH} (file troncato?)`)
    }
    while (chars.length < RECORD_LENGTH) chars.push(' ') // trailing spaces stripped in transit
  }
  const field = (name: keyof typeof FIELDS) => {
    const [start, length] = FIELDS[name]
    return chars.slice(start - 1, start - 1 + length).join('')
  }
  const digits = (name: keyof typeof FIELDS, label: string) => {
    const value = field(name)
    if (!/^\d+$/.test(value)) throw new PosteReportError(line, `${label} non numerico: "${value}"`)
    return value
  }

  const documentType = digits('documentType', 'tipo documento')
  const amountCents = Number(digits('amount', 'importo'))
  if (documentType === SUMMARY_TYPE) {
    const count = field('office')
    if (!/^\d{8}$/.test(count)) throw new PosteReportError(line, `record riepilogativo: numero di record non numerico: "${count}"`)
    return { line, records: Number(count), totalCents: amountCents }
  }
  const loadSequence = digits('loadSequence', 'progressivo caricamento')
  const selectionSequence = digits('selectionSequence', 'progressivo selezione')
  const postalAccount = digits('postalAccount', 'numero di conto corrente')
  const paidOn = reportDate(field('acceptedOn'), line, 'data accettazione')
  const credited = field('creditedOn')
  const creditedOn = credited.trim() === '' || /^0+$/.test(credited) ? null : reportDate(credited, line, 'data accredito')
  for (const name of ['office', 'codiceCliente'] as const) {
    if (/[^\x20-\x7e]/.test(field(name))) throw new PosteReportError(line, `carattere non ASCII nel campo ${name}`)
  }
  const code = field('codiceCliente').trim()
  return {
    line,
    entryRef: `${postalAccount}-${paidOn.replace(/-/g, '')}-${loadSequence}-${selectionSequence}`,
    loadSequence,
    selectionSequence,
    postalAccount,
    paidOn,
    documentType,
    amountCents,
    office: field('office').trim(),
    creditedOn,
    codiceCliente: code === '' || /^0+$/.test(code) ? null : code,
    causale: field('causale').replace(/\s+/g, ' ').trim(),
  }
}

export function isSummary(entry: PosteSlipRecord | PosteReportSummary): entry is PosteReportSummary {
  return !('entryRef' in entry)
}

/** AAMMGG → 'YYYY-MM-DD' (20YY); refuses a date that does not exist. */
function reportDate(text: string, line: number, label: string): CalendarDate {
  if (!/^\d{6}$/.test(text)) throw new PosteReportError(line, `${label} non valida: "${text}"`)
  try {
    return parseCalendarDate(`20${text.slice(0, 2)}-${text.slice(2, 4)}-${text.slice(4, 6)}`)
  } catch {
    throw new PosteReportError(line, `${label} inesistente: "${text}" (AAMMGG)`)
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })
const latin1 = new TextDecoder('windows-1252')

/** Poste writes ASCII; a file re-saved as UTF-8 or Latin-1 (accents in a causale) still reads right. */
function decodeLine(bytes: Buffer): string {
  try {
    return utf8.decode(bytes)
  } catch {
    return latin1.decode(bytes)
  }
}

/**
 * The lines of a report as bytes, without CR/LF, however its chunks are cut (a character's bytes
 * split across two chunks are joined before the line is decoded): memory stays bounded whatever the
 * file size, as a line longer than MAX_LINE_BYTES is refused as soon as it is.
 */
async function* reportLines(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<{ bytes: Buffer; line: number }> {
  let pending = Buffer.alloc(0)
  let line = 0
  for await (const piece of source) {
    const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength)
    let data = pending.length ? Buffer.concat([pending, chunk]) : chunk
    let newline: number
    while ((newline = data.indexOf(0x0a)) !== -1) {
      line++
      yield { bytes: stripCr(data.subarray(0, newline)), line }
      data = data.subarray(newline + 1)
    }
    if (data.length > MAX_LINE_BYTES) {
      throw new PosteReportError(line + 1, `riga oltre ${MAX_LINE_BYTES} byte: non è un file di record da ${RECORD_LENGTH} byte`)
    }
    pending = Buffer.from(data)
  }
  if (pending.length) yield { bytes: stripCr(pending), line: line + 1 }
}

function stripCr(bytes: Buffer): Buffer {
  return bytes.length && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, -1) : bytes
}

/** The payment records of a report file, in file order; the summary record, when present, is checked. */
export function readPosteReport(filePath: string): AsyncGenerator<PosteSlipRecord> {
  return parsePosteReport(createReadStream(filePath, { highWaterMark: 64 * 1024 }))
}

/** The payment records of a report read from its bytes in chunks, in file order; the summary record, when present, is checked. */
export async function* parsePosteReport(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<PosteSlipRecord> {
  let count = 0
  let totalCents = 0
  let summary: PosteReportSummary | null = null
  for await (const { bytes, line } of reportLines(source)) {
    if (bytes.length > MAX_LINE_BYTES) throw new PosteReportError(line, `riga oltre ${MAX_LINE_BYTES} byte`)
    const entry = parsePosteLine(bytes, line)
    if (!entry) continue
    if (summary) throw new PosteReportError(line, 'record dopo il record riepilogativo')
    if (isSummary(entry)) {
      summary = entry
      continue
    }
    count++
    totalCents += entry.amountCents
    yield entry
  }
  if (summary && (summary.records !== count || summary.totalCents !== totalCents)) {
    throw new PosteReportError(
      summary.line,
      `il record riepilogativo dichiara ${summary.records} versamenti per ${summary.totalCents} centesimi, ` +
        `il file ne contiene ${count} per ${totalCents} (file troncato o alterato)`,
    )
  }
}

/** Checks a whole report without keeping it: the number of payment records, or a PosteReportError. */
export async function checkPosteReport(filePath: string): Promise<number> {
  let count = 0
  for await (const _record of readPosteReport(filePath)) count++
  return count
}
