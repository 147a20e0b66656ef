import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_REMITTANCE_PARTS, parseCamt053 } from '../../src/payments/offline/camt053'
import { MAX_DETAIL_RECORDS, parseCbiRh } from '../../src/payments/offline/cbi-rh'
import { ENTRY_TEXT_LIMITS, StatementError, type StatementEntry } from '../../src/payments/offline/statement-entry'
import { parsePosteReport, PosteReportError, type PosteSlipRecord } from '../../src/payments/postal/poste-report'
import { camtStatement, cbiStatement, type CbiMovement, type EntrySpec } from './offline/statement-builder'
import { posteReport, type RecordSpec } from './postal/poste-records'

// Finding 5: every parser refuses an oversized field, or a line, record or node that keeps growing,
// however the file is cut into chunks (a '>' inside a text, a chunk boundary inside a character, in
// '<' or '>', one byte at a time), with a clear error; and memory stays bounded while it arrives.

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

type Source = AsyncIterable<Uint8Array>

/** The bytes cut at the given fractions of their length (duplicates and ends dropped). */
function cut(bytes: Buffer, fractions: number[]): Buffer[] {
  const at = [...new Set(fractions.map((f) => Math.floor(f * bytes.length)))].filter((n) => n > 0 && n < bytes.length).sort((a, b) => a - b)
  return [0, ...at].map((from, i) => bytes.subarray(from, at[i] ?? bytes.length))
}

async function* chunksOf(pieces: Buffer[]): Source {
  for (const piece of pieces) yield piece
}

const oneByteAtATime = (bytes: Buffer) => chunksOf([...bytes].map((b) => Buffer.from([b])))
const fractions = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 })

async function collect<T>(parse: AsyncIterable<T>): Promise<T[]> {
  const list: T[] = []
  for await (const item of parse) list.push(item)
  return list
}

async function refusal<T>(parse: AsyncIterable<T>): Promise<Error> {
  try {
    await collect(parse)
  } catch (error) {
    return error as Error
  }
  throw new Error('the file was accepted')
}

const codePoints = (text: string | null | undefined) => [...(text ?? '')].length

/** The limits every yielded entry keeps (statement-entry.ts), whatever the file. */
function expectBounded(entries: StatementEntry[]) {
  for (const e of entries) {
    expect(codePoints(e.entryRef)).toBeLessThanOrEqual(ENTRY_TEXT_LIMITS.entryRef)
    expect(codePoints(e.account)).toBeLessThanOrEqual(ENTRY_TEXT_LIMITS.account)
    expect(codePoints(e.remittanceText)).toBeLessThanOrEqual(ENTRY_TEXT_LIMITS.remittanceText)
    expect(codePoints(e.debtorName)).toBeLessThanOrEqual(ENTRY_TEXT_LIMITS.debtorName)
    expect(codePoints(e.bankRef)).toBeLessThanOrEqual(ENTRY_TEXT_LIMITS.bankRef)
    expect(codePoints(e.endToEndId)).toBeLessThanOrEqual(ENTRY_TEXT_LIMITS.endToEndId)
  }
}

/**
 * Heap and buffers grown while `source` is read by `parse`, sampled at every chunk it pulls, and the
 * bytes it pulled before the parse ended (refused, here). `source` makes its bytes as it goes: a
 * field of hundreds of megabytes is never held by the test.
 */
async function measure(parse: (source: Source) => AsyncIterable<unknown>, head: string, filler: (n: number) => Buffer, totalBytes: number) {
  let pulled = 0
  let peak = 0
  const used = () => {
    const m = process.memoryUsage()
    return m.heapUsed + m.arrayBuffers
  }
  async function* source(): Source {
    const first = Buffer.from(head)
    pulled += first.length
    yield first
    for (let n = 0; n < totalBytes; ) {
      const chunk = filler(n)
      n += chunk.length
      pulled += chunk.length
      peak = Math.max(peak, used())
      yield chunk
    }
  }
  gc()
  const before = used()
  const error = await refusal(parse(source()))
  peak = Math.max(peak, used())
  return { error, pulledBytes: pulled, grownMb: (peak - before) / 2 ** 20 }
}

/** 64 KiB of text with a '>' every `every` characters (ASCII: one byte each). */
function markupLike(every: number): (n: number) => Buffer {
  const block = Buffer.from(`${'A'.repeat(every - 1)}>`.repeat(Math.ceil(65536 / every)).slice(0, 65536))
  return () => block
}

const HUGE = 200 * 2 ** 20

// ---- camt.053 ----

