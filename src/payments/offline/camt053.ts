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
 * deeper than a statement has, a text the parser reads longer than its ISO 20022 limit, more than
 * MAX_REMITTANCE_PARTS remittance lines in a transaction, or anything else (the text of an element
 * not read, an attribute, a name) longer than MAX_UNREAD_CHARS; a comment or processing
 * instruction once saxes holds more than that of it after a piece. These bounds hold however the
 * file is cut into chunks: the parser gives saxes at most PIECE_CHARS at a time and checks what
 * saxes holds of the node it is reading after each piece (see feed), so memory stays bounded even
 * while one text node arrives over many chunks, whatever characters it contains.
 */

export const CAMT053_NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.0([2-8])$/
const MAX_DEPTH = 40
/** The text of an element not read (counted, never kept), a comment, an attribute value, a name: eight times Max2048Text, camt.053's longest text type. */
const MAX_UNREAD_CHARS = 1 << 14
const MAX_ATTRIBUTES = 32
/** Ustrd is Max140Text repeated without a schema bound, as is Strd: a transaction keeps this many of each. */
export const MAX_REMITTANCE_PARTS = 20
/** How much text saxes is given at once (a 64 KiB read, undivided): what it holds of a node exceeds a bound by at most this. */
const PIECE_CHARS = 1 << 16
/** Leading and trailing blanks a writer may put around a value (the value itself is checked trimmed). */
const BLANKS_CHARS = 64

/**
 * ISO 20022 limits of the texts the parser reads, by path below Stmt, Ntry and TxDtls; the same in
 * 001.02 to 001.08: Max35Text references, identifiers and proprietary codes, Max140Text names (the
 * debtor's Nm, in Dbtr up to .07 and Dbtr/Pty in .08; Max70Text names are account names, not read)
 * and each Ustrd, Max500Text additional information, Max34Text account identifiers; codes, dates,
 * date-times and amounts by their formats (a decimal of 18 digits, an ISODateTime with fraction
 * and offset fit in 35).
 */
const STATEMENT_FIELDS = fieldTree('statement', [
  ['Id', 35],
  ['Acct/Id/IBAN', 34],
  ['Acct/Id/Othr/Id', 34],
])
const ENTRY_FIELDS = fieldTree('entry', [
  ['NtryRef', 35],
  ['Amt', 35],
  ['CdtDbtInd', 4],
  ['RvslInd', 5],
  ['Sts', 4], // .02–.05: the code as text; from .06 a choice whose Cd or Prtry is read
  ['Sts/Cd', 4],
  ['Sts/Prtry', 35],
  ['BookgDt/Dt', 10],
  ['BookgDt/DtTm', 35],
  ['ValDt/Dt', 10],
  ['ValDt/DtTm', 35],
  ['AcctSvcrRef', 35],
  ['AddtlNtryInf', 500],
])
const TRANSACTION_FIELDS = fieldTree('transaction', [
  ['Amt', 35],
  ['AmtDtls/TxAmt/Amt', 35],
  ['CdtDbtInd', 4],
  ['Refs/AcctSvcrRef', 35],
  ['Refs/EndToEndId', 35],
  ['RltdPties/Dbtr/Nm', 140],
  ['RltdPties/Dbtr/Pty/Nm', 140],
  ['RltdPties/DbtrAcct/Id/IBAN', 34],
  ['RmtInf/Ustrd', 140],
  ['RmtInf/Strd/CdtrRefInf/Ref', 35],
  ['AddtlTxInf', 500],
])

/**
 * An element below Stmt, Ntry or TxDtls on the way to a text the parser reads; `limit` (in
 * characters) when it is such a text. The parser walks these trees as it opens elements, so an
 * element off every path (most of a statement) costs one lookup in its parent, or none.
 */
interface FieldNode {
  scope: 'statement' | 'entry' | 'transaction'
  path: string
  limit?: number
  children: Map<string, FieldNode>
}

/** A field the parser reads, its limit known. */
type ReadField = FieldNode & { limit: number }

function fieldTree(scope: FieldNode['scope'], fields: Array<[string, number]>): FieldNode {
  const root: FieldNode = { scope, path: '', children: new Map() }
  for (const [path, limit] of fields) {
    let node = root
    for (const name of path.split('/')) {
      let child = node.children.get(name)
      if (!child) node.children.set(name, (child = { scope, path: node.path ? `${node.path}/${name}` : name, children: new Map() }))
      node = child
    }
    node.limit = limit
  }
  return root
}

