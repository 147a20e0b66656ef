import { describe, expect, it } from 'vitest'
import { formatOrderId } from '../../../src/core/order-id'
import { stageStatementEntry } from '../../../src/payments/offline/stage-statement-entry'
import type { StatementEntry } from '../../../src/payments/offline/statement-entry'

const ORDER = 'K7MR4DXP61'
const entry = (over: Partial<StatementEntry> = {}): StatementEntry => ({
  entryRef: 'R1',
  account: 'IT60X0542811101000000123456',
  bookingDate: '2026-05-01' as never,
  valueDate: '2026-05-01' as never,
  currency: 'EUR',
  amountCents: 1220,
  creditDebit: 'CRDT',
  status: 'BOOK',
  reversal: false,
  remittanceText: `RINNOVO ${formatOrderId(ORDER as never)}`,
  bankRef: 'R1',
  ...over,
})

describe('stageStatementEntry: a bank entry as it is stored before settling (issue 10)', () => {
  it('a booked credit is a payment under its R8 key, naming its order, with what to say should the order be unknown', () => {
    expect(stageStatementEntry(entry(), new Map())).toMatchObject({
      kind: 'payment',
      method: 'bonifico',
      reference: 'IT60X0542811101000000123456/R1',
      orderRef: ORDER,
      orderId: ORDER,
      note: `unknown_order:${formatOrderId(ORDER as never)}`,
      facts: { account: 'IT60X0542811101000000123456', entryRef: 'R1', remittanceText: `RINNOVO ${formatOrderId(ORDER as never)}` },
    })
  })

  it.each([
    [{ status: 'PDNG' }, 'not_booked:PDNG'],
    [{ currency: 'USD' }, 'currency:USD'],
    [{ creditDebit: 'DBIT' as const }, 'debit'],
    [{ reversal: true }, 'reversal_of_debit'],
    [{ amountCents: 2_147_483_648 }, 'amount_too_large'], // beyond any payment (payments.amount_cents): an operator looks
  ])('is stored as ignored, saying why: %o → %s', (over, why) => {
    expect(stageStatementEntry(entry(over), new Map())).toMatchObject({ kind: 'ignored', note: why })
  })

  it('a DBIT reversal keeps what finds its original: account, the same reference, the end-to-end id', () => {
    expect(stageStatementEntry(entry({ creditDebit: 'DBIT', reversal: true, endToEndId: 'E2E-1' }), new Map())).toMatchObject({
      kind: 'reversal',
      reference: 'IT60X0542811101000000123456/R1/reversal',
      orderId: ORDER,
      facts: { search: { account: 'IT60X0542811101000000123456', sameReference: 'IT60X0542811101000000123456/R1', endToEndId: 'E2E-1' } },
    })
  })

  it('R8: two identical movements without a bank reference in one file are two, numbered', () => {
    const occurrences = new Map<string, number>()
    const [first, second] = [stageStatementEntry(entry({ bankRef: null }), occurrences), stageStatementEntry(entry({ bankRef: null }), occurrences)]
    expect(first.reference).toMatch(/^IT60X0542811101000000123456\/#[0-9a-f]{32}-1$/)
    expect(second.reference).toBe(first.reference!.replace(/-1$/, '-2'))
  })
})
