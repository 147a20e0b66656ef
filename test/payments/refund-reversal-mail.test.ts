import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { accounts, mailboxes } from '../../src/accounts/schema'
import { outbox } from '../../src/notifications/schema'
import { importStatement } from '../../src/flows/imports/import-statement'
import { refundPayment } from '../../src/payments/refund-payment'
import { registerPayment } from '../../src/flows/register-payment'
import { reversePayment } from '../../src/payments/reverse-payment'
import { placeOrder } from '../../src/renewals/place-order'
import { testDatabases, type TestDatabase } from '../support/databases'
import { seedConvention, seedMailbox } from '../support/seed'
import { openOrder, servicesFor } from './gateways/harness'
import { camtStatement } from './offline/statement-builder'
import { parseCalendarDate } from '../../src/core/calendar'

const folder = mkdtempSync(join(tmpdir(), 'reversal-mail-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))
const actor = 'operator:anna'

describe.each(testDatabases())('%s: the holder is told of refunds and reversals', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  const mails = (template: string) => t.database.db.select().from(outbox).where(eq(outbox.template, template))
  const holderOf = async (accountId: string) => (await t.database.db.select().from(accounts).where(eq(accounts.id, accountId)))[0]

  it('R4: a refunded duplicate bank transfer mails the holder once: amount, order, bank transfer', async () => {
    t = await open()
    const { services } = servicesFor(t)
    const { order, mailbox } = await openOrder(t, services, { method: 'bonifico' })
    await registerPayment(services.deps, { orderRef: order.orderId, amountCents: 1220, method: 'bonifico', reference: 'CRO-1', actor })
    const duplicate = await registerPayment(services.deps, { orderRef: order.orderId, amountCents: 1220, method: 'bonifico', reference: 'CRO-2', actor })
    expect(await mails('payment_refunded')).toEqual([])

    await refundPayment(services.deps, services.gateways, { paymentId: duplicate.paymentId, actor })
    const holder = await holderOf(mailbox.accountId)
    const [mail] = await mails('payment_refunded')
    expect(mail).toMatchObject({
      recipient: holder.referenceEmail,
      language: 'it',
      mailboxId: mailbox.id,
      orderId: order.orderId,
      status: 'pending',
      params: {
        holderName: `${holder.firstName} ${holder.lastName}`,
        mailbox: mailbox.address,
        orderId: order.orderId,
        amountCents: 1220,
        method: 'bonifico',
        refundedBy: 'bonifico',
        reason: 'order_already_paid',
      },
    })
    // R8: asking again refunds nothing and mails nothing
    expect((await refundPayment(services.deps, services.gateways, { paymentId: duplicate.paymentId, actor })).replayed).toBe(true)
    expect(await mails('payment_refunded')).toHaveLength(1)
  })

  it('a card duplicate goes back through the gateway and the mail says by card; after cessation it says why', async () => {
    t = await open()
    const { services } = servicesFor(t) // no keys: the sandbox gateway
    const { order } = await openOrder(t, services, { method: 'card' })
    await registerPayment(services.deps, { orderRef: order.orderId, amountCents: 1220, method: 'card', reference: 'pi_1', actor: 'gateway:sandbox' })
    const duplicate = await registerPayment(services.deps, { orderRef: order.orderId, amountCents: 1220, method: 'card', reference: 'pi_2', actor: 'gateway:sandbox' })
    await refundPayment(services.deps, services.gateways, { paymentId: duplicate.paymentId, actor })
    expect((await mails('payment_refunded')).map((m) => m.params)).toMatchObject([{ method: 'card', refundedBy: 'card', amountCents: 1220 }])

    const late = await seedMailbox(t.database.db, { expiresOn: '2026-06-30', language: 'en' })
    const lateOrder = await placeOrder(services.deps, { mailboxId: late.id, years: 1, method: 'bonifico', actor: 'holder:x' })
    await t.database.db.update(mailboxes).set({ status: 'ceased', ceasedOn: parseCalendarDate('2026-04-30') }).where(eq(mailboxes.id, late.id))
    const afterCessation = await registerPayment(services.deps, { orderRef: lateOrder.orderId, amountCents: 1220, method: 'bonifico', reference: 'CRO-9', actor })
    expect(afterCessation).toMatchObject({ outcome: 'held', reason: 'mailbox_ceased' })
    await refundPayment(services.deps, services.gateways, { paymentId: afterCessation.paymentId, actor })
    const [, second] = await mails('payment_refunded')
    expect(second).toMatchObject({ language: 'en', orderId: lateOrder.orderId, params: { reason: 'mailbox_ceased', refundedBy: 'bonifico' } })
  })

  it('R4 undone: a reversal that un-pays the order mails the expiry it is back to and how to pay again, once', async () => {
    t = await open()
    const { services } = servicesFor(t) // 1 May 2026
    const { order, mailbox } = await openOrder(t, services, { method: 'bonifico', expiresOn: '2026-06-30' })
    await registerPayment(services.deps, { orderRef: order.orderId, amountCents: 1220, method: 'bonifico', reference: 'CRO-1', actor })
    expect(await reversePayment(services.deps, { method: 'bonifico', reference: 'CRO-1', actor })).toMatchObject({ outcome: 'unpaid', expiresOn: '2026-06-30' })

    const holder = await holderOf(mailbox.accountId)
    const [mail] = await mails('payment_reversed')
    expect(mail).toMatchObject({
      recipient: holder.referenceEmail,
      mailboxId: mailbox.id,
      orderId: order.orderId,
      params: {
        mailbox: mailbox.address,
        amountCents: 1220,
        method: 'bonifico',
        expiresOn: '2026-06-30',
        withdrawnExpiresOn: '2027-06-30',
        mailboxStatus: 'active',
        renewableUntil: null,
        // the reopened order, payable by E less the bank transfer's 3 days
        openOrder: { orderId: order.orderId, totalCents: 1220, method: 'bonifico', payBy: '2026-06-27' },
      },
    })
    expect((await reversePayment(services.deps, { method: 'bonifico', reference: 'CRO-1', actor })).replayed).toBe(true)
    expect(await mails('payment_reversed')).toHaveLength(1)
  })

  it('R5/R6: when the restored expiry has passed, the mail gives the end of the renewable window', async () => {
    t = await open()
    const { services } = servicesFor(t) // 1 May 2026
    await seedConvention(t.database.db)
    const mailbox = await seedMailbox(t.database.db, { expiresOn: '2026-04-20', status: 'deactivated', deactivatedOn: '2026-04-21' })
    const order = await placeOrder(services.deps, { mailboxId: mailbox.id, years: 1, method: 'bonifico', actor: 'holder:x' })
    expect(await registerPayment(services.deps, { orderRef: order.orderId, amountCents: 1220, method: 'bonifico', reference: 'CRO-1', actor })).toMatchObject({ outcome: 'paid', expiresOn: '2027-04-20' })
    await reversePayment(services.deps, { method: 'bonifico', reference: 'CRO-1', actor })
    const [mail] = await mails('payment_reversed')
    // the payment had reactivated the mailbox; the reversal leaves it active until the daily run
    expect(mail.params).toMatchObject({ expiresOn: '2026-04-20', mailboxStatus: 'active', renewableUntil: '2026-07-19', openOrder: { payBy: '2026-07-16' } })
  })

  it('a statement reversal mails the holder; one held for an operator mails nobody', async () => {
    t = await open()
    const { services } = servicesFor(t)
    const { order: a } = await openOrder(t, services, { method: 'bonifico' })
    const { order: b, mailbox: mb } = await openOrder(t, services, { method: 'bonifico' })
    const file = (name: string, xml: string) => {
      const path = join(folder, `${name}-${process.pid}-${t.name}`)
      writeFileSync(path, xml)
      return path
    }
    await importStatement(services.deps, file('s1', camtStatement([
      { amountCents: 1220, acctSvcrRef: 'R1', remittance: [a.orderId] },
      { amountCents: 1220, acctSvcrRef: 'R2', remittance: [b.orderId] },
    ])), { actor })
    await t.database.db.update(mailboxes).set({ expiresOn: parseCalendarDate('2028-06-30') }).where(eq(mailboxes.id, mb.id)) // an operator's change: b's reversal is held
    const result = await importStatement(services.deps, file('s2', camtStatement([
      { amountCents: 1220, acctSvcrRef: 'RV1', creditDebit: 'DBIT', reversal: true, remittance: [`STORNO ${a.orderId}`] },
      { amountCents: 1220, acctSvcrRef: 'RV2', creditDebit: 'DBIT', reversal: true, remittance: [`STORNO ${b.orderId}`] },
    ], { stmtId: 'S2' })), { actor })
    expect(result.results.map((r) => r.reason)).toEqual(['reversal:unpaid', 'reversal:mailbox_expiry_changed'])
    expect((await mails('payment_reversed')).map((m) => m.orderId)).toEqual([a.orderId])
  })
})
