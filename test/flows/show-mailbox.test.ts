import { afterEach, describe, expect, it } from 'vitest'
import { findMailboxByAddress } from '../../src/accounts/queries'
import { showMailbox } from '../../src/flows/show-mailbox'
import { audit } from '../../src/db/audit'
import { parseCalendarDate } from '../../src/core/calendar'
import type { OrderId } from '../../src/core/order-id'
import type { Db } from '../../src/db/client'
import { orders } from '../../src/renewals/schema'
import { testDatabases, type TestDatabase } from '../support/databases'
import { seedConvention, seedMailbox } from '../support/seed'

function order(db: Db, mailbox: { id: number; accountId: string }, id: string, status: 'open' | 'paid' | 'lapsed', placedOn: string) {
  return db.insert(orders).values({
    id: id as OrderId, // fixture IDs, not all with valid check digits
    mailboxId: mailbox.id,
    accountId: mailbox.accountId,
    status,
    years: 2,
    netCents: 1800,
    vatCents: 396,
    totalCents: 2196,
    method: 'bonifico',
    billing: { name: 'Maria Rossi', fiscalCode: 'RSSMRA85T10A562S', email: 'maria.rossi@example.it' },
    placedBy: 'operator:test',
    placedAt: new Date(`${placedOn}T09:00:00Z`),
    placedOn: parseCalendarDate(placedOn),
  })
}

describe.each(testDatabases())('%s: showMailbox', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('finds a mailbox by its address in any case, and answers null for an unknown one', async () => {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    await seedMailbox(db, { address: 'maria.rossi@pec.example.it', expiresOn: '2026-06-30' })
    expect((await findMailboxByAddress(db, ' Maria.Rossi@PEC.example.it '))?.address).toBe('maria.rossi@pec.example.it')
    expect(await findMailboxByAddress(db, 'nobody@pec.example.it')).toBeUndefined()
    expect(await showMailbox(db, 'nobody@pec.example.it')).toBeNull()
  })

  it('R9: shows the state, the open order and the history of the mailbox and its orders, oldest first', async () => {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const mailbox = await seedMailbox(db, {
      address: 'maria.rossi@pec.example.it',
      accountId: 'A0000042',
      expiresOn: '2026-06-30',
      status: 'deactivated',
      register: 'ini_pec',
    })
    const other = await seedMailbox(db, { expiresOn: '2026-06-30' })
    await order(db, mailbox, 'K7MRD4XP52', 'lapsed', '2025-06-01')
    await order(db, mailbox, 'H9TUV3WX40', 'open', '2026-06-20')
    await audit(db, { at: new Date('2026-07-01T00:30:00Z'), actor: 'system:lifecycle', action: 'mailbox.deactivated', mailboxId: mailbox.id, reason: 'R5', data: { expiresOn: '2026-06-30' } })
    await audit(db, { at: new Date('2026-01-01T08:00:00Z'), actor: 'operator:anna', action: 'mailbox.imported', mailboxId: mailbox.id })
    await audit(db, { at: new Date('2026-06-20T10:00:00Z'), actor: 'holder:A0000042', action: 'order.placed', orderId: 'H9TUV3WX40' })
    await audit(db, { at: new Date('2026-06-21T10:00:00Z'), actor: 'operator:anna', action: 'mailbox.imported', mailboxId: other.id })

    const view = await showMailbox(db, 'MARIA.ROSSI@pec.example.it')
    expect(view).toEqual({
      address: 'maria.rossi@pec.example.it',
      status: 'deactivated',
      expiresOn: '2026-06-30',
      accountId: 'A0000042',
      convention: 'FNOMCEO',
      register: 'ini_pec',
      openOrder: { orderId: 'H9TUV3WX40', years: 2, totalCents: 2196, method: 'bonifico', placedOn: '2026-06-20' },
      history: [
        { at: '2026-01-01T08:00:00.000Z', actor: 'operator:anna', action: 'mailbox.imported', reason: null, data: null },
        { at: '2026-06-20T10:00:00.000Z', actor: 'holder:A0000042', action: 'order.placed', reason: null, data: null },
        { at: '2026-07-01T00:30:00.000Z', actor: 'system:lifecycle', action: 'mailbox.deactivated', reason: 'R5', data: { expiresOn: '2026-06-30' } },
      ],
    })
  })

  it('has no open order when every order is paid or lapsed', async () => {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const mailbox = await seedMailbox(db, { expiresOn: '2027-06-30' })
    await order(db, mailbox, 'K7MRD4XP52', 'paid', '2026-06-01')
    expect((await showMailbox(db, mailbox.address))?.openOrder).toBeNull()
  })
})