/**
 * What saxes holds while it reads one node: the node's text (also a comment's, a CDATA section's,
 * an attribute's value, a processing instruction's body), a name, an entity, a processing
 * instruction's target, the attributes of the tag being read. saxes bounds none of them; they are
 * private, so they are checked to exist.
 */
interface SaxesBuffers {
  text: string
  name: string
  entity: string
  piTarget: string
  attribList: unknown[]
}

function saxesBuffers(parser: SaxesParser): SaxesBuffers {
  const b = parser as unknown as Partial<SaxesBuffers>
  if (typeof b.text !== 'string' || typeof b.name !== 'string' || typeof b.entity !== 'string' || typeof b.piTarget !== 'string' || !Array.isArray(b.attribList)) {
    throw new Error('saxes no longer has the buffers parseCamt053 bounds (text, name, entity, piTarget, attribList): check the saxes upgrade')
  }
  return b as SaxesBuffers
}

/** Characters as ISO 20022 counts them (code points), not UTF-16 units. */
function characters(text: string): number {
  let n = text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) n-- // a surrogate pair is one character
  }
  return n
}

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
  debtorIban: string | null
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
  return { amountCents: null, currency: null, creditDebit: null, acctSvcrRef: null, endToEndId: null, ustrd: [], structuredRefs: [], additionalInfo: null, debtorName: null, debtorIban: null }
}

// A statement repeats a handful of dates; checking each one once keeps the calendar out of the loop.
const knownDates = new Map<string, CalendarDate | null>()

