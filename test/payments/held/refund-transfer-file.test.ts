import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { eq } from 'drizzle-orm'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { validateXML } from 'xmllint-wasm'
import type { CalendarDate } from '../../../src/core/calendar'
import { formatOrderId, type OrderId } from '../../../src/core/order-id'
import { auditLog } from '../../../src/db/schema'
import { assignHeldPayment } from '../../../src/flows/assign-payment'
import { importStatement } from '../../../src/flows/imports/import-statement'
import { listHeldPayments, listRefundsDue } from '../../../src/payments/held/list-held'
import { makeRefundTransferFile } from '../../../src/payments/held/refund-transfer-file'
import { markNotOurs } from '../../../src/payments/held/resolve-held'
import { refundPayment } from '../../../src/payments/refund-payment'
import { sepaText } from '../../../src/payments/sepa/credit-transfer-file'
import { testDatabases, type TestDatabase } from '../../support/databases'
import { openOrder, servicesFor } from '../gateways/harness'
import { camtStatement } from '../offline/statement-builder'

// Issue 11: the SEPA credit-transfer file (pain.001.001.09) of the bank refunds an operator chose.

/**
 * The EPC's pain.001.001.09 schema (SCT rulebook), when present: it is not in the repository (its
 * licence is the EPC's); drop the published file here to validate against it as well.
 */
const XSD = fileURLToPath(new URL('../../fixtures/iso20022/pain.001.001.09.xsd', import.meta.url))