// Multi-byte characters (two, three and four bytes in UTF-8; the emoji two UTF-16 units), markup
// characters and entities: the builder escapes '<', '>' and '&', and some cases put '>' back raw.
const camtChar = fc.constantFrom(...'AZaz09 .,/-È€😀><&"\'')
const camtText = (max: number) => fc.array(camtChar, { minLength: 1, maxLength: max }).map((cs) => cs.join(''))
const camtEntrySpec: fc.Arbitrary<EntrySpec> = fc.record({
  amountCents: fc.integer({ min: 1, max: 10_000_000 }),
  acctSvcrRef: fc.option(camtText(35), { nil: null }),
  endToEndId: camtText(35),
  debtorName: fc.option(camtText(140), { nil: undefined }),
  remittance: fc.array(camtText(140), { maxLength: 4 }),
  status: fc.constantFrom('BOOK' as const, 'PDNG' as const),
})

const camtFile = fc.record({
  entries: fc.array(camtEntrySpec, { minLength: 1, maxLength: 6 }),
  version: fc.integer({ min: 2, max: 8 }),
  rawGreaterThan: fc.boolean(),
})

function camtBytes(f: { entries: EntrySpec[]; version: number; rawGreaterThan: boolean }): Buffer {
  const xml = camtStatement(f.entries, { version: f.version })
  return Buffer.from(f.rawGreaterThan ? xml.replace(/&gt;/g, '>') : xml) // '>' needs no escape in text
}

/** Where an oversized text goes, and what the parser must answer. */
interface Injection {
  name: string
  /** The statement with `@X@` where the oversized text goes. */
  xml: (version: number) => string
  /** The refusal: a read field's element and limit, or too_large_node past the bound on what is not read. */
  element: (version: number) => string
  limit: number
  code: 'field_too_long' | 'too_large_node'
  /** Characters the text may not contain there. */
  forbidden: RegExp
  /** Past the limit by at most this, the text may still be taken: a comment is checked only after each piece saxes reads (64 Ki characters). */
  slack?: number
}

const one = (spec: Partial<EntrySpec>, version: number) => camtStatement([{ amountCents: 1220, acctSvcrRef: 'R1', remittance: ['K7MR4DXP61'], ...spec }], { version })
const UNREAD = 16_384

