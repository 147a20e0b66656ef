import { describe, expect, it } from 'vitest'
import { orders, payments } from '../../../src/db/schema'
import { placeOrder } from '../../../src/renewals/place-order'
import { BILLING, apiUnderTest } from '../../support/api'
import { postgresOnly, testDatabases } from '../../support/databases'

describe.each(testDatabases())('%s: /api/v1 Idempotency-Key (issue 15)', (_name, open) => {
  const server = apiUnderTest(open)

  it('a retried POST answers the first answer (status and body), and places one order', async () => {
    const api = await server.start()
    const body = { mailbox: api.mailbox.address, years: 1, method: 'bonifico', billing: BILLING, contractsAccepted: true }
    const first = await api.call('POST', '/api/v1/orders', { as: 'orders', body, key: 'order-1' })
    expect(first.statusCode, first.body).toBe(201)
    const retry = await api.call('POST', '/api/v1/orders', { as: 'orders', body, key: 'order-1' })
    expect(retry.statusCode).toBe(201) // not 200 "resumed": the first answer itself
    expect(retry.body).toBe(first.body)
    expect(retry.headers['idempotent-replayed']).toBe('true')
    expect(await api.t.database.db.select().from(orders)).toHaveLength(1)
  }, 180_000) // the first test of the file builds the server cold: over a minute on a loaded machine

  it('the same key with another body is refused (422); no key is refused (400); keys are per token', async () => {
    const api = await server.start()
    const order = await placeOrder(api.services.deps, { mailboxId: api.mailbox.id, years: 1, method: 'bonifico', actor: 'holder:x' })
    const pay = (reference: string, as: 'payments' | 'admin' = 'payments', key: string | null = 'pay-1') =>
      api.call('POST', '/api/v1/payments', { as, key, body: { order: order.orderId, amountCents: 1220, method: 'bonifico', reference } })
    expect((await pay('CRO-1')).statusCode).toBe(201)
    const other = await pay('CRO-2')
    expect(other.statusCode).toBe(422)
    expect(JSON.parse(other.body).error.code).toBe('idempotency_key_reused')
    const missing = await pay('CRO-3', 'payments', null)
    expect(missing.statusCode).toBe(400)
    expect(JSON.parse(missing.body).error.code).toBe('idempotency_key_missing')
    const otherToken = await pay('CRO-2', 'admin')
    expect(otherToken.statusCode).toBe(201)
    expect(JSON.parse(otherToken.body)).toMatchObject({ outcome: 'duplicate', replayed: false })
    expect((await api.t.database.db.select().from(payments)).map((p) => p.reference).sort()).toEqual(['CRO-1', 'CRO-2'])
  })

  it('a refusal is an answer too: retried, it is refused the same way without running again', async () => {
    const api = await server.start()
    const body = { mailbox: 'nobody@pec.example.it', years: 1, method: 'bonifico', billing: BILLING, contractsAccepted: true }
    const first = await api.call('POST', '/api/v1/orders', { as: 'orders', body, key: 'k' })
    expect(first.statusCode).toBe(404)
    const retry = await api.call('POST', '/api/v1/orders', { as: 'orders', body, key: 'k' })
    expect([retry.statusCode, retry.body, retry.headers['idempotent-replayed']]).toEqual([404, first.body, 'true'])
  })
})

describe.each(postgresOnly())('%s: concurrent retries (issue 15)', (_name, open) => {
  const server = apiUnderTest(open)

  it('two concurrent POSTs with one key: one runs, the other waits for nothing and gets 409 or the first answer; one payment', async () => {
    const api = await server.start()
    const order = await placeOrder(api.services.deps, { mailboxId: api.mailbox.id, years: 1, method: 'bonifico', actor: 'holder:x' })
    for (let round = 0; round < 5; round++) {
      const body = { order: order.orderId, amountCents: 1220, method: 'bonifico', reference: `CRO-${round}` }
      const answers = await Promise.all([0, 1].map(() => api.call('POST', '/api/v1/payments', { as: 'payments', key: `same-${round}`, body })))
      const statuses = answers.map((a) => a.statusCode).sort()
      expect([[201, 201], [201, 409]]).toContainEqual(statuses)
      const ran = answers.filter((a) => a.statusCode === 201 && a.headers['idempotent-replayed'] !== 'true')
      expect(ran).toHaveLength(1)
      const busy = answers.find((a) => a.statusCode === 409)
      if (busy) expect(JSON.parse(busy.body).error.code).toBe('idempotency_key_in_use')
      // the loser's retry, once the first has answered, is the first answer
      const retry = await api.call('POST', '/api/v1/payments', { as: 'payments', key: `same-${round}`, body })
      expect(retry.body).toBe(ran[0].body)
    }
    expect(await api.t.database.db.select().from(payments)).toHaveLength(5) // one per round: paid once, then duplicates
  })
})
