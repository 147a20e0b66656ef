import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migratedFolder, runCli } from '../../cli/run-cli'

// `pec-renewal payment refund`, end to end on an embedded database (the sandbox: no gateway keys).
describe('pec-renewal payment refund', () => {
  let folder: string
  let env: Record<string, string>
  beforeAll(() => {
    folder = migratedFolder('pec-renewal-refund-')
    env = { DATABASE_URL: join(folder, 'data'), PEC_OPERATOR: 'anna', PEC_LANG: 'en' } // human text asserted in English
  })
  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  it('R4/R8: refunds a duplicate once, refuses a payment with nothing due', { timeout: 240_000 }, async () => {
    expect((await runCli(['demo', '--json'], env)).code).toBe(0)
    const order = JSON.parse((await runCli(['order', 'create', '--mailbox', 'giulia.bianchi@pec.omceo-demo.it', '--years', '1', '--method', 'bonifico', '--json'], env)).stdout)
    const amount = (order.totalCents / 100).toFixed(2)
    const pay = (reference: string) => runCli(['payment', 'register', '--order', order.orderId, '--amount', amount, '--method', 'bonifico', '--reference', reference, '--json'], env)
    const paid = JSON.parse((await pay('CRO-1')).stdout)
    const duplicate = JSON.parse((await pay('CRO-2')).stdout)
    expect(duplicate.outcome).toBe('duplicate')

    const refund = await runCli(['payment', 'refund', '--payment', String(duplicate.paymentId), '--json'], env)
    expect(refund.code, refund.stderr).toBe(0)
    expect(JSON.parse(refund.stdout)).toMatchObject({ paymentId: duplicate.paymentId, orderId: order.orderId, amount, gateway: null, refundRef: null, replayed: false })
    const again = await runCli(['payment', 'refund', '--payment', String(duplicate.paymentId)], env)
    expect(again.stdout).toMatch(/^Already refunded: payment \d+/)

    const refused = await runCli(['payment', 'refund', '--payment', String(paid.paymentId)], env)
    expect(refused.code).toBe(4) // refused by the payment's state (409)
    expect(refused.stderr).toContain('No refund is due for this payment')
    const bad = await runCli(['payment', 'refund', '--payment', 'x'], env)
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/--payment: expected a positive whole number, got "x"/)
  })
})
