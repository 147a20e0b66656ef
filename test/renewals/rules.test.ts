import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { addYears, compareDates, type CalendarDate } from '../../src/core/calendar'
import {
  extendedExpiry,
  isRenewable,
  openOrderFacts,
  payBy,
  priceOrder,
  renewalBase,
  renewableUntil,
  settle,
  type Settlement,
} from '../../src/renewals/rules'
import type { OrderStatus } from '../../src/renewals/schema'
import type { MailboxStatus } from '../../src/accounts/schema'

const day = (text: string) => text as CalendarDate
const expiryPolicy = { lateRenewalFrom: 'expiry' as const, renewableWindowDays: 90 }
const paymentPolicy = { lateRenewalFrom: 'payment' as const, renewableWindowDays: 90 }

describe('R3: order price', () => {
  it.each([
    [1000, 2200, 220, 1220],
    [1800, 2200, 396, 2196],
    [2500, 2200, 550, 3050],
    [1, 2200, 0, 1], // 0.22 cents rounds down
    [3, 2200, 1, 4], // 0.66 cents rounds up
  ])('R3: net %i at %i bp → VAT %i, total %i', (netCents, vatBasisPoints, vatCents, totalCents) => {
    expect(priceOrder({ netCents, vatBasisPoints })).toEqual({ netCents, vatCents, totalCents })
  })
})

describe('R4/R6: where a renewal counts from', () => {
  it.each([
    ['R4: early payment, months before E', '2026-06-30', '2026-01-10', 'expiry', '2026-06-30'],
    ['R4: payment on E itself', '2026-06-30', '2026-06-30', 'expiry', '2026-06-30'],
    ['R4: early payment under the payment policy still counts from E', '2026-06-30', '2026-05-01', 'payment', '2026-06-30'],
    ['R6: late payment in the window counts from E (policy expiry)', '2026-06-30', '2026-08-15', 'expiry', '2026-06-30'],
    ['R6: late payment counts from the payment date (policy payment)', '2026-06-30', '2026-08-15', 'payment', '2026-08-15'],
  ] as const)('%s', (_rule, expiresOn, paymentDate, lateRenewalFrom, base) => {
    expect(renewalBase({ expiresOn: day(expiresOn) }, { lateRenewalFrom }, day(paymentDate))).toBe(base)
  })

  it.each([
    ['2026-03-31', 1, '2027-03-31'],
    ['2028-02-29', 1, '2029-02-28'],
    ['2028-02-29', 4, '2032-02-29'],
    ['2026-12-31', 3, '2029-12-31'],
  ])('R1/R4: %s + %i year(s) = %s', (from, years, to) => {
    expect(extendedExpiry(day(from), years)).toBe(to)
  })
})

describe('R6: renewable window', () => {
  it.each([
    ['active before E', 'active', '2026-06-30', '2026-06-01', true],
    ['deactivated on the last day of the window (E + 90)', 'deactivated', '2026-06-30', '2026-09-28', true],
    ['deactivated the day after the window', 'deactivated', '2026-06-30', '2026-09-29', false],
    ['ceased, whatever the date', 'ceased', '2026-06-30', '2026-07-02', false],
  ] as const)('R6: %s → renewable %s', (_case, status, expiresOn, today, renewable) => {
    expect(isRenewable({ status, expiresOn: day(expiresOn) }, expiryPolicy, day(today))).toBe(renewable)
  })

  it('R6: the window ends 90 days after E by default', () => {
    expect(renewableUntil(day('2026-06-30'), 90)).toBe('2026-09-28')
  })
})

