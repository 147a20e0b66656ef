import { ManualClock } from '../../src/core/clock'
import { instantAt, type CalendarDate } from '../../src/core/calendar'
import type { Db } from '../../src/db/client'
import { accounts, mailboxes, type MailboxStatus, type Register } from '../../src/accounts/schema'
import { FNOMCEO_DEMO, saveConvention, type ConventionSetup } from '../../src/catalog/queries'
import { parseCalendarDate } from '../../src/core/calendar'

/** A clock standing at noon, Europe/Rome, on the given business date. */
export function clockOn(date: string, time = '12:00'): ManualClock {
  return new ManualClock(instantAt(date as CalendarDate, time))
}

export async function seedConvention(db: Db, setup: ConventionSetup = FNOMCEO_DEMO) {
  await saveConvention(db, setup)
}

let sequence = 0

export interface MailboxSeed {
  expiresOn: string
  status?: MailboxStatus
  register?: Register
  address?: string
  accountId?: string
  language?: 'it' | 'en'
  conventionCode?: string
  deactivatedOn?: string
}

/** An account with one mailbox (or a further mailbox on an existing account). */
export async function seedMailbox(db: Db, seed: MailboxSeed) {
  const n = ++sequence
  const accountId = seed.accountId ?? `A${String(n).padStart(7, '0')}`
  const now = new Date('2026-01-01T00:00:00Z')
  await db
    .insert(accounts)
    .values({
      id: accountId,
      firstName: 'Maria',
      lastName: `Rossi ${n}`,
      fiscalCode: 'RSSMRA85T10A562S',
      referenceEmail: `holder${n}@example.it`,
      language: seed.language ?? 'it',
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
  const [mailbox] = await db
    .insert(mailboxes)
    .values({
      address: seed.address ?? `medico${n}@pec.example.it`,
      accountId,
      conventionCode: seed.conventionCode ?? 'FNOMCEO',
      activatedOn: parseCalendarDate('2020-01-01'),
      expiresOn: parseCalendarDate(seed.expiresOn),
      status: seed.status ?? 'active',
      register: seed.register ?? 'none',
      deactivatedOn: seed.deactivatedOn ? parseCalendarDate(seed.deactivatedOn) : null,
      updatedAt: now,
    })
    .returning()
  return mailbox
}
