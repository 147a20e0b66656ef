import { parseOrderId } from '../../src/core/order-id'
import { describe, expect, it } from 'vitest'
import type { CalendarDate } from '../../src/core/calendar'
import { checkPayment } from '../../src/flows/settlement/payment'
import { settleBatch, type ClaimedRows } from '../../src/flows/settlement/settle-batch'

const today = '2026-05-02' as CalendarDate
const pay = (orderRef: string, reference: string, amountCents = 1220) =>
  checkPayment({ orderRef, amountCents, method: 'bonifico', reference, actor: 'operator:anna' })

// two open orders (valid check digits) on two mailboxes, the convention's terms
const A = parseOrderId('K7MR4DXP61')!
const B = parseOrderId('HCT47RJA18')!
const claimed = (over: Partial<ClaimedRows> = {}): ClaimedRows => ({
  stored: [],
  orders: [
    { id: A, status: 'open', totalCents: 1220, years: 1, mailboxId: 1 },
    { id: B, status: 'open', totalCents: 1220, years: 2, mailboxId: 2 },
  ],
  mailboxes: [
    { id: 1, status: 'active', expiresOn: '2026-06-30' as CalendarDate, conventionCode: 'FNOMCEO' },
    { id: 2, status: 'deactivated', expiresOn: '2026-04-30' as CalendarDate, conventionCode: 'FNOMCEO' },
  ],
  conventions: [{ code: 'FNOMCEO', lateRenewalFrom: 'expiry', renewableWindowDays: 90 }],
  ...over,
})

describe('settleBatch: the one decision over a batch (pure)', () => {
  it('R4: in file order, each payment sees what those before it did: the second payment of an order is its duplicate', () => {
    const decisions = settleBatch([pay(A, 'R1'), pay(A, 'R2'), pay(B, 'R3', 1000), pay(B, 'R4')], claimed(), today)
    expect(decisions.map((d) => d.kind)).toEqual(['paid', 'duplicate', 'held', 'paid'])
    expect(decisions[0]).toMatchObject({ expiredOn: '2026-06-30', extendsFrom: '2026-06-30', newExpiresOn: '2027-06-30', reactivates: false })
    expect(decisions[1]).toMatchObject({ expiresOn: '2027-06-30' }) // as left by the payment before it
    expect(decisions[2]).toMatchObject({ reason: 'amount_mismatch', refundDue: false })
    expect(decisions[3]).toMatchObject({ newExpiresOn: '2028-04-30', reactivates: true }) // R6: from E, re-enabled
  })

  it('R8: a key stored before answers as stored; the same key twice in the batch answers as its first', () => {
    const stored = { id: 7, method: 'bonifico', reference: 'R1', orderId: A, outcome: 'paid' as const, reason: null, expiresOn: '2027-06-30' as CalendarDate }
    const decisions = settleBatch([pay(A, 'R1'), pay(B, 'R2'), pay(B, 'R2'), pay('ACDE347972', 'R3')], claimed({ stored: [stored] }), today)
    expect(decisions).toMatchObject([
      { kind: 'replayed', stored: { id: 7 } },
      { kind: 'paid' },
      { kind: 'repeated', earlier: 1, expiresOn: '2028-04-30' },
      { kind: 'unknownOrder' }, // a valid ID, but no such order: kept for an operator
    ])
  })

  it('R3: a mistyped order ID names no order, whatever the amount', () => {
    expect(settleBatch([pay('K7MR4DXP62', 'R1')], claimed(), today)).toEqual([{ kind: 'unknownOrder' }])
  })
})