const folder = mkdtempSync(join(tmpdir(), 'sepa-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))
let files = 0
const anna = 'operator:anna'
const DEBTOR = { name: 'PEC Provider S.p.A.', iban: 'IT60X0542811101000000123456', bic: 'BPMOIT22XXX' }
const NICCOLO_IBAN = 'IT98Z1234512345123456789012'
const LUIGI_IBAN = 'DE89370400440532013000'
const refusal = (code: string) => expect.objectContaining({ name: 'DomainError', code })
const tags = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}(?: [^>]*)?>([^<]*)</${tag}>`, 'g'))].map((m) => m[1])

describe.each(testDatabases())('%s: the SEPA file of bank refunds (issue 11)', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  /** Three refunds due by bank: an overpayment's difference and a "not ours" with the payer's IBAN, a "not ours" without one. */
  async function refundsDue() {
    t = await open()
    const { services, clock } = servicesFor(t)
    const { order } = await openOrder(t, services, { method: 'bonifico' })
    const path = join(folder, `s-${process.pid}-${++files}.xml`)
    writeFileSync(
      path,
      camtStatement([
        { amountCents: 1500, acctSvcrRef: 'B-1', remittance: ['rinnovo casella'], debtorName: "Niccolò D'Amico", debtorIban: NICCOLO_IBAN },
        { amountCents: 1000, acctSvcrRef: 'B-2', remittance: ['quota ordine'], debtorName: 'Luigi Verdi', debtorIban: LUIGI_IBAN },
        { amountCents: 700, acctSvcrRef: 'B-3', remittance: ['altro'], debtorName: 'Senza Conto' },
      ]),
    )
    await importStatement(services.deps, path, { actor: anna })
    const [over, stray, noIban] = await listHeldPayments(t.database.db)
    await assignHeldPayment(services.deps, { paymentId: over.id, orderRef: formatOrderId(order.orderId as OrderId), reason: 'telefonata', actor: anna })
    await markNotOurs(services.deps, { paymentId: stray.id, reason: 'quota dell’Ordine', actor: anna })
    await markNotOurs(services.deps, { paymentId: noIban.id, reason: 'non nostro', actor: anna })
    return { deps: services.deps, clock, order, over, stray, noIban }
  }
  const fileAudits = () => t.database.db.select().from(auditLog).where(eq(auditLog.action, 'refund.transfer_file_made'))

  it('one transfer per refund chosen, from the provider\'s account to the payer\'s IBAN; nothing refunded, the file audited on each payment', async () => {
    const { deps, order, over, stray } = await refundsDue()
    const file = await makeRefundTransferFile(deps, { paymentIds: [stray.id, over.id], executionDate: '2026-05-04' as CalendarDate, debtor: DEBTOR, actor: anna })
    expect(file).toMatchObject({ transfers: 2, totalCents: 1280, fileName: `${file.messageId}.xml` })
    expect(file.messageId).toMatch(new RegExp(`^RIMB-20260501\\d{6}-${over.id}$`))
    const xml = file.xml
    expect(xml).toContain('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">')
    expect(tags(xml, 'MsgId')).toEqual([file.messageId])
    expect(tags(xml, 'NbOfTxs')).toEqual(['2', '2'])
    expect(tags(xml, 'CtrlSum')).toEqual(['12.80', '12.80'])
    expect(tags(xml, 'Dt')).toEqual(['2026-05-04'])
    expect(tags(xml, 'BICFI')).toEqual([DEBTOR.bic])
    expect(tags(xml, 'IBAN')).toEqual([DEBTOR.iban, NICCOLO_IBAN, LUIGI_IBAN])
    expect(tags(xml, 'Nm')).toEqual([DEBTOR.name, DEBTOR.name, 'Niccolo D&apos;Amico', 'Luigi Verdi'])
    expect(tags(xml, 'EndToEndId')).toEqual([`RIMB-${over.id}`, `RIMB-${stray.id}`])
    expect(tags(xml, 'InstdAmt')).toEqual(['2.80', '10.00'])
    expect(tags(xml, 'Ustrd')).toEqual([`Rimborso EUR 2.80 ordine ${formatOrderId(order.orderId as OrderId)}`, 'Rimborso EUR 10.00 quota ordine'])

    expect((await listRefundsDue(t.database.db)).map((r) => r.id)).toEqual(expect.arrayContaining([over.id, stray.id])) // still due: the file refunds nothing
    const audits = await fileAudits()
    expect(audits.map((a) => [a.paymentId, a.actor])).toEqual(expect.arrayContaining([[over.id, anna], [stray.id, anna]]))
    expect(audits[0].data).toMatchObject({ messageId: file.messageId, executionDate: '2026-05-04' })
    if (existsSync(XSD)) {
      const result = await validateXML({ xml: [{ fileName: 'f.xml', contents: xml }], schema: { fileName: 'p.xsd', contents: readFileSync(XSD, 'utf8') }, modifyArguments: (a) => ['--nonet', ...a] })
      expect(result.errors.map((e) => e.rawMessage)).toEqual([])
      expect(result.valid).toBe(true)
    }
  })

  it('refused whole, writing nothing: no refund chosen, one with no IBAN, one refunded already, no account to pay from', async () => {
    const { deps, over, stray, noIban } = await refundsDue()
    const make = (paymentIds: number[], debtor: typeof DEBTOR | null = DEBTOR) => makeRefundTransferFile(deps, { paymentIds, executionDate: '2026-05-04' as CalendarDate, debtor, actor: anna })
    await expect(make([])).rejects.toEqual(refusal('refund_selection_empty'))
    await expect(make([over.id, noIban.id])).rejects.toEqual(refusal('refund_not_by_transfer'))
    await expect(make([over.id], null)).rejects.toEqual(refusal('transfer_account_missing'))
    await refundPayment(deps, { byName: () => undefined }, { paymentId: stray.id, actor: anna, bankTransfer: { refundedOn: '2026-05-02' as CalendarDate, transferRef: 'TRN-9' } })
    await expect(make([stray.id])).rejects.toEqual(refusal('refund_not_by_transfer'))
    expect(await fileAudits()).toEqual([])
  })

  it('texts in the SEPA character set: accents dropped, others a space, cut to their limit', () => {
    expect(sepaText('Niccolò Àlvarez & Figli <s.r.l.>', 70)).toBe('Niccolo Alvarez Figli s.r.l.')
    expect(sepaText('€€€', 10)).toBe('-')
    expect(sepaText('x'.repeat(200), 140)).toHaveLength(140)
  })
})