const injections: Injection[] = [
  { name: 'Ustrd', xml: (v) => one({ remittance: ['@X@'] }, v), element: () => 'TxDtls/RmtInf/Ustrd', limit: 140, code: 'field_too_long', forbidden: /[<&]/ },
  { name: 'Ustrd in CDATA', xml: (v) => one({ remittance: ['@CDATA@'] }, v).replace('@CDATA@', '<![CDATA[@X@]]>'), element: () => 'TxDtls/RmtInf/Ustrd', limit: 140, code: 'field_too_long', forbidden: /\]/ },
  { name: 'the debtor name', xml: (v) => one({ debtorName: '@X@' }, v), element: (v) => (v >= 8 ? 'TxDtls/RltdPties/Dbtr/Pty/Nm' : 'TxDtls/RltdPties/Dbtr/Nm'), limit: 140, code: 'field_too_long', forbidden: /[<&]/ },
  { name: 'EndToEndId', xml: (v) => one({ endToEndId: '@X@' }, v), element: () => 'TxDtls/Refs/EndToEndId', limit: 35, code: 'field_too_long', forbidden: /[<&]/ },
  { name: 'the entry AcctSvcrRef', xml: (v) => one({ acctSvcrRef: '@X@' }, v), element: () => 'Ntry/AcctSvcrRef', limit: 35, code: 'field_too_long', forbidden: /[<&]/ },
  { name: 'AddtlNtryInf', xml: (v) => one({}, v).replace('</NtryDtls>', '</NtryDtls><AddtlNtryInf>@X@</AddtlNtryInf>'), element: () => 'Ntry/AddtlNtryInf', limit: 500, code: 'field_too_long', forbidden: /[<&]/ },
  { name: 'the statement Id', xml: (v) => one({}, v).replace('<Id>STMT-1</Id>', '<Id>@X@</Id>'), element: () => 'Stmt/Id', limit: 35, code: 'field_too_long', forbidden: /[<&]/ },
  { name: 'an element not read', xml: (v) => one({}, v).replace('<Cd>PMNT</Cd>', '<Cd>@X@</Cd>'), element: () => 'BkTxCd/Domn/Cd', limit: UNREAD, code: 'too_large_node', forbidden: /[<&]/ },
  { name: 'a comment', xml: (v) => one({}, v).replace('<CdtDbtInd>', '<!--@X@--><CdtDbtInd>'), element: () => 'BkToCstmrStmt/Stmt/Ntry', limit: UNREAD, code: 'too_large_node', forbidden: /-/, slack: 65_536 },
  { name: 'an attribute value', xml: (v) => one({}, v).replace('<Amt Ccy="EUR">', '<Amt Ccy="EUR" Note="@X@">'), element: () => 'BkToCstmrStmt/Stmt/Ntry', limit: UNREAD, code: 'too_large_node', forbidden: /[<&"]/ },
]

/** A text of `length` characters (BMP: one UTF-16 unit each) with '>' and '<' scattered where allowed. */
const oversized = (length: number, every: number, forbidden: RegExp) => {
  let text = ''
  for (let i = 0; text.length < length; i++) text += i % every === every - 1 ? (forbidden.test('<') ? '>' : i % 2 ? '>' : '<') : i % 7 === 3 ? 'È' : 'A'
  text = text.slice(0, length)
  return `Z${text.slice(1, -1)}Z` // no blank at either end: it is not trimmed away
}

describe('camt.053: chunk boundaries and oversized fields', () => {
  it('yields the same entries however the file is cut, within the entry limits', async () => {
    await fc.assert(
      fc.asyncProperty(camtFile, fractions, async (file, at) => {
        const bytes = camtBytes(file)
        const whole = await collect(parseCamt053([bytes]))
        expect(whole.length).toBeGreaterThanOrEqual(file.entries.length)
        expectBounded(whole)
        expect(await collect(parseCamt053(chunksOf(cut(bytes, at))))).toEqual(whole)
      }),
      { numRuns: 150 },
    )
  })

  it('yields the same entries fed one byte at a time, every character and every "<" and ">" split', async () => {
    const file = camtBytes({
      entries: [{ amountCents: 1220, acctSvcrRef: 'R>1', endToEndId: 'E2E<1>', debtorName: 'NICOLÒ 😀 & FIGLI', remittance: ['RINNOVO > K7MR4DXP61 €', 'ÀÉ 😀'] }],
      version: 8,
      rawGreaterThan: true,
    })
    const entries = await collect(parseCamt053(oneByteAtATime(file)))
    expect(entries).toMatchObject([{ entryRef: 'R>1', endToEndId: 'E2E<1>', debtorName: 'NICOLÒ 😀 & FIGLI', remittanceText: 'RINNOVO > K7MR4DXP61 € ÀÉ 😀' }])
    expect(await collect(parseCamt053([file]))).toEqual(entries)
  })

  it('refuses any text past its limit, read or not, naming where; takes one at the limit', async () => {
    const target = fc.constantFrom(...injections)
    const size = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 41, max: 300_000 }), fc.integer({ min: 65_537, max: 300_000 }))
    await fc.assert(
      fc.asyncProperty(target, size, fc.integer({ min: 2, max: 1000 }), fc.integer({ min: 2, max: 8 }), fractions, async (into, extra, every, version, at) => {
        const length = into.limit + extra
        const xml = into.xml(version).replace('@X@', oversized(length, every, into.forbidden))
        const parse = parseCamt053(chunksOf(cut(Buffer.from(xml), at)))
        if (extra === 0) {
          if (into.code === 'field_too_long') expectBounded(await collect(parse))
          else await collect(parse) // text not read, at its bound: taken and dropped
          return
        }
        const outcome = await collect(parse).then(
          (entries) => entries,
          (error: Error) => error,
        )
        if (!(outcome instanceof Error) && extra <= (into.slack ?? 0)) return // within the slack: taken, and dropped
        const error = outcome as Error
        expect(error).toBeInstanceOf(StatementError)
        expect(error).toMatchObject({ code: into.code, facts: { element: into.element(version), limit: into.limit } })
        expect((error as StatementError).facts!.line).toBeGreaterThan(1)
      }),
      { numRuns: 200 },
    )
  })

  it(`refuses more than ${MAX_REMITTANCE_PARTS} Ustrd in one transaction, takes ${MAX_REMITTANCE_PARTS}`, async () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `RIGA ${i} ${'X'.repeat(130)}`)
    const [taken] = await collect(parseCamt053([one({ remittance: lines(MAX_REMITTANCE_PARTS) }, 8)]))
    expect(taken.remittanceText.split('RIGA')).toHaveLength(MAX_REMITTANCE_PARTS + 1)
    const error = await refusal(parseCamt053([one({ remittance: lines(MAX_REMITTANCE_PARTS + 1) }, 8)]))
    expect(error).toMatchObject({ code: 'too_many_elements', facts: { element: 'Ustrd', limit: MAX_REMITTANCE_PARTS } })
  })

  it.each([
    ['Ustrd', '<Ustrd>', 'field_too_long'],
    ['an element not read', '<Cd>', 'too_large_node'],
    ['a comment', '<!--', 'too_large_node'],
  ])('refuses a 200 MB text in %s, a ">" every 1,000 characters, having read a few kilobytes, its heap flat', async (what, opening, code) => {
    const xml = one({}, 8)
    const head = xml.slice(0, xml.indexOf(opening === '<Ustrd>' ? '<Ustrd>' : opening === '<Cd>' ? '<Cd>PMNT' : '<CdtDbtInd>')) + opening
    const { error, pulledBytes, grownMb } = await measure(parseCamt053, head, markupLike(1000), HUGE)
    expect(error).toMatchObject({ code })
    expect(pulledBytes).toBeLessThan(256 * 1024)
    expect(grownMb).toBeLessThan(16)
    console.info(`camt.053, 200 MB in ${what}: refused after ${(pulledBytes / 1024).toFixed(0)} KiB, heap + buffers grew ${grownMb.toFixed(1)} MB`)
  })
})