function dateOf(text: string): CalendarDate | null {
  const date = text.trim().slice(0, 10) // DtTm: the bank's local date
  let known = knownDates.get(date)
  if (known === undefined) {
    if (knownDates.size >= 1024) knownDates.clear()
    known = isCalendarDate(date) ? date : null
    knownDates.set(date, known)
  }
  return known
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
  const buffers = saxesBuffers(parser)
  /** The text of the element open last, when the parser reads it; only counted otherwise. */
  let text = ''
  let textChars = 0
  /** Where each open element is in the field trees (null: on no path to a field). */
  const nodes: Array<FieldNode | null> = []
  let field: ReadField | null = null
  let fieldDepth = -1
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
  /** Which entry the parser is in, for a refusal's message. */
  const where = () =>
    entry && stmt ? ` in entry ${entry.index} of statement ${stmt.id || '(no Id yet)'}` : stmt ? ` in statement ${stmt.id || '(no Id yet)'}` : ''
  const elementOf = (f: ReadField) => `${f.scope === 'statement' ? 'Stmt' : f.scope === 'entry' ? 'Ntry' : 'TxDtls'}/${f.path}`
  const tooLong = (f: ReadField): never => {
    const element = elementOf(f)
    throw new StatementError('field_too_long', `${element}${where()} is longer than ${f.limit} characters, its ISO 20022 limit (line ${parser.line})`, {
      element,
      line: parser.line,
      limit: f.limit,
    })
  }
  const tooLarge = (what: string): never => {
    const element = stack.length ? stack.slice(-3).map((name) => name.slice(0, 40)).join('/') : 'Document'
    throw new StatementError('too_large_node', `${what} longer than ${MAX_UNREAD_CHARS} characters inside ${element}${where()}: not a bank statement (line ${parser.line})`, {
      element,
      line: parser.line,
      limit: MAX_UNREAD_CHARS,
    })
  }
  const tooMany = (element: string): never => {
    throw new StatementError('too_many_elements', `more than ${MAX_REMITTANCE_PARTS} ${element} in one transaction${where()} (line ${parser.line})`, {
      element,
      line: parser.line,
      limit: MAX_REMITTANCE_PARTS,
    })
  }
  /** The most a text may grow to while read: a value within its limit, in UTF-16 units, with blanks around it. */
  const textBound = (f: ReadField | null) => (f ? 2 * f.limit + BLANKS_CHARS : MAX_UNREAD_CHARS)

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
  // Text outside the elements read is counted and dropped: it can never accumulate.
  const addText = (t: string) => {
    textChars += t.length
    if (textChars > textBound(field)) {
      if (field) tooLong(field)
      tooLarge('a text')
    }
    if (field) text += t
  }
  parser.on('text', addText)
  parser.on('cdata', addText)
  // No more handlers than these: saxes stores each as a property added by computed name, and a few
  // more turn the parser into a dictionary-mode object that parses three times slower. Comments and
  // processing instructions are bounded by the buffers check in feed alone.

  parser.on('opentag', (tag: SaxesTagPlain) => {
    text = ''
    textChars = 0
    let attributes = 0
    for (const name in tag.attributes) {
      if (++attributes > MAX_ATTRIBUTES) fail('malformed', `an element with more than ${MAX_ATTRIBUTES} attributes`)
      if (tag.attributes[name].length > MAX_UNREAD_CHARS) tooLarge('an attribute value')
    }
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
    let scope: FieldNode | null = null
    switch (local) {
      case 'BkToCstmrStmt':
        if (depth === 1) statementsSeen = true
        break
      case 'Stmt':
        if (depth === 2 && statementsSeen) {
          stmt = { id: '', account: '', entries: 0 }
          stmtDepth = depth
          scope = STATEMENT_FIELDS
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
          scope = ENTRY_FIELDS
        }
        break
      case 'TxDtls':
        if (entry) {
          tx = newTx()
          txDepth = depth
          scope = TRANSACTION_FIELDS
        }
        break
      case 'Amt': {
        const ccy = tag.attributes['Ccy']
        amountCurrency = ccy ? String(ccy) : null
        break
      }
    }
    const node = scope ?? (depth > 0 ? nodes[depth - 1]?.children.get(local) : undefined) ?? null
    nodes[depth] = node
    field = node?.limit === undefined ? null : (node as ReadField)
    fieldDepth = depth
  })

  parser.on('closetag', () => {
    const depth = stack.length - 1
    // Only the element opened last has its own text: an element that closes after a child is a container.
    const read = field !== null && fieldDepth === depth ? field : null
    const value = text
    text = ''
    textChars = 0
    field = null
    if (read) {
      const trimmedValue = value.trim()
      if (trimmedValue.length > read.limit && characters(trimmedValue) > read.limit) tooLong(read)
      if (read.scope === 'transaction') readTransaction(tx!, read.path, value)
      else if (read.scope === 'entry') readEntry(entry!, read.path, value)
      else if (read.path === 'Id') stmt!.id = trimmed(value)
      else if (read.path === 'Acct/Id/IBAN' || !stmt!.account) stmt!.account = detached(value.replace(/\s/g, ''))
    } else if (tx && depth === txDepth) {
      closeTransaction(tx)
      tx = null
    } else if (entry && depth === entryDepth) {
      closeEntry(entry)
      entry = null
    } else if (stmt && depth === stmtDepth) stmt = null
    stack.pop()
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
      case 'RltdPties/DbtrAcct/Id/IBAN': // the payer's account: where a refund goes back to
        t.debtorIban = value.replace(/\s/g, '').toUpperCase() || null
        break
      case 'RmtInf/Ustrd':
        if (t.ustrd.length === MAX_REMITTANCE_PARTS) tooMany('Ustrd')
        if (value.trim()) t.ustrd.push(trimmed(value))
        break
      case 'RmtInf/Strd/CdtrRefInf/Ref':
        if (t.structuredRefs.length === MAX_REMITTANCE_PARTS) tooMany('Strd/CdtrRefInf/Ref')
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
      debtorIban: t?.debtorIban ?? undefined,
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
      debtorIban: t.debtorIban ?? undefined,
      bankRef,
      endToEndId: t.endToEndId ?? undefined,
    }
  }

  /**
   * What saxes holds of the node it is reading, checked after each piece it is given: a text node
   * grows inside saxes until its closing '<' whatever it contains ('>' included), as do comments,
   * CDATA sections and attribute values; so the bound cannot come from looking for markup.
   */
  const checkBuffers = () => {
    if (buffers.text.length > textBound(field)) {
      if (field) tooLong(field) // the text of an element read (or, oddly, a comment inside it)
      tooLarge('a text, comment or attribute value')
    }
    if (buffers.name.length > MAX_UNREAD_CHARS || buffers.entity.length > MAX_UNREAD_CHARS || buffers.piTarget.length > MAX_UNREAD_CHARS) tooLarge('a name')
    if (buffers.attribList.length > MAX_ATTRIBUTES) fail('malformed', `an element with more than ${MAX_ATTRIBUTES} attributes`)
  }

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
    for (let at = 0; at < chunk.length; at += PIECE_CHARS) {
      parser.write(chunk.length <= PIECE_CHARS ? chunk : chunk.slice(at, at + PIECE_CHARS)) // saxes carries a split surrogate pair over
      checkBuffers()
    }
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
