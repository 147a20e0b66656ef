// Builds camt.053 (any version 02–08) and CBI RH statements for tests and bench/statements.

export interface EntrySpec {
  amountCents: number
  creditDebit?: 'CRDT' | 'DBIT'
  status?: 'BOOK' | 'PDNG'
  reversal?: boolean
  currency?: string
  bookingDate?: string
  acctSvcrRef?: string | null
  endToEndId?: string
  remittance?: string[]
  debtorName?: string
  /** The payer's IBAN (RltdPties/DbtrAcct). */
  debtorIban?: string
  /** A batch booking: one entry carrying these transactions. */
  batch?: Array<{ amountCents: number; acctSvcrRef?: string; remittance: string[]; debtorName?: string }>
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const amount = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`

export const ACCOUNT_IBAN = 'IT60X0542811101000000123456'

export function camtHeader(version = 8, stmtId = 'STMT-1', account = ACCOUNT_IBAN): string {
  const v = String(version).padStart(2, '0')
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.${v}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-${stmtId}</MsgId><CreDtTm>2026-05-02T08:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>${stmtId}</Id>
      <CreDtTm>2026-05-02T08:00:00</CreDtTm>
      <Acct><Id><IBAN>${account}</IBAN></Id><Ccy>EUR</Ccy></Acct>
`
}

export const CAMT_FOOTER = `    </Stmt>
  </BkToCstmrStmt>
</Document>
`

function party(version: number, name?: string, iban?: string): string {
  if (!name && !iban) return ''
  const debtor = !name ? '' : version >= 8 ? `<Dbtr><Pty><Nm>${escape(name)}</Nm></Pty></Dbtr>` : `<Dbtr><Nm>${escape(name)}</Nm></Dbtr>`
  return `<RltdPties>${debtor}${iban ? `<DbtrAcct><Id><IBAN>${iban}</IBAN></Id></DbtrAcct>` : ''}</RltdPties>`
}

function txAmount(version: number, cents: number, ccy: string): string {
  // .02 knows only AmtDtls/TxAmt/Amt; later versions have TxDtls/Amt
  return version === 2 ? `<AmtDtls><TxAmt><Amt Ccy="${ccy}">${amount(cents)}</Amt></TxAmt></AmtDtls>` : `<Amt Ccy="${ccy}">${amount(cents)}</Amt>`
}

function remittance(lines: string[]): string {
  return lines.length ? `<RmtInf>${lines.map((l) => `<Ustrd>${escape(l)}</Ustrd>`).join('')}</RmtInf>` : ''
}

export function camtEntry(e: EntrySpec, version = 8): string {
  const ccy = e.currency ?? 'EUR'
  const status = e.status ?? 'BOOK'
  const sts = version >= 6 ? `<Sts><Cd>${status}</Cd></Sts>` : `<Sts>${status}</Sts>`
  const date = e.bookingDate ?? '2026-05-02'
  const ref = e.acctSvcrRef === null ? '' : `<AcctSvcrRef>${escape(e.acctSvcrRef ?? '')}</AcctSvcrRef>`
  const details = e.batch
    ? e.batch
        .map(
          (t) =>
            `<TxDtls><Refs>${t.acctSvcrRef ? `<AcctSvcrRef>${t.acctSvcrRef}</AcctSvcrRef>` : ''}<EndToEndId>NOTPROVIDED</EndToEndId></Refs>${txAmount(version, t.amountCents, ccy)}${party(version, t.debtorName)}${remittance(t.remittance)}</TxDtls>`,
        )
        .join('')
    : `<TxDtls><Refs><EndToEndId>${escape(e.endToEndId ?? 'NOTPROVIDED')}</EndToEndId></Refs>${txAmount(version, e.amountCents, ccy)}${party(version, e.debtorName, e.debtorIban)}${remittance(e.remittance ?? [])}</TxDtls>`
  return `      <Ntry>
        <Amt Ccy="${ccy}">${amount(e.amountCents)}</Amt>
        <CdtDbtInd>${e.creditDebit ?? 'CRDT'}</CdtDbtInd>
        ${e.reversal ? '<RvslInd>true</RvslInd>' : ''}
        ${sts}
        <BookgDt><Dt>${date}</Dt></BookgDt>
        <ValDt><Dt>${date}</Dt></ValDt>
        ${ref}
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>${details}</NtryDtls>
      </Ntry>
`
}