// ---- CBI RH ----

const cbiChar = fc.constantFrom(...'AZ09 ./-ÈÒ')
const cbiText = (max: number) => fc.array(cbiChar, { minLength: 1, maxLength: max }).map((cs) => cs.join(''))
const cbiMovement: fc.Arbitrary<CbiMovement> = fc.record({
  amountCents: fc.integer({ min: 1, max: 10_000_000 }),
  sign: fc.constantFrom('C' as const, 'D' as const),
  bankRef: fc.option(cbiText(16), { nil: undefined }),
  description: cbiText(34),
  remittance: fc.array(cbiText(104), { maxLength: 3 }),
  debtorName: fc.option(cbiText(80), { nil: undefined }),
  endToEndId: fc.option(cbiText(35), { nil: undefined }),
})
const cbiFile = fc.record({ movements: fc.array(cbiMovement, { minLength: 1, maxLength: 6 }), lineEnd: fc.constantFrom('\r\n', '\n') })
const cbiBytes = (f: { movements: CbiMovement[]; lineEnd: string }) =>
  Buffer.from(cbiStatement(f.movements, { opening: 100_000_000 }).replace(/\r\n/g, f.lineEnd), 'latin1')

describe('CBI RH: chunk boundaries and oversized records', () => {
  it('yields the same entries however the file is cut, within the entry limits', async () => {
    await fc.assert(
      fc.asyncProperty(cbiFile, fractions, async (file, at) => {
        const bytes = cbiBytes(file)
        const whole = await collect(parseCbiRh([bytes]))
        expect(whole).toHaveLength(file.movements.length)
        expectBounded(whole)
        expect(await collect(parseCbiRh(chunksOf(cut(bytes, at))))).toEqual(whole)
      }),
      { numRuns: 150 },
    )
    const bytes = cbiBytes({ movements: [{ amountCents: 1220, remittance: ['RINNOVO K7MR4DXP61 È'], debtorName: 'NICOLÒ' }], lineEnd: '\r\n' })
    expect(await collect(parseCbiRh(oneByteAtATime(bytes)))).toEqual(await collect(parseCbiRh([bytes])))
  })

  it('refuses a line longer than a record, cut anywhere, naming its line', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 200_000 }), fc.integer({ min: 0, max: 2 }), fc.boolean(), fractions, async (extra, after, lineEnd, at) => {
        const lines = cbiStatement([{ amountCents: 1220, bankRef: 'CRO1' }, { amountCents: 500, bankRef: 'CRO2' }]).split('\r\n')
        const long = 2 + after // the RH record, the 61, then a 62 (or the next one) grown past 120
        lines[long] = lines[long] + `${'A'.repeat(99)}>`.repeat(Math.ceil(extra / 100)).slice(0, extra)
        const bytes = Buffer.from((lineEnd ? lines : lines.slice(0, long + 1)).join('\r\n'), 'latin1') // or the file ends in it
        const error = await refusal(parseCbiRh(chunksOf(cut(bytes, at))))
        expect(error).toMatchObject({ code: 'field_too_long', facts: { element: 'record', line: long + 1, limit: 120 } })
      }),
      { numRuns: 150 },
    )
  })

  it(`refuses a movement with more than ${MAX_DETAIL_RECORDS} records 63, takes ${MAX_DETAIL_RECORDS}`, async () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `CAUSALE ${i}`)
    const [taken] = await collect(parseCbiRh([cbiStatement([{ amountCents: 1220, remittance: lines(MAX_DETAIL_RECORDS) }])]))
    expect(taken.remittanceText).toContain(`CAUSALE ${MAX_DETAIL_RECORDS - 1}`)
    const error = await refusal(parseCbiRh([cbiStatement([{ amountCents: 1220, remittance: lines(MAX_DETAIL_RECORDS + 1) }])]))
    expect(error).toMatchObject({ code: 'too_many_elements', facts: { element: 'record 63', line: 4 + MAX_DETAIL_RECORDS, limit: MAX_DETAIL_RECORDS } })
  })

  it('refuses a 200 MB line without a line end, having read one chunk, its heap flat', async () => {
    const head = cbiStatement([{ amountCents: 1220 }]).split('\r\n').slice(0, 2).join('\r\n') + '\r\n'
    const { error, pulledBytes, grownMb } = await measure(parseCbiRh, head, markupLike(1000), HUGE)
    expect(error).toMatchObject({ code: 'field_too_long', facts: { element: 'record', line: 3 } })
    expect(pulledBytes).toBeLessThan(256 * 1024)
    expect(grownMb).toBeLessThan(16)
    console.info(`CBI RH, 200 MB line: refused after ${(pulledBytes / 1024).toFixed(0)} KiB, heap + buffers grew ${grownMb.toFixed(1)} MB`)
  })
})

