import { describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import { readStatementFile, StatementError, type StatementEntry } from '../../../src/payments/offline/read-statement'
import { parseCamt053 } from '../../../src/payments/offline/camt053'
import { parseCbiRh } from '../../../src/payments/offline/cbi-rh'
import { camtStatement, cbiStatement } from './statement-builder'

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/statements/${name}`, import.meta.url))

async function entriesOf(name: string, format?: 'camt053' | 'cbi-rh'): Promise<StatementEntry[]> {
  const list: StatementEntry[] = []
  for await (const e of readStatementFile(fixture(name), format)) list.push(e)
  return list
}

async function refusal(name: string): Promise<StatementError> {
  try {
    await entriesOf(name)
  } catch (error) {
    expect(error).toBeInstanceOf(StatementError)
    return error as StatementError
  }
  throw new Error(`${name} was accepted`)
}

async function* chunks(text: string, size: number) {
  const bytes = Buffer.from(text, 'utf8')
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

describe('camt.053 statements, versions 001.02 to 001.08', () => {
  it.each(['camt053-v02.xml', 'camt053-v05.xml', 'camt053-v08.xml'])('%s: one entry per movement, one per batch transaction', async (name) => {
    const entries = await entriesOf(name)
    const v = name.slice(9, 11) === '02' ? 2 : Number(name.slice(9, 11))
    expect(entries.map((e) => [e.entryRef, e.amountCents, e.creditDebit, e.status, e.currency])).toEqual([
      [`V${v}-0001`, 1220, 'CRDT', 'BOOK', 'EUR'],
      [`V${v}-0002`, 2196, 'CRDT', 'PDNG', 'EUR'],
      [`V${v}-0003`, 500, 'DBIT', 'BOOK', 'EUR'],
      [`V${v}-0004`, 1220, 'CRDT', 'BOOK', 'USD'],
      [`V${v}-0005-A`, 1220, 'CRDT', 'BOOK', 'EUR'],
      [`V${v}-0005-B`, 3050, 'CRDT', 'BOOK', 'EUR'],
      ...(v === 8 ? [['V8-0006', 1220, 'DBIT', 'BOOK', 'EUR']] : []),
    ])
    expect(entries[0]).toEqual({
      entryRef: `V${v}-0001`,
      account: 'IT60X0542811101000000123456',
      bookingDate: '2026-05-02',
      valueDate: '2026-05-02',
      currency: 'EUR',
      amountCents: 1220,
      creditDebit: 'CRDT',
      status: 'BOOK',
      reversal: false,
      remittanceText: 'RINNOVO PEC ORDINE k7mr 4dxp 61 ROSSI MARIA',
      debtorName: 'ROSSI MARIA',
      bankRef: `V${v}-0001`,
      endToEndId: 'E2E-ROSSI-1',
    })
    expect(entries[5]).toMatchObject({ remittanceText: 'TUVW563467', debtorName: 'VERDI ANNA', bankRef: `V${v}-0005-B` })
    if (v === 8) expect(entries[6]).toMatchObject({ reversal: true, creditDebit: 'DBIT' })
  })

  it.each([2, 6, 8])('camt.053.001.0%i: the payer\'s IBAN (RltdPties/DbtrAcct), compact and upper case: where a refund goes back to', async (version) => {
    const xml = camtStatement([
      { amountCents: 1220, acctSvcrRef: 'R1', remittance: ['K7MR4DXP61'], debtorName: 'ROSSI MARIA', debtorIban: 'it60 x054 2811 1010 0000 0123 456' },
      { amountCents: 1220, acctSvcrRef: 'R2', remittance: ['K7MR4DXP61'] },
    ], { version })
    expect(await collect(parseCamt053([xml]))).toMatchObject([
      { debtorName: 'ROSSI MARIA', debtorIban: 'IT60X0542811101000000123456' },
      { debtorIban: undefined },
    ])
  })

  it('reads the same entries whatever the chunk boundaries (multi-byte characters split included)', async () => {
    const xml = camtStatement([{ amountCents: 1220, acctSvcrRef: 'R1', remittance: ['RINNOVO PERCHÈ ÀÉ K7MR4DXP61'], debtorName: 'NICOLÒ' }], { version: 6 })
    for (const size of [1, 7, 64, 4096]) {
      const list: StatementEntry[] = []
      for await (const e of parseCamt053(chunks(xml, size))) list.push(e)
      expect(list).toMatchObject([{ remittanceText: 'RINNOVO PERCHÈ ÀÉ K7MR4DXP61', debtorName: 'NICOLÒ', status: 'BOOK' }])
    }
  })

  it('reads a document whose namespace is bound to a prefix, and refuses one bound to another namespace', async () => {
    const xml = camtStatement([{ amountCents: 1220, acctSvcrRef: 'R1', remittance: ['K7MR4DXP61'] }])
    const prefixed = xml.replace(/<(\/?)([A-Za-z])/g, '<$1c:$2').replace(' xmlns=', ' xmlns:c=')
    expect(await collect(parseCamt053([prefixed]))).toMatchObject([{ entryRef: 'R1', amountCents: 1220, remittanceText: 'K7MR4DXP61' }])
    const foreign = prefixed.replace(/xmlns:c="[^"]*"/, 'xmlns:c="urn:example:not-camt"')
    await expect(collect(parseCamt053([foreign]))).rejects.toMatchObject({ code: 'not_a_statement' })
  })

  it('takes date-times, structured references and entry-level text', async () => {
    const xml = camtStatement([{ amountCents: 100, acctSvcrRef: 'R1' }], { version: 4 })
      .replace('<BookgDt><Dt>2026-05-02</Dt></BookgDt>', '<BookgDt><DtTm>2026-05-03T09:15:00+02:00</DtTm></BookgDt>')
      .replace('</NtryDtls>', '</NtryDtls><AddtlNtryInf>BONIFICO SEPA</AddtlNtryInf>')
      .replace('</TxDtls>', '<RmtInf><Strd><CdtrRefInf><Ref>RF18K7MR4DXP61</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>')
    const list: StatementEntry[] = []
    for await (const e of parseCamt053(chunks(xml, 100))) list.push(e)
    expect(list).toMatchObject([{ bookingDate: '2026-05-03', remittanceText: 'RF18K7MR4DXP61 BONIFICO SEPA' }])
  })
})

describe('CBI RH movements file', () => {
  it('yields each 62 movement with its 63 causale, amounts signed C/D, the account as an IBAN', async () => {
    const entries = await entriesOf('cbi-rh.txt')
    expect(entries).toEqual([
      {
        entryRef: 'CRO0000000000001',
        account: 'IT60X0542811101000000123456',
        bookingDate: '2026-05-02',
        valueDate: '2026-05-02',
        currency: 'EUR',
        amountCents: 1220,
        creditDebit: 'CRDT',
        status: 'BOOK',
        reversal: false,
        remittanceText: 'RINNOVO PEC ORDINE K7MR-4DXP-61 BONIFICO A VOSTRO FAVORE',
        debtorName: 'ROSSI MARIA',
        bankRef: 'CRO0000000000001',
        endToEndId: 'E2E-ROSSI-1',
      },
      expect.objectContaining({ amountCents: 500, creditDebit: 'DBIT', remittanceText: 'COMMISSIONI' }),
      expect.objectContaining({ amountCents: 2196, remittanceText: 'PAGAMENTO ORDINE ACDE 3456 02 BIANCHI LUCA BONIFICO A VOSTRO FAVORE' }),
    ])
  })

  it('refuses a file cut short, and a file whose movements do not add up to the closing balance', async () => {
    expect((await refusal('cbi-rh-truncated.txt')).code).toBe('truncated')
    const altered = cbiStatement([{ amountCents: 1220, bankRef: 'A' }]).replace('C000000000012,2048', 'C000000000013,2048')
    await expect(collect(parseCbiRh([altered]))).rejects.toMatchObject({ code: 'malformed', message: expect.stringContaining('do not add up') })
  })
})

describe('hostile input: a clear error before anything is yielded', () => {
  it.each([
    ['xxe.xml', 'doctype_refused'],
    ['billion-laughs.xml', 'doctype_refused'],
    ['undefined-entity.xml', 'malformed'],
    ['truncated.xml', 'truncated'],
    ['latin1-declared.xml', 'encoding'],
    ['invalid-utf8.xml', 'encoding'],
    ['not-camt.xml', 'not_a_statement'],
  ])('%s → %s', async (name, code) => {
    const error = await refusal(name)
    expect(error.code).toBe(code)
    expect(error.message.length).toBeGreaterThan(20)
  })

  it('refuses UTF-16, unknown formats, and a single text node of megabytes', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<Document/>', 'utf16le')])
    await expect(collect(parseCamt053([utf16]))).rejects.toMatchObject({ code: 'encoding' })
    const huge = camtHeader8() + `<Ntry><AddtlNtryInf>${'A'.repeat(3 << 20)}</AddtlNtryInf></Ntry>`
    await expect(collect(parseCamt053(chunks(huge, 65536)))).rejects.toMatchObject({ code: 'field_too_long', facts: { element: 'Ntry/AddtlNtryInf', limit: 500 } })
    const unread = camtHeader8() + `<Ntry><BkTxCd>${'A'.repeat(3 << 20)}</BkTxCd></Ntry>`
    await expect(collect(parseCamt053(chunks(unread, 65536)))).rejects.toMatchObject({ code: 'too_large_node' })
    const deep = camtHeader8() + '<a>'.repeat(100)
    await expect(collect(parseCamt053(chunks(deep, 65536)))).rejects.toMatchObject({ code: 'malformed' })
  })
})

function camtHeader8() {
  return camtStatement([]).split('</Stmt>')[0]
}

async function collect(source: AsyncIterable<StatementEntry>) {
  const list: StatementEntry[] = []
  for await (const e of source) list.push(e)
  return list
}
