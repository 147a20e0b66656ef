import { SaxesParser, type SaxesTagPlain } from 'saxes'
import { isCalendarDate, type CalendarDate } from '../../core/calendar'
import { decimalToCents, detached, StatementError, type StatementEntry } from './statement-entry'

/**
 * ISO 20022 camt.053 (BankToCustomerStatement) versions 001.02 to 001.08, streamed with saxes: the
 * file is read chunk by chunk and each entry is yielded as soon as it is complete, so memory stays
 * flat whatever the file size. What the versions differ in, and is handled here:
 * - Ntry/Sts is text in .02–.05 and a choice (Sts/Cd, Sts/Prtry) from .06;
 * - the transaction amount is TxDtls/AmtDtls/TxAmt/Amt in .02, TxDtls/Amt (or both) from .03;
 * - the debtor is RltdPties/Dbtr/Nm up to .07, RltdPties/Dbtr/Pty/Nm in .08.
 * Elements are matched by local name, so saxes runs without namespace processing (which made the
 * whole parse three times slower); the root's namespace is read from its xmlns attribute.
 * Hostile input is refused before anything is yielded from it: a DOCTYPE (XXE, billion laughs),
 * a declared encoding other than UTF-8, bytes that are not UTF-8, a truncated document, nesting
 * deeper than a statement has, or a single text or tag longer than MAX_NODE_CHARS.
 */

export const CAMT053_NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.0([2-8])$/
const MAX_DEPTH = 40
const MAX_NODE_CHARS = 1 << 20

interface TxFacts {
  amountCents: number | null
  currency: string | null
  creditDebit: 'CRDT' | 'DBIT' | null
  acctSvcrRef: string | null
  endToEndId: string | null
  ustrd: string[]
  structuredRefs: string[]
  additionalInfo: string | null
  debtorName: string | null
}

interface EntryFacts {
  index: number
  ntryRef: string | null
  amountCents: number | null
  currency: string
  creditDebit: 'CRDT' | 'DBIT' | null
  reversal: boolean
  status: string
  bookingDate: CalendarDate | null
  valueDate: CalendarDate | null
  acctSvcrRef: string | null
  additionalInfo: string | null
  transactions: number
  held: TxFacts | null // the first TxDtls, kept until we know whether the entry is a batch
}

function newTx(): TxFacts {
  return { amountCents: null, currency: null, creditDebit: null, acctSvcrRef: null, endToEndId: null, ustrd: [], structuredRefs: [], additionalInfo: null, debtorName: null }
}

// A statement repeats a handful of dates; checking each one once keeps the calendar out of the loop.
const knownDates = new Map<string, boolean>()

function dateOf(text: string): CalendarDate | null {
  const date = text.trim().slice(0, 10) // DtTm: the bank's local date
  let valid = knownDates.get(date)
  if (valid === undefined) {
    if (knownDates.size >= 1024) knownDates.clear()
    valid = isCalendarDate(date)
    knownDates.set(date, valid)
  }
  return valid ? (date as CalendarDate) : null
}

/** The trimmed text of a node, detached from the chunk it was read in. */
function trimmed(text: string): string {
  return detached(text.trim())
}

function reference(text: string): string | null {
  const value = trimmed(text)
  return value && value.toUpperCase() !== 'NOTPROVIDED' ? value : null
}

function indicator(text: string): 'CRDT' | 'DBIT' | null {
  const value = text.trim()
  return value === 'CRDT' || value === 'DBIT' ? value : null
}