// ---- Poste Italiane report ----

const causaleChar = fc.constantFrom(...'AZ09 .-ÈÒ€')
const posteRecordSpec: fc.Arbitrary<RecordSpec> = fc.record({
  selection: fc.integer({ min: 1, max: 9_999_999 }).map(String),
  type: fc.constantFrom('896', '674', '451'),
  amountCents: fc.integer({ min: 1, max: 99_999_999 }),
  causale: fc.array(causaleChar, { maxLength: 60 }).map((cs) => cs.join('')),
})
const posteFile = fc.record({ records: fc.array(posteRecordSpec, { minLength: 1, maxLength: 6 }), eol: fc.constantFrom('\r\n', '\n'), summary: fc.boolean() })

describe('Poste report: chunk boundaries and oversized lines', () => {
  it('yields the same slips however the file is cut, a UTF-8 causale split inside its characters included', async () => {
    await fc.assert(
      fc.asyncProperty(posteFile, fractions, async (file, at) => {
        const bytes = Buffer.from(posteReport(file.records, { eol: file.eol, summary: file.summary }), 'utf8')
        const whole: PosteSlipRecord[] = await collect(parsePosteReport([bytes]))
        expect(whole).toHaveLength(file.records.length)
        for (const slip of whole) expect(codePoints(slip.causale)).toBeLessThanOrEqual(60)
        expect(await collect(parsePosteReport(chunksOf(cut(bytes, at))))).toEqual(whole)
      }),
      { numRuns: 150 },
    )
    const bytes = Buffer.from(posteReport([{ type: '674', amountCents: 1220, causale: 'RINNOVO € È K7MR4DXP61' }]), 'utf8')
    expect(await collect(parsePosteReport(oneByteAtATime(bytes)))).toMatchObject([{ causale: 'RINNOVO € È K7MR4DXP61' }])
  })

  it('refuses a line over 1,000 bytes, cut anywhere, naming its line', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 801, max: 200_000 }), fc.boolean(), fractions, async (extra, lineEnd, at) => {
        const lines = posteReport([{ amountCents: 1220 }, { amountCents: 500, selection: '2' }], { summary: false }).split('\r\n')
        lines[1] += 'È'.repeat(extra) // 2 bytes each: past 1,000 bytes
        const bytes = Buffer.from(lineEnd ? lines.join('\r\n') : lines.slice(0, 2).join('\r\n'), 'utf8')
        const error = await refusal(parsePosteReport(chunksOf(cut(bytes, at))))
        expect(error).toBeInstanceOf(PosteReportError)
        expect(error).toMatchObject({ line: 2, message: expect.stringMatching(/^riga 2: riga oltre 1000 byte/) })
      }),
      { numRuns: 150 },
    )
  })

  it('refuses a 200 MB line without a line end, having read one chunk, its heap flat', async () => {
    const { error, pulledBytes, grownMb } = await measure(parsePosteReport, posteReport([{ amountCents: 1220 }], { summary: false }), markupLike(1000), HUGE)
    expect(error).toMatchObject({ line: 2, message: expect.stringContaining('oltre 1000 byte') })
    expect(pulledBytes).toBeLessThan(256 * 1024)
    expect(grownMb).toBeLessThan(16)
    console.info(`Poste report, 200 MB line: refused after ${(pulledBytes / 1024).toFixed(0)} KiB, heap + buffers grew ${grownMb.toFixed(1)} MB`)
  })
})
