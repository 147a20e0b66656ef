import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { parseCalendarDate as day } from '../../src/core/calendar'
import type { ManualClock } from '../../src/core/clock'
import { DomainError } from '../../src/core/errors'
import { FNOMCEO_DEMO } from '../../src/catalog/queries'
import { queryRows, sql, type Db } from '../../src/db/client'
import type { Deps } from '../../src/deps'
import { deliverEvents, httpTransport, type WebhookTransport } from '../../src/events/deliver-events'
import { addEndpoint, enableEndpoint, listDeliveries, findEndpoint } from '../../src/events/endpoints'
import type { WebhookSettings } from '../../src/events/settings'
import { registerPayment } from '../../src/flows/register-payment'
import { deactivateBatch } from '../../src/lifecycle/queries'
import { lifecyclePlan } from '../../src/lifecycle/rules'
import { lifecycleConventions } from '../../src/lifecycle/queries'
import { runLifecycle } from '../../src/lifecycle/run-lifecycle'
import { placeOrder } from '../../src/renewals/place-order'
import { testDatabases, type TestDatabase } from '../support/databases'
import { testDeps } from '../support/deps'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'

const LOCAL: WebhookSettings = { allowHttp: true, allowPrivateAddresses: true, disableAfterFailures: 3 }
const ADMIN = 'operator:admin'

/**
 * A receiver written from docs/webhooks.md alone ("Signature", "To verify"): raw body, header split
 * on "," then on the first "=", HMAC-SHA256 of "<t>.<body>" keyed with the whole secret, constant-time
 * comparison with every v1, t within 5 minutes of the receiver's own clock; 400 otherwise.
 */