export function camtStatement(entries: EntrySpec[], options: { version?: number; stmtId?: string; account?: string } = {}): string {
  const version = options.version ?? 8
  return camtHeader(version, options.stmtId, options.account) + entries.map((e) => camtEntry(e, version)).join('') + CAMT_FOOTER
}

// ---- CBI RH (layout in src/payments/offline/cbi-rh.ts) ----

const text = (s: string, n: number) => s.slice(0, n).padEnd(n)
const num = (v: number | string, n: number) => String(v).padStart(n, '0').slice(-n)
const ddmmyy = (iso: string) => `${iso.slice(8, 10)}${iso.slice(5, 7)}${iso.slice(2, 4)}`
const cbiAmount = (cents: number) => `${num(Math.floor(cents / 100), 12)},${num(cents % 100, 2)}`

export interface CbiMovement {
  amountCents: number
  sign?: 'C' | 'D'
  bankRef?: string
  description?: string
  /** RI1 records: the payer's causale. */
  remittance?: string[]
  debtorName?: string
  endToEndId?: string
  bookingDate?: string
}

function record(s: string): string {
  if (s.length !== 120) throw new Error(`CBI record of ${s.length} characters: ${s}`)
  return s
}

export function cbiStatement(movements: CbiMovement[], options: { opening?: number; date?: string; statement?: number } = {}): string {
  const date = options.date ?? '2026-05-02'
  const n = num(options.statement ?? 1, 7)
  const lines: string[] = []
  lines.push(record(` RH03069ABCDE${ddmmyy(date)}${text('MOVIMENTI', 20)}${' '.repeat(81)}`))
  // CIN X, ABI 05428, CAB 11101, account 000000123456: the BBAN of ACCOUNT_IBAN
  const opening = options.opening ?? 100_000
  lines.push(record(` 61${n}${' '.repeat(13)}05428${' '.repeat(5)}${text('', 16)}CC` + `X0542811101000000123456` + `EUR${ddmmyy(date)}C${cbiAmount(opening)}IT60${' '.repeat(17)}`))
  let balance = opening
  movements.forEach((m, i) => {
    const sign = m.sign ?? 'C'
    balance += sign === 'C' ? m.amountCents : -m.amountCents
    const d = ddmmyy(m.bookingDate ?? date)
    lines.push(record(` 62${n}${num(i + 1, 3)}${d}${d}${sign}${cbiAmount(m.amountCents)}48  ${' '.repeat(16)}${text(m.bankRef ?? '', 16)}${' '.repeat(9)}${text(m.description ?? 'BONIFICO A VOSTRO FAVORE', 34)}`))
    if (m.debtorName) lines.push(record(` 63${n}${num(i + 1, 3)}YYY01052026${text(m.debtorName, 96)}`))
    if (m.endToEndId) lines.push(record(` 63${n}${num(i + 1, 3)}ID1${text(m.endToEndId, 104)}`))
    for (const r of m.remittance ?? []) lines.push(record(` 63${n}${num(i + 1, 3)}RI1${text(r, 104)}`))
  })
  lines.push(record(` 64${n}EUR${ddmmyy(date)}${balance < 0 ? 'D' : 'C'}${cbiAmount(Math.abs(balance))}C${cbiAmount(Math.abs(balance))}${' '.repeat(69)}`))
  lines.push(record(` EF03069ABCDE${ddmmyy(date)}${text('MOVIMENTI', 20)}${' '.repeat(6)}${num(1, 7)}${' '.repeat(30)}${num(lines.length + 1, 7)}${' '.repeat(31)}`))
  return lines.map((l) => `${l}\r\n`).join('')
}
