import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asc, eq, sql } from 'drizzle-orm'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { formatOrderId, type OrderId } from '../../../src/core/order-id'
import { auditLog, invoices, outbox, payments } from '../../../src/db/schema'
import type { Deps } from '../../../src/deps'
import { assignHeldPayment } from '../../../src/flows/assign-payment'
import { importStatement } from '../../../src/flows/imports/import-statement'
import { listHeldPayments, listRefundsDue } from '../../../src/payments/held/list-held'
import { listReversals } from '../../../src/payments/reversal-queries'
import { reversePayment } from '../../../src/payments/reverse-payment'
import type { InvoiceBilling } from '../../../src/renewals/billing'
import { placeOrder } from '../../../src/renewals/place-order'
import { testDatabases, type TestDatabase } from '../../support/databases'
import { clockOn, seedConvention, seedMailbox } from '../../support/seed'
import { expiryOf, orderStatus, servicesFor } from '../gateways/harness'
import { camtStatement } from '../offline/statement-builder'

// Issue 11: a bank reversal of a held payment an operator assigned to an order undoes the
// assignment's payment as any reversal undoes a payment: the order is unpaid, the expiry restored,
// the invoice credited, the holder told, the refund due of an overpayment no longer due.

const folder = mkdtempSync(join(tmpdir(), 'assigned-reversal-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))
let files = 0
const statementFile = (content: string) => {
  const path = join(folder, `statement-${process.pid}-${++files}.xml`)
  writeFileSync(path, content)
  return path
}
const anna = 'operator:anna'
const billing: InvoiceBilling = {
  kind: 'person', name: 'Anna Neri', fiscalCode: 'NRENNA80A41H501X', email: 'anna@example.it', street: 'Via Roma',
  streetNumber: '1', postalCode: '00185', city: 'Roma', province: 'RM', country: 'Italia', address: 'Via Roma 1, 00185 Roma (RM)',
}

describe.each(testDatabases())('%s: a bank reversal of an assigned payment (issue 11)', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  /** A bonifico order of 12,20 €, invoiced on payment; a transfer of `amountCents` with no order ID, assigned to it by an operator. */
  async function assigned(amountCents: number) {
    t = await open()
    const { services, clock } = servicesFor(t, {}, clockOn('2026-05-01'))
    const deps: Deps = { ...services.deps, config: { ...services.deps.config, invoicing: { series: 'PEC' } } }
    await seedConvention(t.database.db)
    const mailbox = await seedMailbox(t.database.db, { expiresOn: '2026-06-30' })
    const order = await placeOrder(deps, { mailboxId: mailbox.id, years: 1, method: 'bonifico', actor: 'holder:test', billing })
    await importStatement(deps, statementFile(camtStatement([{ amountCents, acctSvcrRef: 'BANK-5', endToEndId: 'E2E-5', remittance: ['rinnovo casella'], debtorName: 'Anna Neri' }])), { actor: anna })
    const [entry] = await listHeldPayments(t.database.db)
    const done = await assignHeldPayment(deps, { paymentId: entry.id, orderRef: formatOrderId(order.orderId as OrderId), reason: 'telefonata della titolare', actor: anna, acceptDifference: amountCents < 1220 })
    expect(await orderStatus(t, order.orderId)).toBe('paid')
    expect(await expiryOf(t, mailbox.id)).toBe('2027-06-30')
    return { deps, clock, mailbox, order, entry, done }
  }
  const paymentRow = async (id: number) => (await t.database.db.select().from(payments).where(eq(payments.id, id)))[0]
  const allInvoices = () => t.database.db.select().from(invoices).orderBy(asc(invoices.id))
  const reversedMails = async () => (await t.database.db.select().from(outbox).orderBy(outbox.id)).filter((m) => m.template === 'payment_reversed')

  it('through the statement: the order is unpaid, the expiry restored, a credit note issued, the refund due of the overpayment cancelled, the holder told; once', async () => {
    const { deps, clock, mailbox, order, entry, done } = await assigned(1500)
    expect(done.refundDueCents).toBe(280)
    expect((await listRefundsDue(t.database.db)).map((r) => [r.id, r.refundCents])).toEqual([[entry.id, 280]])
    const [invoice] = await allInvoices()
    expect(invoice).toMatchObject({ kind: 'invoice', paymentId: done.registeredPaymentId, totalCents: 1220 })

    clock.set(clockOn('2026-05-10').now())
    const reversal = camtStatement([{ amountCents: 1500, acctSvcrRef: 'RV5', creditDebit: 'DBIT', reversal: true, endToEndId: 'E2E-5', remittance: ['STORNO rinnovo casella'] }], { stmtId: 'S2' })
    await importStatement(deps, statementFile(reversal), { actor: anna })

    expect(await orderStatus(t, order.orderId)).toBe('open')
    expect(await expiryOf(t, mailbox.id)).toBe('2026-06-30')
    expect(await listReversals(t.database.db)).toEqual([expect.objectContaining({ paymentId: entry.id, orderId: order.orderId, outcome: 'unpaid' })])
    expect(await paymentRow(done.registeredPaymentId)).toMatchObject({ outcome: 'held', reason: 'reversed', refundStatus: 'none' })
    expect(await paymentRow(entry.id)).toMatchObject({ resolution: 'assigned', reason: 'reversed', refundStatus: 'none' })
    expect(await listRefundsDue(t.database.db)).toEqual([]) // the bank took the whole 15,00 € back: nothing more is owed
    const [, creditNote] = await allInvoices()
    expect(creditNote).toMatchObject({ kind: 'credit_note', refersTo: invoice.id, paymentId: done.registeredPaymentId, issuedOn: '2026-05-10', totalCents: 1220 })
    const mails = await reversedMails()
    expect(mails).toHaveLength(1)
    expect(mails[0]).toMatchObject({ orderId: order.orderId, mailboxId: mailbox.id })
    expect(mails[0].params).toMatchObject({ expiresOn: '2026-06-30', withdrawnExpiresOn: '2027-06-30', amountCents: 1500 })
    const [logged] = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'payment.reversed'))
    expect(logged).toMatchObject({ paymentId: entry.id, orderId: order.orderId, reason: 'unpaid' })
    expect(logged.data).toMatchObject({ assignedPaymentId: done.registeredPaymentId })

    // R8: the same statement again changes nothing
    await importStatement(deps, statementFile(reversal), { actor: anna })
    expect(await listReversals(t.database.db)).toHaveLength(1)
    expect(await allInvoices()).toHaveLength(2)
    expect(await reversedMails()).toHaveLength(1)
  })

  it('by reference (the command line): an accepted underpayment reversed; the assignment\'s own payment names the same reversal', async () => {
    const { deps, mailbox, order, entry } = await assigned(1000)
    const reference = (await paymentRow(entry.id)).reference
    const reversal = await reversePayment(deps, { method: 'bonifico', reference, actor: anna })
    expect(reversal).toMatchObject({ outcome: 'unpaid', paymentId: entry.id, orderId: order.orderId, expiresOn: '2026-06-30', replayed: false })
    expect(await orderStatus(t, order.orderId)).toBe('open')
    expect(await expiryOf(t, mailbox.id)).toBe('2026-06-30')
    expect((await allInvoices()).map((i) => i.kind)).toEqual(['invoice', 'credit_note'])
    // the payment the assignment registered is the same money: naming it finds the same reversal
    expect(await reversePayment(deps, { method: 'bonifico', reference: `resolution:${entry.id}`, actor: anna })).toMatchObject({ replayed: true, reversalId: reversal.reversalId })
    expect(await reverseCount()).toBe(1)
  })

  it('held for an operator when the mailbox was renewed again since (its expiry is no longer the one the assignment gave)', async () => {
    const { deps, mailbox, order, entry } = await assigned(1220)
    await t.database.db.execute(sql`UPDATE mailboxes SET expires_on = '2028-06-30' WHERE id = ${mailbox.id}`)
    const reversal = await reversePayment(deps, { method: 'bonifico', reference: (await paymentRow(entry.id)).reference, actor: anna })
    expect(reversal).toMatchObject({ outcome: 'held', reason: 'mailbox_expiry_changed', orderId: order.orderId })
    expect(await orderStatus(t, order.orderId)).toBe('paid')
    expect(await reversedMails()).toEqual([])
  })

  const reverseCount = async () => (await listReversals(t.database.db)).length
})
