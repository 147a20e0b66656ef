import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migratedFolder, runCli } from './run-cli'

// Issue 11: `payment held | resolve | refunds` and the bank refund of `payment refund`, on an embedded database.
describe('pec-renewal payment held, resolve, refunds', () => {
  let folder: string
  let env: Record<string, string>
  beforeAll(() => {
    folder = migratedFolder('pec-renewal-held-')
    env = { DATABASE_URL: join(folder, 'data'), PEC_OPERATOR: 'anna', PEC_LANG: 'en' }
  })
  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  it('lists what waits, assigns an underpayment with the difference accepted, marks one not ours, records its bank refund', { timeout: 240_000 }, async () => {
    expect((await runCli(['demo', '--json'], env)).code).toBe(0)
    const order = JSON.parse((await runCli(['order', 'create', '--mailbox', 'giulia.bianchi@pec.omceo-demo.it', '--years', '1', '--method', 'bonifico', '--json'], env)).stdout)
    const pay = (orderRef: string, amount: string, reference: string) =>
      runCli(['payment', 'register', '--order', orderRef, '--amount', amount, '--method', 'bonifico', '--reference', reference, '--json'], env)
    const short = JSON.parse((await pay(order.orderId, '10.00', 'CRO-SHORT')).stdout)
    const stray = JSON.parse((await pay('quota associativa', '50.00', 'CRO-STRAY')).stdout)
    expect([short.outcome, stray.outcome]).toEqual(['held', 'unknownOrder'])

    const held = await runCli(['payment', 'held', '--json'], env)
    expect(held.code, held.stderr).toBe(0)
    const queue = JSON.parse(held.stdout)
    const ids = queue.map((h: { id: number }) => h.id)
    expect(ids).toEqual(expect.arrayContaining([short.paymentId, stray.paymentId]))
    expect(queue.find((h: { id: number }) => h.id === short.paymentId)).toMatchObject({ amountCents: 1000, reason: 'amount_mismatch', causale: order.orderId })
    expect(queue.find((h: { id: number }) => h.id === stray.paymentId)).toMatchObject({ amountCents: 5000, causale: 'quota associativa' })
    expect((await runCli(['payment', 'held'], env)).stdout).toContain('10.00')

    const neither = await runCli(['payment', 'resolve', String(short.paymentId), '--reason', 'x'], env)
    expect(neither.code).not.toBe(0)
    expect(neither.stderr).toContain('Give --order ID or --not-ours')
    const refused = await runCli(['payment', 'resolve', String(short.paymentId), '--order', order.orderId, '--reason', 'holder paid without the fee'], env)
    expect(refused.code).toBe(2) // a value the rules refuse (422: difference_not_accepted)
    expect(refused.stderr).toContain('accept the difference')
    const assigned = await runCli(['payment', 'resolve', String(short.paymentId), '--order', order.orderId, '--reason', 'holder paid without the fee', '--accept-difference', '--json'], env)
    expect(assigned.code, assigned.stderr).toBe(0)
    expect(JSON.parse(assigned.stdout)).toMatchObject({ resolution: 'assigned', paymentId: short.paymentId, appliedCents: 1000, acceptedDifferenceCents: order.totalCents - 1000 })
    const twice = await runCli(['payment', 'resolve', String(short.paymentId), '--order', order.orderId, '--reason', 'again', '--accept-difference'], env)
    expect(twice.code).toBe(4) // refused by the state of things (409: payment_already_resolved)
    expect(twice.stderr).toContain('already been resolved')

    const notOurs = await runCli(['payment', 'resolve', String(stray.paymentId), '--not-ours', '--reason', 'a membership fee for the Order, not us'], env)
    expect(notOurs.code, notOurs.stderr).toBe(0)
    expect(notOurs.stdout).toContain('not ours')
    const refunds = JSON.parse((await runCli(['payment', 'refunds', '--json'], env)).stdout)
    expect(refunds).toEqual([expect.objectContaining({ id: stray.paymentId, refundCents: 5000, refundReason: 'not_ours', gateway: null })])

    const noCro = await runCli(['payment', 'refund', '--payment', String(stray.paymentId), '--date', '2026-05-03'], env)
    expect(noCro.code).not.toBe(0)
    const refund = await runCli(['payment', 'refund', '--payment', String(stray.paymentId), '--date', '2026-05-03', '--cro', 'TRN-777', '--iban', 'IT60X0542811101000000123456', '--json'], env)
    expect(refund.code, refund.stderr).toBe(0)
    expect(JSON.parse(refund.stdout)).toMatchObject({ paymentId: stray.paymentId, refundRef: 'TRN-777', amount: '50.00' })
    expect(JSON.parse((await runCli(['payment', 'refunds', '--json'], env)).stdout)).toEqual([])
    expect(JSON.parse((await runCli(['payment', 'held', '--json'], env)).stdout).map((h: { id: number }) => h.id)).not.toContain(stray.paymentId)
  })
})
