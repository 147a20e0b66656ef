import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { DomainError } from '../../../src/core/errors'
import { formatOrderId, type OrderId } from '../../../src/core/order-id'
import { auditLog, outbox, payments } from '../../../src/db/schema'
import { assignHeldPayment } from '../../../src/flows/assign-payment'
import { importSlips } from '../../../src/flows/imports/import-slips'
import { importStatement } from '../../../src/flows/imports/import-statement'
import { registerPayment } from '../../../src/flows/register-payment'
import { listHeldPayments, listRefundsDue } from '../../../src/payments/held/list-held'
import { addPaymentNote, markNotOurs } from '../../../src/payments/held/resolve-held'
import { refundPayment } from '../../../src/payments/refund-payment'
import { postgresOnly, testDatabases, type TestDatabase } from '../../support/databases'
import { expiryOf, openOrder, orderStatus, servicesFor } from '../gateways/harness'
import { ACCOUNT_IBAN, camtStatement } from '../offline/statement-builder'
import { posteReport } from '../postal/poste-records'

const folder = mkdtempSync(join(tmpdir(), 'held-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))
let files = 0
const statementFile = (content: string) => {
  const path = join(folder, `statement-${process.pid}-${++files}.xml`)
  writeFileSync(path, content)
  return path
}

const anna = 'operator:anna'
const refusal = (code: string) => expect.objectContaining({ name: 'DomainError', code })

/** A bonifico order of 12,20 € and a statement paying 10,00 € for it and 12,20 € with no order ID. */
async function heldFromStatement(t: TestDatabase) {
  const { services, clock } = servicesFor(t)
  const { order, mailbox } = await openOrder(t, services, { method: 'bonifico' })
  const path = statementFile(
    camtStatement([
      { amountCents: 1000, acctSvcrRef: 'BANK-1', remittance: [`Rinnovo PEC ordine ${order.orderId}`], debtorName: 'Mario Rossi' },
      { amountCents: 1220, acctSvcrRef: 'BANK-2', remittance: ['quota annuale'], debtorName: 'Luigi Verdi' },
    ]),
  )
  await importStatement(services.deps, path, { actor: anna, fileName: 'estratto-maggio.xml' })
  const held = await listHeldPayments(t.database.db)
  const short = held.find((h) => h.reason === 'amount_mismatch')!
  const unknown = held.find((h) => h.reason === 'no_order_id')!
  return { services, clock, order, mailbox, held, short, unknown }
}

const outboxOf = async (t: TestDatabase) => t.database.db.select().from(outbox).orderBy(outbox.id)
const paymentRow = async (t: TestDatabase, id: number) => (await t.database.db.select().from(payments).where(eq(payments.id, id)))[0]

describe.each(testDatabases())('%s: payments to resolve (issue 11)', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('lists every held and unmatched entry, oldest first, with payer, account, causale, amount, date, file and line', async () => {
    t = await open()
    const { held, order } = await heldFromStatement(t)
    expect(held).toHaveLength(2)
    expect(held[0]).toMatchObject({
      amountCents: 1000,
      method: 'bonifico',
      reason: 'amount_mismatch',
      orderId: formatOrderId(order.orderId as OrderId),
      orderTotalCents: 1220,
      candidateOrderId: formatOrderId(order.orderId as OrderId),
      payer: 'Mario Rossi',
      account: ACCOUNT_IBAN,
      causale: `Rinnovo PEC ordine ${order.orderId}`,
      paidOn: '2026-05-02',
      file: 'estratto-maggio.xml',
      line: 1,
    })
    expect(held[1]).toMatchObject({ amountCents: 1220, reason: 'no_order_id', orderId: null, candidateOrderId: null, payer: 'Luigi Verdi', causale: 'quota annuale', line: 2 })
  })

  it('a probable typo shows its candidate; a gateway payment held for its amount is listed too', async () => {
    t = await open()
    const { services } = servicesFor(t)
    const { order } = await openOrder(t, services, { method: 'card' })
    const typo = order.orderId.slice(0, -1) + (order.orderId.endsWith('3') ? '4' : '3') // a check digit mistyped
    await registerPayment(services.deps, { orderRef: order.orderId, amountCents: 500, method: 'card', reference: 'pi_1', actor: 'gateway:sandbox' })
    const path = statementFile(camtStatement([{ amountCents: 1220, acctSvcrRef: 'BANK-9', remittance: [`ordine ${typo}`] }]))
    await importStatement(services.deps, path, { actor: anna })
    const held = await listHeldPayments(t.database.db)
    expect(held.map((h) => [h.source, h.reason.split(':')[0]])).toEqual([
      ['gateway:sandbox', 'amount_mismatch'],
      [anna, expect.stringMatching(/probable_typo|unknown_order|no_order_id/)],
    ])
    if (held[1].reason.startsWith('probable_typo')) expect(held[1].candidateOrderId).toBe(formatOrderId(order.orderId as OrderId))
  })

  it('a postal slip with no order in its causale is listed with its causale, postal account, day paid and report line', async () => {
    t = await open()
    const { services } = servicesFor(t)
    await openOrder(t, services, { method: 'bollettino' })
    const path = join(folder, `poste-${process.pid}-${++files}.txt`)
    writeFileSync(path, posteReport([{ selection: '0000007', type: '674', amountCents: 1220, causale: 'RINNOVO CASELLA DOTT ROSSI', acceptedOn: '260504' }]))
    await importSlips(services.deps, path, { actor: anna, fileName: 'rendiconto.txt' })
    expect(await listHeldPayments(t.database.db)).toEqual([
      expect.objectContaining({ method: 'bollettino', amountCents: 1220, reason: 'no_order_id', causale: 'RINNOVO CASELLA DOTT ROSSI', account: '000012345678', paidOn: '2026-05-04', file: 'rendiconto.txt', line: 1, payer: null }),
    ])
  })

  it('assigning an underpayment needs "accept the difference" and a reason; then it pays the order through the settlement, once, and the holder is told', async () => {
    t = await open()
    const { services, order, mailbox, short } = await heldFromStatement(t)
    const assign = (extra: object) => assignHeldPayment(services.deps, { paymentId: short.id, orderRef: order.orderId, reason: 'Il titolare ha pagato senza la commissione', actor: anna, ...extra })
    await expect(assign({})).rejects.toEqual(refusal('difference_not_accepted'))
    await expect(assign({ acceptDifference: true, reason: '  ' })).rejects.toEqual(refusal('reason_required'))
    expect(await orderStatus(t, order.orderId)).toBe('open')

    const done = await assign({ acceptDifference: true })
    expect(done).toMatchObject({ paymentId: short.id, orderId: order.orderId, appliedCents: 1000, acceptedDifferenceCents: 220, refundDueCents: 0, expiresOn: '2027-06-30' })
    expect(await orderStatus(t, order.orderId)).toBe('paid')
    expect(await expiryOf(t, mailbox.id)).toBe('2027-06-30')
    expect(await paymentRow(t, short.id)).toMatchObject({ resolution: 'assigned', resolvedPaymentId: done.registeredPaymentId, refundStatus: 'none' })
    expect(await paymentRow(t, done.registeredPaymentId)).toMatchObject({ outcome: 'paid', amountCents: 1000, orderId: order.orderId, source: anna, reference: `resolution:${short.id}` })
    const mails = (await outboxOf(t)).filter((m) => m.template === 'payment_received')
    expect(mails).toHaveLength(1)
    expect(mails[0].params).toMatchObject({ orderId: order.orderId, amountCents: 1000, newExpiresOn: '2027-06-30' })
    const [audited] = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'payment.assigned'))
    expect(audited).toMatchObject({ actor: anna, paymentId: short.id, orderId: order.orderId, reason: 'Il titolare ha pagato senza la commissione' })
    expect(audited.data).toMatchObject({ acceptedDifferenceCents: 220, registeredPaymentId: done.registeredPaymentId })

    // gone from the queue; a second click is refused and changes nothing
    expect((await listHeldPayments(t.database.db)).map((h) => h.id)).not.toContain(short.id)
    await expect(assign({ acceptDifference: true })).rejects.toEqual(refusal('payment_already_resolved'))
    expect((await outboxOf(t)).filter((m) => m.template === 'payment_received')).toHaveLength(1)
  })

  it('an overpayment assigned pays the total and leaves the difference as a refund due, refunded by bank with date and CRO, the holder told', async () => {
    t = await open()
    const { services } = servicesFor(t)
    const { order } = await openOrder(t, services, { method: 'bonifico' })
    const path = statementFile(camtStatement([{ amountCents: 1500, acctSvcrRef: 'BANK-5', remittance: ['rinnovo casella'], debtorName: 'Anna Neri' }]))
    await importStatement(services.deps, path, { actor: anna })
    const [entry] = await listHeldPayments(t.database.db)
    const done = await assignHeldPayment(services.deps, { paymentId: entry.id, orderRef: formatOrderId(order.orderId as OrderId), reason: 'telefonata della titolare', actor: anna })
    expect(done).toMatchObject({ appliedCents: 1220, refundDueCents: 280 })
    expect(await orderStatus(t, order.orderId)).toBe('paid')
    const [due] = await listRefundsDue(t.database.db)
    expect(due).toMatchObject({ id: entry.id, refundCents: 280, refundReason: 'overpaid', gateway: null, holderOrderId: order.orderId, payer: 'Anna Neri' })

    await expect(refundPayment(services.deps, services.gateways, { paymentId: entry.id, actor: anna, bankTransfer: { refundedOn: '2026-05-03' as never, transferRef: ' ', iban: '' } })).rejects.toEqual(refusal('refund_details_required'))
    await expect(refundPayment(services.deps, services.gateways, { paymentId: entry.id, actor: anna, bankTransfer: { refundedOn: '2026-05-03' as never, transferRef: 'CRO123', iban: 'IT60X0542811101000000123457' } })).rejects.toEqual(refusal('iban_invalid'))
    const refund = await refundPayment(services.deps, services.gateways, {
      paymentId: entry.id,
      actor: anna,
      bankTransfer: { refundedOn: '2026-05-03' as never, transferRef: 'CRO123', iban: 'IT60 X054 2811 1010 0000 0123 456' },
    })
    expect(refund).toMatchObject({ amountCents: 280, refundRef: 'CRO123', gateway: null })
    expect(await listRefundsDue(t.database.db)).toEqual([])
    const [audited] = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'payment.refunded'))
    expect(audited).toMatchObject({ reason: 'overpaid', paymentId: entry.id })
    expect(audited.data).toMatchObject({ amountCents: 280, refundedOn: '2026-05-03', iban: ACCOUNT_IBAN, refundRef: 'CRO123' })
    const [mail] = (await outboxOf(t)).filter((m) => m.template === 'payment_refunded')
    expect(mail.params).toMatchObject({ orderId: order.orderId, amountCents: 280, reason: 'overpaid', refundedBy: 'bonifico' })
  })

  it('"not ours" makes the whole amount a refund due, audited with the reason; a note stays with the payment', async () => {
    t = await open()
    const { services, unknown } = await heldFromStatement(t)
    await expect(addPaymentNote(services.deps, { paymentId: unknown.id, note: '', actor: anna })).rejects.toEqual(refusal('note_required'))
    await addPaymentNote(services.deps, { paymentId: unknown.id, note: 'Chiamato il numero in distinta: nessuna risposta', actor: anna })
    expect((await listHeldPayments(t.database.db)).find((h) => h.id === unknown.id)!.notes).toEqual([
      expect.objectContaining({ actor: anna, note: 'Chiamato il numero in distinta: nessuna risposta' }),
    ])
    await expect(markNotOurs(services.deps, { paymentId: unknown.id, reason: '', actor: anna })).rejects.toEqual(refusal('reason_required'))
    await markNotOurs(services.deps, { paymentId: unknown.id, reason: 'Bonifico destinato a un altro fornitore', actor: 'operator:bruno' })
    expect((await listHeldPayments(t.database.db)).map((h) => h.id)).not.toContain(unknown.id)
    expect(await listRefundsDue(t.database.db)).toEqual([expect.objectContaining({ id: unknown.id, refundCents: 1220, refundReason: 'not_ours', payer: 'Luigi Verdi' })])
    const [audited] = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'payment.not_ours'))
    expect(audited).toMatchObject({ actor: 'operator:bruno', paymentId: unknown.id, reason: 'Bonifico destinato a un altro fornitore' })
    // once decided, neither decision can be taken again
    await expect(markNotOurs(services.deps, { paymentId: unknown.id, reason: 'di nuovo', actor: anna })).rejects.toEqual(refusal('payment_already_resolved'))
    const order = (await listRefundsDue(t.database.db))[0]
    expect(order.id).toBe(unknown.id)
  })

  it('an assignment the order cannot take is refused and writes nothing: already paid, unknown order, bad check digits, a payment not to resolve', async () => {
    t = await open()
    const { services, order, unknown } = await heldFromStatement(t)
    await registerPayment(services.deps, { orderRef: order.orderId, amountCents: 1220, method: 'bonifico', reference: 'BANK-OK', actor: anna })
    const assign = (orderRef: string, paymentId = unknown.id) => assignHeldPayment(services.deps, { paymentId, orderRef, reason: 'prova', actor: anna })
    await expect(assign(order.orderId)).rejects.toEqual(refusal('order_already_paid'))
    await expect(assign('ABCD')).rejects.toEqual(refusal('order_id_invalid'))
    const paid = (await t.database.db.select().from(payments).where(eq(payments.reference, 'BANK-OK')))[0]
    await expect(assign(order.orderId, paid.id)).rejects.toEqual(refusal('payment_not_to_resolve'))
    expect(await paymentRow(t, unknown.id)).toMatchObject({ resolution: null, refundStatus: 'none' })
    expect(await t.database.db.select().from(payments).where(eq(payments.reference, `resolution:${unknown.id}`))).toEqual([])
  })
})