describe('R4/R6: settling one payment', () => {
  const open = { status: 'open' as OrderStatus, totalCents: 1220, years: 1 }
  const active = { status: 'active' as MailboxStatus, expiresOn: day('2026-06-30') }
  const deactivated = { status: 'deactivated' as MailboxStatus, expiresOn: day('2026-06-30') }

  it.each<[string, OrderStatus, MailboxStatus, number, string, Settlement]>([
    ['R4: exact amount, early', 'open', 'active', 1220, '2026-05-01', { kind: 'paid', extendsFrom: day('2026-06-30'), newExpiresOn: day('2027-06-30'), reactivates: false }],
    ['R6: exact amount, late within the window', 'open', 'deactivated', 1220, '2026-08-01', { kind: 'paid', extendsFrom: day('2026-06-30'), newExpiresOn: day('2027-06-30'), reactivates: true }],
    ['R4: an already paid order is a duplicate', 'paid', 'active', 1220, '2026-05-01', { kind: 'duplicate' }],
    ['R4: a duplicate even with another amount', 'paid', 'active', 999, '2026-05-01', { kind: 'duplicate' }],
    ['R4: too little is held', 'open', 'active', 1219, '2026-05-01', { kind: 'held', reason: 'amount_mismatch', refundDue: false }],
    ['R4: too much is held', 'open', 'active', 1300, '2026-05-01', { kind: 'held', reason: 'amount_mismatch', refundDue: false }],
    ['R6: after cessation, held for refund', 'open', 'ceased', 1220, '2026-10-05', { kind: 'held', reason: 'mailbox_ceased', refundDue: true }],
    ['R6: after the window, even before the daily run ceased it', 'open', 'deactivated', 1220, '2026-09-29', { kind: 'held', reason: 'mailbox_ceased', refundDue: true }],
    ['R6: a lapsed order is held for refund', 'lapsed', 'ceased', 1220, '2026-10-05', { kind: 'held', reason: 'order_lapsed', refundDue: true }],
    ['a cancelled order (withdrawn by the holder) extends nothing: held for refund', 'cancelled', 'active', 1220, '2026-05-01', { kind: 'held', reason: 'order_lapsed', refundDue: true }],
  ])('%s', (_rule, orderStatus, mailboxStatus, amountCents, paymentDate, expected) => {
    const mailbox = { status: mailboxStatus, expiresOn: day('2026-06-30') }
    expect(settle({ ...open, status: orderStatus }, mailbox, amountCents, expiryPolicy, day(paymentDate))).toEqual(expected)
  })

  it('R6: under the payment policy a late payment counts from the payment date', () => {
    expect(settle(open, deactivated, 1220, paymentPolicy, day('2026-08-01'))).toMatchObject({
      kind: 'paid',
      extendsFrom: '2026-08-01',
      newExpiresOn: '2027-08-01',
    })
  })

  it('R1/R4: 29 February + 1 year = 28 February', () => {
    const leap = { ...active, expiresOn: day('2028-02-29') }
    expect(settle(open, leap, 1220, expiryPolicy, day('2028-01-15'))).toMatchObject({ newExpiresOn: '2029-02-28' })
  })

  it.each<[string, number, OrderStatus, MailboxStatus, Settlement['kind'], string?]>([
    ['issue 11: less than the total, the difference accepted by an operator, pays', 1000, 'open', 'active', 'paid'],
    ['issue 11: an accepted shortfall never lets more than the total through', 1300, 'open', 'active', 'held', 'amount_mismatch'],
    ['issue 11: an accepted shortfall does not pay a paid order twice', 1000, 'paid', 'active', 'duplicate'],
    ['issue 11: nor a ceased mailbox', 1000, 'open', 'ceased', 'held', 'mailbox_ceased'],
  ])('%s', (_rule, amountCents, orderStatus, mailboxStatus, kind, reason) => {
    const outcome = settle({ ...open, status: orderStatus }, { status: mailboxStatus, expiresOn: day('2026-06-30') }, amountCents, expiryPolicy, day('2026-05-01'), { acceptShortfall: true })
    expect(outcome.kind).toBe(kind)
    if (reason) expect(outcome).toMatchObject({ reason })
  })
})