/** Streams the entries of a camt.053 document, one normalized entry per booked movement or batch transaction. */
export async function* parseCamt053(source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): AsyncGenerator<StatementEntry> {
  const parser = new SaxesParser({ xmlns: false, position: true })
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const ready: StatementEntry[] = []
  const stack: string[] = []
  let text = ''
  let closing = false
  let rootSeen = false
  let statementsSeen = false
  let stmt: { id: string; account: string; entries: number } | null = null
  let stmtDepth = -1
  let entry: EntryFacts | null = null
  let entryDepth = -1
  let tx: TxFacts | null = null
  let txDepth = -1
  let amountCurrency: string | null = null

  const fail = (code: 'malformed' | 'truncated', message: string): never => {
    throw new StatementError(code, `${message} (line ${parser.line}, column ${parser.column})`)
  }

  parser.on('error', (error) => {
    const detail = error.message.replace(/^(?:[^:]*:)?\d+:\d+: /, '')
    fail(closing ? 'truncated' : 'malformed', closing ? `the document ends before it is complete (${detail})` : detail)
  })
  parser.on('doctype', () => {
    throw new StatementError('doctype_refused', 'the file declares a DOCTYPE; bank statements have none, and entities are never expanded')
  })
  parser.on('xmldecl', (decl) => {
    if (decl.encoding && !/^utf-?8$/i.test(decl.encoding)) {
      throw new StatementError('encoding', `the file declares encoding "${decl.encoding}"; only UTF-8 statements are accepted`)
    }
  })
  parser.on('text', (t) => (text += t))
  parser.on('cdata', (t) => (text += t))

  parser.on('opentag', (tag: SaxesTagPlain) => {
    text = ''
    const colon = tag.name.indexOf(':')
    const local = colon < 0 ? tag.name : tag.name.slice(colon + 1)
    if (!rootSeen) {
      rootSeen = true
      const uri = tag.attributes[colon < 0 ? 'xmlns' : `xmlns:${tag.name.slice(0, colon)}`] ?? ''
      if (local !== 'Document' || !CAMT053_NAMESPACE.test(uri)) {
        throw new StatementError('not_a_statement', `root element {${uri}}${local} is not a camt.053.001.02–08 Document`)
      }
    }
    stack.push(local)
    if (stack.length > MAX_DEPTH) fail('malformed', `elements nested deeper than ${MAX_DEPTH}`)
    const depth = stack.length - 1
    switch (local) {
      case 'BkToCstmrStmt':
        if (depth === 1) statementsSeen = true
        break
      case 'Stmt':
        if (depth === 2 && statementsSeen) {
          stmt = { id: '', account: '', entries: 0 }
          stmtDepth = depth
        }
        break
      case 'Ntry':
        if (stmt && depth === stmtDepth + 1) {
          entry = {
            index: ++stmt.entries,
            ntryRef: null,
            amountCents: null,
            currency: '',
            creditDebit: null,
            reversal: false,
            status: '',
            bookingDate: null,
            valueDate: null,
            acctSvcrRef: null,
            additionalInfo: null,
            transactions: 0,
            held: null,
          }
          entryDepth = depth
        }
        break
      case 'TxDtls':
        if (entry) {
          tx = newTx()
          txDepth = depth
        }
        break
      case 'Amt': {
        const ccy = tag.attributes['Ccy']
        amountCurrency = ccy ? String(ccy) : null
        break
      }
    }
  })

  parser.on('closetag', (tag: SaxesTagPlain) => {
    const value = text
    text = ''
    const depth = stack.length - 1
    if (tx && depth >= txDepth) {
      const path = stack.slice(txDepth + 1).join('/')
      if (depth === txDepth) {
        closeTransaction(tx)
        tx = null
      } else readTransaction(tx, path, value)
    } else if (entry && depth >= entryDepth) {
      const path = stack.slice(entryDepth + 1).join('/')
      if (depth === entryDepth) {
        closeEntry(entry)
        entry = null
      } else readEntry(entry, path, value)
    } else if (stmt && depth >= stmtDepth) {
      const path = stack.slice(stmtDepth + 1).join('/')
      if (depth === stmtDepth) stmt = null
      else if (path === 'Id') stmt.id = trimmed(value)
      else if (path === 'Acct/Id/IBAN' || (path === 'Acct/Id/Othr/Id' && !stmt.account)) stmt.account = detached(value.replace(/\s/g, ''))
    }
    stack.pop()
    void tag
  })

  function readEntry(e: EntryFacts, path: string, value: string) {
    switch (path) {
      case 'NtryRef':
        e.ntryRef = reference(value)
        break
      case 'Amt':
        e.amountCents = decimalToCents(value)
        e.currency = amountCurrency ?? ''
        if (e.amountCents === null && e.currency === 'EUR') fail('malformed', `entry amount "${value.trim()}" is not a euro amount`)
        break
      case 'CdtDbtInd':
        e.creditDebit = indicator(value)
        break
      case 'RvslInd':
        e.reversal = value.trim() === 'true' || value.trim() === '1'
        break
      case 'Sts': // .02–.05: the code as text
        if (value.trim()) e.status = trimmed(value)
        break
      case 'Sts/Cd': // .06 onwards
      case 'Sts/Prtry':
        e.status = trimmed(value)
        break
      case 'BookgDt/Dt':
      case 'BookgDt/DtTm':
        e.bookingDate = dateOf(value)
        break
      case 'ValDt/Dt':
      case 'ValDt/DtTm':
        e.valueDate = dateOf(value)
        break
      case 'AcctSvcrRef':
        e.acctSvcrRef = reference(value)
        break
      case 'AddtlNtryInf':
        e.additionalInfo = trimmed(value) || null
        break
    }
  }

  function readTransaction(t: TxFacts, path: string, value: string) {
    switch (path) {
      case 'Amt': // .03 onwards
      case 'AmtDtls/TxAmt/Amt': // .02 (and later, alongside)
        if (t.amountCents === null || path === 'Amt') {
          t.amountCents = decimalToCents(value)
          t.currency = amountCurrency
        }
        break
      case 'CdtDbtInd':
        t.creditDebit = indicator(value)
        break
      case 'Refs/AcctSvcrRef':
        t.acctSvcrRef = reference(value)
        break
      case 'Refs/EndToEndId':
        t.endToEndId = reference(value)
        break
      case 'RltdPties/Dbtr/Nm': // up to .07
      case 'RltdPties/Dbtr/Pty/Nm': // .08
        t.debtorName = trimmed(value) || null
        break
      case 'RmtInf/Ustrd':
        if (value.trim()) t.ustrd.push(trimmed(value))
        break
      case 'RmtInf/Strd/CdtrRefInf/Ref':
        if (value.trim()) t.structuredRefs.push(trimmed(value))
        break
      case 'AddtlTxInf':
        t.additionalInfo = trimmed(value) || null
        break
    }
  }

  function closeTransaction(t: TxFacts) {
    const e = entry!
    e.transactions++
    if (e.transactions === 1) {
      e.held = t // a single TxDtls describes the whole entry; wait for the entry's end
      return
    }
    if (e.held) {
      ready.push(batchEntry(e, e.held, 1))
      e.held = null
    }
    ready.push(batchEntry(e, t, e.transactions))
  }

  function closeEntry(e: EntryFacts) {
    if (e.transactions <= 1) ready.push(singleEntry(e, e.held))
  }

  // Entries are built as one literal each, always with the same keys (absent ones undefined): a
  // hundred thousand of them cost less to build, to hold and to hand on than spread-together objects.
  function remittance(a: string[], b: string[], c: string | null, d: string | null): string {
    let text = ''
    for (const part of a) text = text ? `${text} ${part}` : part
    for (const part of b) text = text ? `${text} ${part}` : part
    if (c) text = text ? `${text} ${c}` : c
    if (d) text = text ? `${text} ${d}` : d
    return text
  }

  function singleEntry(e: EntryFacts, t: TxFacts | null): StatementEntry {
    const bankRef = e.acctSvcrRef ?? t?.acctSvcrRef ?? null
    return {
      entryRef: bankRef ?? e.ntryRef ?? `${stmt!.id || 'Stmt'}/${e.index}`,
      account: stmt!.account,
      bookingDate: e.bookingDate,
      valueDate: e.valueDate,
      currency: e.currency,
      amountCents: e.amountCents ?? 0,
      creditDebit: e.creditDebit ?? 'DBIT',
      status: e.status,
      reversal: e.reversal,
      remittanceText: t ? remittance(t.ustrd, t.structuredRefs, t.additionalInfo, e.additionalInfo) : (e.additionalInfo ?? ''),
      debtorName: t?.debtorName ?? undefined,
      bankRef,
      endToEndId: t?.endToEndId ?? undefined,
    }
  }

  function batchEntry(e: EntryFacts, t: TxFacts, n: number): StatementEntry {
    // A batch booking: one entry per transaction, each with its own amount and reference.
    const bankRef = t.acctSvcrRef ?? (e.acctSvcrRef ? `${e.acctSvcrRef}/${n}` : null)
    return {
      entryRef: bankRef ?? `${e.ntryRef ?? `${stmt!.id || 'Stmt'}/${e.index}`}/${n}`,
      account: stmt!.account,
      bookingDate: e.bookingDate,
      valueDate: e.valueDate,
      currency: t.currency ?? e.currency,
      amountCents: t.amountCents ?? 0,
      creditDebit: t.creditDebit ?? e.creditDebit ?? 'DBIT',
      status: e.status,
      reversal: e.reversal,
      remittanceText: remittance(t.ustrd, t.structuredRefs, t.additionalInfo, null),
      debtorName: t.debtorName ?? undefined,
      bankRef,
      endToEndId: t.endToEndId ?? undefined,
    }
  }

  let sinceMarkup = 0
  let prolog = ''
  let first = true
  const feed = (chunk: string) => {
    if (!rootSeen) {
      // Refuse a DTD before saxes reads it: its internal subset could be large.
      prolog = (prolog + chunk).slice(-4096)
      if (/<!(DOCTYPE|ENTITY)/i.test(prolog)) {
        throw new StatementError('doctype_refused', 'the file declares a DOCTYPE or ENTITY; bank statements have none, and entities are never expanded')
      }
    }
    const lastMarkup = Math.max(chunk.lastIndexOf('<'), chunk.lastIndexOf('>'))
    sinceMarkup = lastMarkup < 0 ? sinceMarkup + chunk.length : chunk.length - lastMarkup - 1
    if (sinceMarkup > MAX_NODE_CHARS) {
      throw new StatementError('too_large_node', `a text or tag longer than ${MAX_NODE_CHARS} characters: not a bank statement`)
    }
    parser.write(chunk)
  }

  for await (const chunk of source) {
    let decoded: string
    if (typeof chunk === 'string') decoded = chunk
    else {
      if (first && chunk.length >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))) {
        throw new StatementError('encoding', 'the file is UTF-16; only UTF-8 statements are accepted')
      }
      try {
        decoded = decoder.decode(chunk, { stream: true })
      } catch {
        throw new StatementError('encoding', 'the file is not valid UTF-8 (a byte sequence cannot be decoded)')
      }
    }
    first = false
    feed(decoded)
    if (ready.length > 0) yield* ready.splice(0)
  }
  try {
    feed(decoder.decode())
  } catch (error) {
    if (error instanceof StatementError) throw error
    throw new StatementError('encoding', 'the file ends in the middle of a UTF-8 character')
  }
  if (!rootSeen) throw new StatementError('not_a_statement', 'no XML document in the file')
  closing = true
  parser.close()
  if (!statementsSeen) throw new StatementError('not_a_statement', 'the document has no BkToCstmrStmt')
  if (ready.length > 0) yield* ready.splice(0)
}