describe.each(postgresOnly())('%s: two operators resolving the same entry at once (issue 11)', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('registers it once; the other is refused with payment_already_resolved', async () => {
    t = await open()
    const { services, order, unknown } = await heldFromStatement(t)
    const { services: other } = servicesFor(t) // a second node: its own services on the same database
    for (let round = 0; round < 3; round++) {
      const attempts = await Promise.allSettled([
        assignHeldPayment(services.deps, { paymentId: unknown.id, orderRef: order.orderId, reason: 'Anna: è di Rossi', actor: anna }),
        assignHeldPayment(other.deps, { paymentId: unknown.id, orderRef: order.orderId, reason: 'Bruno: è di Rossi', actor: 'operator:bruno' }),
        markNotOurs(other.deps, { paymentId: unknown.id, reason: 'Carla: non è nostro', actor: 'operator:carla' }),
      ])
      const won = attempts.filter((a) => a.status === 'fulfilled')
      if (round === 0) expect(won).toHaveLength(1)
      else expect(won).toHaveLength(0)
      for (const a of attempts) if (a.status === 'rejected') expect(a.reason).toBeInstanceOf(DomainError)
      expect(attempts.filter((a) => a.status === 'rejected').map((a) => (a as PromiseRejectedResult).reason.code)).toEqual(
        Array(round === 0 ? 2 : 3).fill('payment_already_resolved'),
      )
    }
    const resolutions = await t.database.db.select().from(payments).where(eq(payments.reference, `resolution:${unknown.id}`))
    const row = await paymentRow(t, unknown.id)
    expect(resolutions.length).toBe(row.resolution === 'assigned' ? 1 : 0)
    const decided = await t.database.db.select().from(auditLog).where(eq(auditLog.paymentId, unknown.id))
    expect(decided.filter((a) => a.action === 'payment.assigned' || a.action === 'payment.not_ours')).toHaveLength(1)
    expect((await outboxOf(t)).filter((m) => m.template === 'payment_received')).toHaveLength(row.resolution === 'assigned' ? 1 : 0)
  })
})
