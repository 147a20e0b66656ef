import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PosteReportError, readPosteReport, type PosteSlipRecord } from '../../../src/payments/postal/poste-report'
import { posteRecord, posteReport, posteSummary } from './poste-records'

const FIXTURE = new URL('../../fixtures/postal/poste-report.txt', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'poste-report-'))
let files = 0

function file(content: string | Buffer): string {
  const path = join(dir, `report-${++files}.txt`)
  writeFileSync(path, content)
  return path
}

async function read(path: string): Promise<PosteSlipRecord[]> {
  const records: PosteSlipRecord[] = []
  for await (const record of readPosteReport(path)) records.push(record)
  return records
}

async function refusal(path: string): Promise<PosteReportError> {
  try {
    await read(path)
  } catch (error) {
    if (error instanceof PosteReportError) return error
    throw error
  }
  throw new Error('expected a PosteReportError')
}

describe('readPosteReport: 200-byte records', () => {
  it('reads the sample report: every field of a TD 896, a TD 674 and a MAV', async () => {
    const records = await read(FIXTURE)
    expect(records).toEqual([
      {
        line: 1,
        entryRef: '000012345678-20260505-00100001-0000001',
        loadSequence: '00100001',
        selectionSequence: '0000001',
        postalAccount: '000012345678',
        paidOn: '2026-05-05',
        documentType: '896',
        amountCents: 1220,
        office: '55123001',
        creditedOn: '2026-05-06',
        codiceCliente: '100605056763206139',
        causale: '',
      },
      expect.objectContaining({ line: 2, documentType: '674', amountCents: 2196, codiceCliente: null, causale: 'RINNOVO PEC ORDINE K7MR 4DXP 61' }),
      expect.objectContaining({ line: 3, documentType: '247', amountCents: 5000, paidOn: '2026-05-06', creditedOn: '2026-05-07' }),
    ])
  })

  it('reads LF as CRLF, without a final line break, and skips blank lines', async () => {
    const crlf = await read(FIXTURE)
    const lf = posteReport([{ amountCents: 1220, codiceCliente: '100605056763206139' }], { eol: '\n' })
    expect(await read(file(lf))).toEqual([{ ...crlf[0] }])
    expect(await read(file(lf.trimEnd()))).toHaveLength(1)
    expect(await read(file(`\n${posteRecord({ amountCents: 1 })}\n\n   \n`))).toHaveLength(1)
  })

  it('accepts records whose trailing spaces were stripped, or that carry spaces after byte 200', async () => {
    const trimmed = posteRecord({ amountCents: 1220, causale: 'RINNOVO' }).trimEnd()
    expect(trimmed.length).toBeLessThan(200)
    expect(await read(file(`${trimmed}\n${posteRecord({ amountCents: 5, selection: '2' })}    \n`))).toMatchObject([
      { causale: 'RINNOVO', amountCents: 1220 },
      { amountCents: 5 },
    ])
  })

  it('is stable: the same slip has the same entryRef in every report', async () => {
    const [a] = await read(file(posteReport([{ amountCents: 1220 }])))
    const [b] = await read(file(posteReport([{ amountCents: 999 }, { amountCents: 1220 }].map((r, i) => ({ ...r, selection: String(i + 7) })))))
    expect(a.entryRef).not.toBe(b.entryRef)
    const [c] = await read(file(posteReport([{ amountCents: 1220 }], { summary: false, eol: '\n' })))
    expect(c.entryRef).toBe(a.entryRef)
  })

  it('reads a causale saved as UTF-8 or as Latin-1; a character counts once, whatever its bytes', async () => {
    const record = posteRecord({ type: '674', amountCents: 1220, causale: 'Quota di iscrizione più rinnovo' })
    expect(await read(file(Buffer.from(`${record}\n`, 'utf8')))).toMatchObject([{ causale: 'Quota di iscrizione più rinnovo' }])
    expect(await read(file(Buffer.from(`${record}\n`, 'latin1')))).toMatchObject([{ causale: 'Quota di iscrizione più rinnovo' }])
  })

  it.each([
    ['a record cut short', () => `${posteRecord({ amountCents: 1 })}\n${posteRecord({ amountCents: 2 }).slice(0, 45)}\n`, 2, 'record di 45 caratteri, attesi 200'],
    ['a record cut in its blank tail (cut, not trimmed: it ends in a space)', () => `${posteRecord({ amountCents: 1 }).slice(0, 120)}\n`, 1, 'record di 120 caratteri'],
    ['a record too long', () => `${posteRecord({ amountCents: 1 })}XYZ\n`, 1, 'record di 203 caratteri'],
    ['letters in the amount', () => `${posteRecord({ amountCents: 1 }).replace('0000000001', '00000012,2')}\n`, 1, 'importo non numerico'],
    ['a date that does not exist', () => `${posteRecord({ amountCents: 1, acceptedOn: '260230' })}\n`, 1, 'data accettazione inesistente'],
    ['a non-ASCII character in the codice cliente', () => `${posteRecord({ amountCents: 1, codiceCliente: '10060505676320613è' })}\n`, 1, 'non ASCII'],
    ['a record after the summary', () => `${posteSummary(0, 0)}\n${posteRecord({ amountCents: 1 })}\n`, 2, 'dopo il record riepilogativo'],
  ])('refuses %s, naming the line', async (_what, content, line, message) => {
    const error = await refusal(file(content()))
    expect(error.line).toBe(line)
    expect(error.message).toContain(`riga ${line}:`)
    expect(error.message).toContain(message)
  })

  it('refuses a report whose summary does not match its records (truncated file)', async () => {
    const lines = posteReport([{ amountCents: 1220 }, { amountCents: 2196, selection: '2' }]).split('\r\n')
    const truncated = [lines[0], lines[2]].join('\r\n') // the second record lost, the summary kept
    const error = await refusal(file(truncated))
    expect(error.message).toMatch(/riga 2: il record riepilogativo dichiara 2 versamenti per 3416 centesimi, il file ne contiene 1 per 1220/)
  })

  it('refuses a file of one huge line quickly, without holding it in memory', async () => {
    const error = await refusal(file(Buffer.alloc(5 * 1024 * 1024, 0x41)))
    expect(error.message).toContain('oltre 1000 byte')
  })
})