function receiver(secretOf: () => Map<string, string>, nowMs: () => number) {
  const accepted: Array<{ path: string; event: any; headers: Record<string, string | string[] | undefined> }> = []
  let rejected = 0
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      const secret = secretOf().get(req.url ?? '')
      const header = String(req.headers['pec-signature'] ?? '')
      const parts = header.split(',').map((part) => {
        const i = part.indexOf('=')
        return [part.slice(0, i).trim(), part.slice(i + 1).trim()]
      })
      const t = Number(parts.find(([k]) => k === 't')?.[1])
      const fresh = Number.isInteger(t) && Math.abs(nowMs() / 1000 - t) <= 300
      const expected = secret ? createHmac('sha256', secret).update(`${t}.${raw}`).digest() : null
      const valid = !!expected && fresh && parts.some(([k, v]) => k === 'v1' && /^[0-9a-f]{64}$/.test(v) && timingSafeEqual(Buffer.from(v, 'hex'), expected))
      if (!valid) {
        rejected++
        res.writeHead(400).end()
        return
      }
      accepted.push({ path: req.url ?? '', event: JSON.parse(raw), headers: req.headers })
      res.writeHead(204).end()
    })
  })
  return {
    accepted,
    rejected: () => rejected,
    listen: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** A POST of `body` with `headers` to `url`: the status. */
function post(url: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function eventRows(db: Db) {
  return queryRows<{ type: string; convention_code: string | null; payload: any }>(db, sql`SELECT type, convention_code, payload FROM events ORDER BY id`)
}

describe.each(testDatabases())('%s: webhooks (issue 15)', (_name, open) => {
  let t: TestDatabase
  const closing: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const close of closing.splice(0)) await close()
    await t?.close()
  })

  async function setup(today: string, webhooks: WebhookSettings = LOCAL) {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    await seedConvention(db, { ...FNOMCEO_DEMO, convention: { ...FNOMCEO_DEMO.convention, code: 'OMCEO-MI', name: 'Ordine di Milano' } })
    const clock = clockOn(today)
    const deps: Deps = { ...testDeps(db, clock), config: { ...testDeps(db, clock).config, webhooks } }
    return { db, clock, deps }
  }

  it('delivers signed events a receiver written from the documentation verifies; a partner gets its convention only', async () => {
    const { db, clock, deps } = await setup('2026-07-01')
    const secrets = new Map<string, string>()
    const r = receiver(() => secrets, () => clock.now().getTime())
    closing.push(r.close)
    const base = await r.listen()
    const partner = await addEndpoint(deps, { url: `${base}/partner`, eventTypes: ['mailbox.deactivated', 'mailbox.ceased'], conventionCode: 'omceo-mi', actor: ADMIN })
    const crm = await addEndpoint(deps, { url: `${base}/crm`, eventTypes: ['mailbox.deactivated'], actor: ADMIN })
    secrets.set('/partner', partner.secret).set('/crm', crm.secret)
    expect(partner.secret).toMatch(/^whsec_/)
    const [stored] = await queryRows<{ secret: string }>(db, sql`SELECT secret FROM event_endpoints WHERE id = ${partner.endpoint.id}`)
    expect(stored.secret).toMatch(/^v1:/) // sealed at rest, never the secret itself
    expect(stored.secret).not.toContain(partner.secret.slice(6))

    const milan = await seedMailbox(db, { expiresOn: '2026-06-30', conventionCode: 'OMCEO-MI', address: 'medico.milano@pec.example.it' })
    await seedMailbox(db, { expiresOn: '2026-06-30', address: 'medico.roma@pec.example.it' })
    expect(await runLifecycle(deps, { date: day('2026-07-01') })).toMatchObject({ deactivated: 2 })

    expect(await deliverEvents(deps, { transport: httpTransport(LOCAL) })).toMatchObject({ delivered: 3, retried: 0 })
    const toPartner = r.accepted.filter((a) => a.path === '/partner')
    expect(toPartner.map((a) => a.event.data.mailbox.address)).toEqual(['medico.milano@pec.example.it'])
    expect(toPartner[0].event).toMatchObject({
      type: 'mailbox.deactivated',
      convention: 'OMCEO-MI',
      data: { mailbox: { id: milan.id, status: 'deactivated', expiresOn: '2026-06-30', convention: 'OMCEO-MI', holder: { fiscalCode: 'RSSMRA85T10A562S' } }, deactivatedOn: '2026-07-01' },
    })
    expect(toPartner[0].headers['pec-event-type']).toBe('mailbox.deactivated')
    expect(r.accepted.filter((a) => a.path === '/crm').map((a) => a.event.data.mailbox.address).sort()).toEqual(['medico.milano@pec.example.it', 'medico.roma@pec.example.it'])

    // the same body with one byte changed, under the genuine signature: refused
    const body = JSON.stringify(toPartner[0].event)
    const header = String(toPartner[0].headers['pec-signature'])
    expect(await post(`${base}/partner`, body, { 'pec-signature': header })).toBe(204)
    expect(await post(`${base}/partner`, body.replace('medico.milano', 'medico.mIlano'), { 'pec-signature': header })).toBe(400)
    // replayed six minutes later: refused (timestamp tolerance)
    clock.advanceMs(6 * 60_000)
    expect(await post(`${base}/partner`, body, { 'pec-signature': header })).toBe(400)
    expect(r.rejected()).toBe(2)
  })

  it('retries a failed delivery with exponential backoff on the injected clock', async () => {
    const { db, clock, deps } = await setup('2026-07-01')
    await addEndpoint(deps, { url: 'http://127.0.0.1:9/crm', eventTypes: ['mailbox.deactivated'], actor: ADMIN })
    await seedMailbox(db, { expiresOn: '2026-06-30' })
    await runLifecycle(deps, { date: day('2026-07-01') })
    const calls: Date[] = []
    let answer = 503
    const transport: WebhookTransport = async () => {
      calls.push(clock.now())
      return { status: answer }
    }
    expect(await deliverEvents(deps, { transport })).toMatchObject({ delivered: 0, retried: 1 })
    expect(await deliverEvents(deps, { transport })).toMatchObject({ retried: 0 }) // not due yet
    clock.advanceMs(59_000)
    await deliverEvents(deps, { transport })
    expect(calls).toHaveLength(1)
    clock.advanceMs(1_000) // 1 minute after the first failure
    expect(await deliverEvents(deps, { transport })).toMatchObject({ retried: 1 })
    clock.advanceMs(119_000)
    await deliverEvents(deps, { transport })
    expect(calls).toHaveLength(2)
    clock.advanceMs(1_000) // then 2 minutes
    answer = 200
    expect(await deliverEvents(deps, { transport })).toMatchObject({ delivered: 1 })
    const endpointId = (await queryRows<{ id: number }>(db, sql`SELECT id FROM event_endpoints`))[0].id
    const [delivery] = await listDeliveries(db, Number(endpointId))
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200, lastError: null })
  })

  it('disables an endpoint after repeated failure (audited), keeps its events waiting, and an admin enables it again', async () => {
    const { db, clock, deps } = await setup('2026-07-01')
    const { endpoint } = await addEndpoint(deps, { url: 'http://127.0.0.1:9/crm', eventTypes: ['mailbox.deactivated'], actor: ADMIN })
    await seedMailbox(db, { expiresOn: '2026-06-30' })
    await seedMailbox(db, { expiresOn: '2026-06-30' })
    await runLifecycle(deps, { date: day('2026-07-01') })
    const down: WebhookTransport = async () => {
      throw new Error('connect ECONNREFUSED')
    }
    expect(await deliverEvents(deps, { transport: down })).toMatchObject({ retried: 2, disabledEndpoints: 0 })
    clock.advanceMs(60_000)
    expect(await deliverEvents(deps, { transport: down })).toMatchObject({ retried: 2, disabledEndpoints: 1 }) // 4 ≥ 3 in a row
    expect(await findEndpoint(db, endpoint.id)).toMatchObject({ enabled: false, disabledReason: 'failures', pending: 2 })
    const audits = await queryRows<{ action: string; actor: string }>(db, sql`SELECT action, actor FROM audit_log WHERE action LIKE 'webhook.%' ORDER BY id`)
    expect(audits).toEqual([{ action: 'webhook.added', actor: ADMIN }, { action: 'webhook.disabled_after_failures', actor: 'system:webhooks' }])
    clock.advanceMs(24 * 3_600_000)
    const received: string[] = []
    const up: WebhookTransport = async (req) => {
      received.push(JSON.parse(req.body).id)
      return { status: 200 }
    }
    expect(await deliverEvents(deps, { transport: up })).toMatchObject({ delivered: 0 }) // disabled: nothing is sent
    await enableEndpoint(deps, { id: endpoint.id, actor: ADMIN })
    expect(await deliverEvents(deps, { transport: up })).toMatchObject({ delivered: 2 })
    expect(new Set(received).size).toBe(2)
    expect(await findEndpoint(db, endpoint.id)).toMatchObject({ enabled: true, consecutiveFailures: 0, pending: 0 })
  })

  it('writes no event when no endpoint wants it', async () => {
    const { db, deps } = await setup('2026-07-01')
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30' })
    await seedMailbox(db, { expiresOn: '2026-08-01' })
    await runLifecycle(deps, { date: day('2026-07-01') })
    const order = await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'card', actor: ADMIN })
    await registerPayment(deps, { orderRef: order.orderId, amountCents: order.totalCents, method: 'card', reference: 'tx-1', actor: 'gateway:test' })
    expect(await eventRows(db)).toEqual([])
    // an endpoint for another type: still none of these
    await addEndpoint(deps, { url: 'http://127.0.0.1:9/x', eventTypes: ['mailbox.ceased'], actor: ADMIN })
    await seedMailbox(db, { expiresOn: '2026-06-30' })
    await runLifecycle(deps, { date: day('2026-07-02') })
    expect(await eventRows(db)).toEqual([])
  })

  it('writes the event in the change’s transaction: a rolled-back deactivation emits nothing', async () => {
    const { db, deps } = await setup('2026-07-01')
    await addEndpoint(deps, { url: 'http://127.0.0.1:9/x', eventTypes: ['mailbox.deactivated'], actor: ADMIN })
    await seedMailbox(db, { expiresOn: '2026-06-30' })
    const plan = lifecyclePlan(await lifecycleConventions(db), day('2026-07-01'))
    await expect(
      db.transaction(async (tx) => {
        expect(await deactivateBatch(tx, plan, { limit: 10, now: deps.clock.now(), skipLocked: true })).toMatchObject({ done: 1 })
        expect(await eventRows(tx as unknown as Db)).toHaveLength(1)
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    expect(await eventRows(db)).toEqual([])
    expect(await queryRows(db, sql`SELECT 1 FROM event_deliveries`)).toEqual([])
    await runLifecycle(deps, { date: day('2026-07-01') })
    expect((await eventRows(db)).map((e) => e.type)).toEqual(['mailbox.deactivated'])
  })

  it('emits payment.registered, mailbox.renewed and invoice.issued with the payment that renews, and reminders', async () => {
    const { db, deps } = await setup('2026-06-24')
    await addEndpoint(deps, { url: 'http://127.0.0.1:9/x', eventTypes: ['mailbox.reminded', 'mailbox.renewed', 'payment.registered', 'payment.held', 'invoice.issued'], conventionCode: 'FNOMCEO', actor: ADMIN })
    const mailbox = await seedMailbox(db, { expiresOn: '2026-07-01' })
    await runLifecycle(deps, { date: day('2026-06-24') })
    const order = await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'bonifico', actor: ADMIN })
    await registerPayment(deps, { orderRef: order.orderId, amountCents: order.totalCents - 1, method: 'bonifico', reference: 'tr-1', actor: 'operator:test' })
    await registerPayment(deps, { orderRef: order.orderId, amountCents: order.totalCents, method: 'bonifico', reference: 'tr-2', actor: 'operator:test' })
    await registerPayment(deps, { orderRef: 'NOSUCHORDER', amountCents: 100, method: 'bonifico', reference: 'tr-3', actor: 'operator:test' }) // no convention: not the partner's
    const events = await eventRows(db)
    // one statement writes a batch's events: their order within it is not their meaning (docs: use `created` and `data`)
    expect(events.map((e) => e.type).sort()).toEqual(['invoice.issued', 'mailbox.reminded', 'mailbox.renewed', 'payment.held', 'payment.registered', 'payment.registered'])
    expect(events.every((e) => e.convention_code === 'FNOMCEO')).toBe(true)
    const of = (type: string) => events.filter((e) => e.type === type).map((e) => e.payload)
    expect(of('mailbox.reminded')[0]).toMatchObject({ mailbox: { address: mailbox.address, status: 'active' }, reminder: { offsetDays: 7 } })
    expect(of('payment.held')[0]).toMatchObject({ payment: { outcome: 'held', reason: 'amount_mismatch', amountCents: order.totalCents - 1 }, orderTotalCents: order.totalCents })
    expect(of('payment.registered').map((p) => p.payment.outcome).sort()).toEqual(['held', 'paid'])
    expect(of('mailbox.renewed')[0]).toMatchObject({ mailbox: { expiresOn: '2027-07-01', status: 'active' }, renewal: { orderId: order.orderId, previousExpiresOn: '2026-07-01', expiresOn: '2027-07-01', years: 1, reactivated: false } })
    expect(of('invoice.issued')[0]).toMatchObject({ invoice: { kind: 'invoice', number: 1, orderId: order.orderId, totalCents: order.totalCents }, mailbox: { address: mailbox.address } })
  })

  it('refuses, outside demo mode, an http URL and URLs reaching loopback or private addresses (SSRF)', async () => {
    const { deps } = await setup('2026-07-01', { allowHttp: false, allowPrivateAddresses: false, disableAfterFailures: 20 })
    const refusal = (url: string) => addEndpoint(deps, { url, eventTypes: ['mailbox.ceased'], actor: ADMIN }).then(() => 'accepted', (e: DomainError) => e.code)
    expect(await refusal('http://crm.example.it/hook')).toBe('webhook_url_not_https')
    expect(await refusal('ftp://crm.example.it/hook')).toBe('webhook_url_not_https')
    for (const url of ['https://127.0.0.1/hook', 'https://localhost:8443/hook', 'https://10.1.2.3/', 'https://192.168.1.1/', 'https://169.254.169.254/latest/meta-data', 'https://[::1]/', 'https://[::ffff:127.0.0.1]/', 'https://[fd00::1]/', 'https://0.0.0.0/']) {
      expect([url, await refusal(url)]).toEqual([url, 'webhook_url_private'])
    }
    expect(await refusal('https://user:pw@crm.example.it/')).toBe('webhook_url_invalid')
    expect(await refusal('not a url')).toBe('webhook_url_invalid')
    expect(await addEndpoint(deps, { url: 'https://93.184.215.14/hook', eventTypes: ['nope'], actor: ADMIN }).catch((e: DomainError) => e.code)).toBe('webhook_events_invalid')
    // at delivery too: a name that resolves to loopback is not connected to (DNS may change after the check)
    const strict = httpTransport({ allowHttp: false, allowPrivateAddresses: false })
    await expect(strict({ url: 'https://localhost:9/x', body: '{}', headers: {} })).rejects.toThrow(/non-public/)
    await expect(strict({ url: 'https://127.0.0.1:9/x', body: '{}', headers: {} })).rejects.toThrow(/not a public address/)
  })
})

export type { ManualClock }
