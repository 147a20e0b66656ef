import { expect } from 'vitest'
import { instantAt, type CalendarDate } from '../../src/core/calendar'
import type { ManualClock } from '../../src/core/clock'
import type { Deps } from '../../src/deps'
import { registerPayment } from '../../src/flows/register-payment'
import { placeOrder } from '../../src/renewals/place-order'
import type { PaymentMethod } from '../../src/renewals/schema'
import { seedConvention, seedMailbox } from './seed'

const day = (d: string) => d as CalendarDate

/**
 * The dashboard's seeded day (today 5 December 2026): three renewals paid (25 Nov card, 1 Dec
 * bonifico, 5 Dec card), a held underpayment and an unmatched transfer on 3 Dec, mailboxes expiring
 * in the next weeks (one renewed early each in weeks 1 and 2, one not yet in week 0) and November's
 * cohort (one renewed late, one deactivated).
 */
export async function seedDashboardDay(deps: Deps, clock: ManualClock): Promise<void> {
  const db = deps.db
  const at = (d: string, time = '10:00') => clock.set(instantAt(day(d), time))
  const renew = async (mailboxId: number, years: number, method: PaymentMethod, on: string, reference: string) => {
    at(on)
    const order = await placeOrder(deps, { mailboxId, years, method, actor: 'operator:test' })
    const paid = await registerPayment(deps, { orderRef: order.orderId, amountCents: order.totalCents, method, reference, actor: 'operator:test' })
    expect(paid.outcome).toBe('paid')
    return order
  }
  await seedConvention(db)
  const a = await seedMailbox(db, { expiresOn: '2026-12-20', address: 'a@pec.example.it' })
  const b = await seedMailbox(db, { expiresOn: '2026-12-10', address: 'b@pec.example.it' })
  const c = await seedMailbox(db, { expiresOn: '2026-12-12', address: 'c@pec.example.it' })
  await seedMailbox(db, { expiresOn: '2026-11-15', address: 'd@pec.example.it', status: 'deactivated', deactivatedOn: '2026-11-16' })
  const e = await seedMailbox(db, { expiresOn: '2026-11-20', address: 'e@pec.example.it', status: 'deactivated', deactivatedOn: '2026-11-21' })
  await renew(e.id, 1, 'card', '2026-11-25', 'card-e')
  await renew(a.id, 1, 'bonifico', '2026-12-01', 'cro-a')
  at('2026-12-03')
  const open = await placeOrder(deps, { mailboxId: b.id, years: 1, method: 'bonifico', actor: 'operator:test' })
  expect((await registerPayment(deps, { orderRef: open.orderId, amountCents: 1000, method: 'bonifico', reference: 'cro-short', actor: 'operator:test' })).outcome).toBe('held')
  expect((await registerPayment(deps, { orderRef: 'quota associativa', amountCents: 5000, method: 'bonifico', reference: 'cro-stray', actor: 'operator:test' })).outcome).toBe('unknownOrder')
  await renew(c.id, 2, 'card', '2026-12-05', 'card-c')
  at('2026-12-05', '18:00')
}