describe('R2: the day a slow payment must be sent', () => {
  it.each([
    ['card', '2026-06-30'],
    ['paypal', '2026-06-30'],
    ['bonifico', '2026-06-27'],
    ['bollettino', '2026-06-25'],
  ] as const)('R2: %s by %s for E = 2026-06-30', (method, expected) => {
    expect(payBy(day('2026-06-30'), method)).toBe(expected)
  })

  it('R2/R6: a deactivated mailbox has until the end of the window', () => {
    const order = { id: 'K7MR4DXP52', totalCents: 1220, method: 'bonifico' as const }
    expect(openOrderFacts(order, { status: 'active', expiresOn: day('2026-06-30') }, expiryPolicy)).toEqual({
      orderId: 'K7MR4DXP52',
      totalCents: 1220,
      method: 'bonifico',
      payBy: '2026-06-27',
    })
    expect(openOrderFacts(order, { status: 'deactivated', expiresOn: day('2026-06-30') }, expiryPolicy).payBy).toBe('2026-09-25')
  })
})

// Property tests: a simulated ledger of one order and its mailbox, driven through settle().
const isoDay = fc
  .date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2032-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => day(d.toISOString().slice(0, 10)))

describe('R4/R8: properties', () => {
  it('R4: any sequence of payments extends the mailbox at most once, by exactly the duration from E', () => {
    fc.assert(
      fc.property(
        isoDay,
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.array(
          fc.record({
            exact: fc.boolean(),
            amountCents: fc.integer({ min: 1, max: 5000 }),
            reference: fc.constantFrom('r1', 'r2', 'r3', 'r4'), // few references: many replays
            daysBeforeE: fc.integer({ min: 0, max: 400 }),
          }),
          { maxLength: 12 },
        ),
        (expiresOn, years, totalCents, payments) => {
          const seen = new Map<string, Settlement>() // R8: (method, reference) stored once
          const order = { status: 'open' as OrderStatus, totalCents, years }
          const mailbox = { status: 'active' as MailboxStatus, expiresOn }
          let extensions = 0
          for (const p of payments) {
            if (seen.has(p.reference)) continue // replayed: changes nothing
            const paymentDate = addDaysBack(expiresOn, p.daysBeforeE)
            const outcome = settle(order, mailbox, p.exact ? totalCents : p.amountCents, expiryPolicy, paymentDate)
            seen.set(p.reference, outcome)
            if (outcome.kind === 'paid') {
              extensions++
              order.status = 'paid'
              mailbox.expiresOn = outcome.newExpiresOn
            }
          }
          const paid = [...seen.values()].some((s) => s.kind === 'paid')
          expect(extensions).toBeLessThanOrEqual(1)
          expect(mailbox.expiresOn).toBe(paid ? addYears(expiresOn, years) : expiresOn)
          // every payment after the paying one is a duplicate, never a second extension
          const kinds = [...seen.values()].map((s) => s.kind)
          const firstPaid = kinds.indexOf('paid')
          if (firstPaid >= 0) expect(kinds.slice(firstPaid + 1).every((k) => k === 'duplicate')).toBe(true)
        },
      ),
    )
  })

  it('R4: an early payment never loses a day: the new expiry is after the old one and independent of the payment date', () => {
    fc.assert(
      fc.property(isoDay, fc.integer({ min: 0, max: 365 }), fc.integer({ min: 0, max: 365 }), fc.integer({ min: 1, max: 3 }), (e, a, b, years) => {
        const order = { status: 'open' as OrderStatus, totalCents: 100, years }
        const mailbox = { status: 'active' as MailboxStatus, expiresOn: e }
        const first = settle(order, mailbox, 100, paymentPolicy, addDaysBack(e, a))
        const second = settle(order, mailbox, 100, paymentPolicy, addDaysBack(e, b))
        expect(first).toEqual(second)
        expect(first.kind === 'paid' && compareDates(first.newExpiresOn, e) > 0).toBe(true)
      }),
    )
  })
})

function addDaysBack(date: CalendarDate, days: number): CalendarDate {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() - days)
  return day(d.toISOString().slice(0, 10))
}
