/**
 * Builds report lines in the layout src/payments/postal/poste-report.ts documents (200 bytes,
 * 1-based positions): fields 1–6 as Poste publishes them, 7–11 and the summary record ours.
 */
export interface RecordSpec {
  load?: string // progressivo caricamento, 8 digits
  selection?: string // progressivo selezione, 7 digits
  account?: string // 12 digits
  acceptedOn?: string // AAMMGG
  type?: string // 3 digits
  amountCents: number
  office?: string // 8
  creditedOn?: string // AAMMGG or blank
  codiceCliente?: string // 18
  causale?: string // 60
}

const right = (text: string, length: number) => text.padStart(length, '0').slice(-length)
const left = (text: string, length: number) => text.padEnd(length, ' ').slice(0, length)

export function posteRecord(spec: RecordSpec): string {
  const line =
    right(spec.load ?? '00100001', 8) +
    right(spec.selection ?? '0000001', 7) +
    right(spec.account ?? '000012345678', 12) +
    (spec.acceptedOn ?? '260505') +
    (spec.type ?? '896') +
    right(String(spec.amountCents), 10) +
    left(spec.office ?? '55123001', 8) +
    left(spec.creditedOn ?? '260506', 6) +
    left(spec.codiceCliente ?? '', 18) +
    left(spec.causale ?? '', 60) +
    ' '.repeat(62)
  if ([...line].length !== 200) throw new Error(`record of ${[...line].length} characters`)
  return line
}

export function posteSummary(records: number, totalCents: number): string {
  return `${'0'.repeat(33)}999${right(String(totalCents), 10)}${right(String(records), 8)}`.padEnd(200, ' ')
}

/** A report file: records, the summary record, CRLF line ends as Poste sends them. */
export function posteReport(records: RecordSpec[], options: { summary?: boolean; eol?: string } = {}): string {
  const eol = options.eol ?? '\r\n'
  const lines = records.map(posteRecord)
  if (options.summary ?? true) lines.push(posteSummary(records.length, records.reduce((sum, r) => sum + r.amountCents, 0)))
  return lines.map((l) => l + eol).join('')
}
