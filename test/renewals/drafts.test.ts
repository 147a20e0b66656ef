import { afterEach, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { saveContract } from '../../src/catalog/queries'
import { parseCalendarDate, type CalendarDate } from '../../src/core/calendar'
import { outbox } from '../../src/notifications/schema'
import { validateBilling, type InvoiceBilling } from '../../src/renewals/billing'
import { changeOrderMethod } from '../../src/flows/change-order-method'
import { placeDraftOrder } from '../../src/flows/place-draft-order'
import { currentContracts, findDraft, findHolderOrder, findWizardFacts, saveDraft } from '../../src/renewals/queries'
import { showHolderOrder } from '../../src/renewals/show-holder-order'
import { showWizardStep } from '../../src/renewals/show-wizard-step'
import { firstMissingStep } from '../../src/renewals/wizard-rules'
import { orders } from '../../src/renewals/schema'
import { registerPayment } from '../../src/flows/register-payment'
import { testDatabases, type TestDatabase } from '../support/databases'
import { testDeps } from '../support/deps'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'

const billing = (validateBilling(
  { kind: 'person', name: 'Maria Rossi', fiscalCode: 'RSSMRA85T10A562S', street: 'Via Roma', streetNumber: '1', postalCode: '00184', city: 'Roma', province: 'RM', country: 'Italia' },
  'maria@example.it',
) as { billing: InvoiceBilling }).billing

describe.each(testDatabases())('%s: renewal drafts', (_name, open) => {
  let t: TestDatabase
  afterEach(async () => t?.close())

  async function setup() {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    await saveContract(db, {
      document: { code: 'terms', titleIt: 'Condizioni', titleEn: 'Terms', onerous: false },
      versions: [
        { version: '1', effectiveFrom: parseCalendarDate('2025-01-01'), url: '-', body: '.' },
        { version: '2', effectiveFrom: parseCalendarDate('2026-05-01'), url: '-', body: '.' },
      ],
    })
    const mailbox = await seedMailbox(db, { expiresOn: '2026-07-01', accountId: 'FNOM000020' })
    const clock = clockOn('2026-06-01')
    const deps = testDeps(db, clock)
    const holder = { accountId: 'FNOM000020', signedInWith: 'account:FNOM000020', language: 'it' as const }
    return { db, deps, clock, mailbox, holder }
  }

  async function fillDraft(s: Awaited<ReturnType<typeof setup>>, method: 'card' | 'bonifico' = 'bonifico') {
    await saveDraft(s.db, s.holder.accountId, s.mailbox.id, { years: 1 }, s.clock.now())
    await saveDraft(s.db, s.holder.accountId, s.mailbox.id, { acceptedContracts: [{ documentCode: 'terms', version: '2', acceptedAt: s.clock.now().toISOString() }] }, s.clock.now())
    await saveDraft(s.db, s.holder.accountId, s.mailbox.id, { billing, method }, s.clock.now())
  }

  it('the current contract version is the latest in force; a new version asks for acceptance again', async () => {
    const s = await setup()
    const contracts = await currentContracts(s.db, 'FNOMCEO', '2026-06-01' as CalendarDate)
    expect(contracts.map((c) => `${c.code}@${c.version}`)).toEqual(['terms@2'])
    await saveDraft(s.db, s.holder.accountId, s.mailbox.id, { years: 2, acceptedContracts: [{ documentCode: 'terms', version: '1', acceptedAt: 'x' }] }, s.clock.now())
    const draft = await findDraft(s.db, s.holder.accountId, s.mailbox.id)
    expect(draft?.years).toBe(2)
    expect(firstMissingStep(draft, contracts)).toBe('contracts')
    expect(firstMissingStep(undefined, contracts)).toBe('duration')
  })

  it('R3/R8: placing a draft queues the summary and the confirmation once, and drops the draft', async () => {
    const s = await setup()
    await fillDraft(s)
    const order = await placeDraftOrder(s.deps, { holder: s.holder, mailboxId: s.mailbox.id })
    expect(order).toMatchObject({ resumed: false, totalCents: 1220, method: 'bonifico', newExpiresOn: '2027-07-01' })
    expect(await findDraft(s.db, s.holder.accountId, s.mailbox.id)).toBeUndefined()
    const mails = await s.db.select().from(outbox).where(eq(outbox.orderId, order.orderId))
    expect(mails.map((m) => [m.template, m.recipient])).toEqual([
      ['order_summary', expect.stringMatching(/@example\.it$/)],
      ['order_confirmation', expect.stringMatching(/@example\.it$/)],
    ])
    expect(mails[0].params).toMatchObject({ order: { orderId: order.orderId, totalCents: 1220, method: 'bonifico', payBy: '2026-06-28' }, updated: false })

    // the same draft again (another tab): the open order is resumed unchanged, nothing new is sent
    await fillDraft(s)
    const again = await placeDraftOrder(s.deps, { holder: s.holder, mailboxId: s.mailbox.id })
    expect(again).toMatchObject({ orderId: order.orderId, resumed: true })
    expect(await s.db.select().from(outbox)).toHaveLength(2)

    // a double submit whose twin already spent the draft: the same order, not an error
    const twin = await placeDraftOrder(s.deps, { holder: s.holder, mailboxId: s.mailbox.id })
    expect(twin).toMatchObject({ orderId: order.orderId, resumed: true, method: 'bonifico' })
    expect(await s.db.select().from(outbox)).toHaveLength(2)
    expect(await s.db.select().from(orders)).toHaveLength(1)
  })

  it('R3: a changed method sends an updated summary; an unchanged one nothing; a paid order refuses', async () => {
    const s = await setup()
    await fillDraft(s, 'card')
    const order = await placeDraftOrder(s.deps, { holder: s.holder, mailboxId: s.mailbox.id })
    await changeOrderMethod(s.deps, s.holder, order.orderId, 'card')
    expect(await s.db.select().from(outbox)).toHaveLength(2)
    await changeOrderMethod(s.deps, s.holder, order.orderId, 'bollettino')
    const mails = await s.db.select().from(outbox).orderBy(outbox.id)
    expect(mails.map((m) => m.template)).toEqual(['order_summary', 'order_confirmation', 'order_summary'])
    expect(mails[2].params).toMatchObject({ updated: true, order: { method: 'bollettino' } })

    const paid = await registerPayment(s.deps, { orderRef: order.orderId, amountCents: 1220, method: 'bollettino', reference: 'p-1', actor: 'operator:test' })
    expect(paid.outcome).toBe('paid')
    await expect(changeOrderMethod(s.deps, s.holder, order.orderId, 'card')).rejects.toMatchObject({ code: 'order_already_paid' })
    expect(await s.db.select().from(orders)).toHaveLength(1)
  })

  it('an order is found only for its own holder', async () => {
    const s = await setup()
    await fillDraft(s)
    const order = await placeDraftOrder(s.deps, { holder: s.holder, mailboxId: s.mailbox.id })
    expect(await findHolderOrder(s.db, s.holder, order.orderId)).toBeDefined()
    expect(await findHolderOrder(s.db, { ...s.holder, accountId: 'FNOM000099' }, order.orderId)).toBeUndefined()
    expect(await findHolderOrder(s.db, { ...s.holder, signedInWith: 'mailbox:other@pec.example.it' }, order.orderId)).toBeUndefined()
    await expect(placeDraftOrder(s.deps, { holder: { ...s.holder, accountId: 'FNOM000099' }, mailboxId: s.mailbox.id })).rejects.toMatchObject({ code: 'mailbox_not_found' })
  })

  it('the wizard reads everything it needs in one query, and only for a mailbox the holder may see', async () => {
    const s = await setup()
    const today = '2026-04-30' as CalendarDate // version 2 of the terms is not yet in force
    const sibling = await seedMailbox(s.db, { expiresOn: '2026-08-01', accountId: 'FNOM000020' })
    const stranger = await seedMailbox(s.db, { expiresOn: '2026-08-01', accountId: 'FNOM000030' })

    const fresh = (await findWizardFacts(s.db, s.holder, s.mailbox.id, today))!
    expect(fresh.mailbox).toMatchObject({ id: s.mailbox.id, address: s.mailbox.address, expiresOn: '2026-07-01' })
    expect(fresh.account.id).toBe('FNOM000020')
    expect(fresh.convention.code).toBe('FNOMCEO')
    expect(fresh.prices.map((p) => [p.years, p.netCents, p.vatBasisPoints])).toEqual([
      [1, 1000, 2200],
      [2, 1800, 2200],
      [3, 2500, 2200],
    ])
    expect(fresh.draft).toBeUndefined()
    expect(fresh.openOrderId).toBeNull()
    expect(fresh.contracts.map((c) => `${c.code}@${c.version}`)).toEqual(['terms@1'])

    await fillDraft(s)
    const drafted = (await findWizardFacts(s.db, s.holder, s.mailbox.id, '2026-06-01' as CalendarDate))!
    expect(drafted.draft).toMatchObject({ years: 1, method: 'bonifico', billing: { fiscalCode: 'RSSMRA85T10A562S' } })
    expect(drafted.contracts.map((c) => `${c.code}@${c.version}`)).toEqual(['terms@2'])
    const order = await placeDraftOrder(s.deps, { holder: s.holder, mailboxId: s.mailbox.id })
    expect((await findWizardFacts(s.db, s.holder, s.mailbox.id, today))!.openOrderId).toBe(order.orderId)

    expect(await findWizardFacts(s.db, s.holder, stranger.id, today)).toBeUndefined()
    const signedInWithMailbox = { ...s.holder, signedInWith: `mailbox:${s.mailbox.address}` }
    expect(await findWizardFacts(s.db, signedInWithMailbox, s.mailbox.id, today)).toBeDefined()
    expect(await findWizardFacts(s.db, signedInWithMailbox, sibling.id, today)).toBeUndefined()
  })

  it('showWizardStep: what each request leads to, and the priced durations with the expiry each buys (R3, R4)', async () => {
    const s = await setup()
    const stranger = await seedMailbox(s.db, { expiresOn: '2026-08-01', accountId: 'FNOM000030' })
    expect(await showWizardStep(s.deps, s.holder, stranger.id, 'duration')).toEqual({ kind: 'not_found' })
    expect(await showWizardStep(s.deps, s.holder, null, null)).toEqual({ kind: 'not_found' })
    expect(await showWizardStep(s.deps, s.holder, s.mailbox.id, 'summary')).toEqual({ kind: 'go_to_step', mailboxId: s.mailbox.id, step: 'duration' })

    const shown = await showWizardStep(s.deps, s.holder, s.mailbox.id, 'duration')
    if (shown.kind !== 'show') throw new Error(shown.kind)
    expect(shown.view.extendsFrom).toBe('2026-07-01') // paid a month early, still from E
    expect(shown.view.offers.map((o) => [o.years, o.totalCents, o.newExpiresOn])).toEqual([
      [1, 1220, '2027-07-01'],
      [2, 2196, '2028-07-01'],
      [3, 3050, '2029-07-01'],
    ])
    expect(shown.view.chosen).toBeUndefined()

    await fillDraft(s)
    const billing = await showWizardStep(s.deps, s.holder, s.mailbox.id, 'billing')
    expect(billing).toMatchObject({ kind: 'show', view: { reachableStep: 'summary', chosen: { years: 1 }, billingStart: { fromProfile: false, billing: { fiscalCode: 'RSSMRA85T10A562S' } } } })
    const order = await placeDraftOrder(s.deps, { holder: s.holder, mailboxId: s.mailbox.id })
    expect(await showWizardStep(s.deps, s.holder, s.mailbox.id, 'summary')).toEqual({ kind: 'order_placed', orderId: order.orderId })
  })

  it('showHolderOrder: the dates the order page shows, for its own holder only', async () => {
    const s = await setup()
    await fillDraft(s)
    const order = await placeDraftOrder(s.deps, { holder: s.holder, mailboxId: s.mailbox.id })
    expect(await showHolderOrder(s.deps, s.holder, order.orderId)).toMatchObject({
      mailboxAddress: s.mailbox.address,
      newExpiresOn: '2027-07-01',
      payBy: '2026-06-28', // R2/R5: a bank transfer takes three days to arrive by E
      paidOn: null,
    })
    expect(await showHolderOrder(s.deps, { ...s.holder, accountId: 'FNOM000099' }, order.orderId)).toBeUndefined()
  })
})
