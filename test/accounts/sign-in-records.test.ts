import { afterEach, describe, expect, it } from 'vitest'
import { passwordResets, signInFailures, webSessions } from '../../src/accounts/schema'
import { deleteSpentPasswordResets } from '../../src/accounts/password-reset'
import { deleteExpiredSessions, openSession } from '../../src/accounts/sessions'
import { deleteStaleSignInFailures, recordSignInFailure, signInLock } from '../../src/accounts/sign-in-guard'
import type { Deps } from '../../src/deps'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'

describe.each(testDatabases())('%s: sign-in records in the database', (_name, open) => {
  let t: TestDatabase
  afterEach(async () => t?.close())

  it('counts concurrent failures on one identifier without losing any (every node shares the count)', async () => {
    t = await open()
    const db = t.database.db
    const now = clockOn('2026-06-01').now()
    const untils = await Promise.all(Array.from({ length: 7 }, () => recordSignInFailure(db, 'FNOM000010', now)))
    const [row] = await db.select().from(signInFailures)
    expect(row.failures).toBe(7)
    expect(untils.filter(Boolean)).toHaveLength(3) // the 5th, 6th and 7th each report the lock
    expect(await signInLock(db, 'fnom000010', now)).toEqual(new Date(now.getTime() + 15 * 60_000))
  })

  it('housekeeping removes expired sessions, spent counts and old reset links, and keeps the live ones', async () => {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    await seedMailbox(db, { expiresOn: '2026-07-01', accountId: 'FNOM000010' })
    const clock = clockOn('2026-06-01')
    const deps: Deps = { db, clock, config: { publicUrl: 'https://x', businessTimeZone: 'Europe/Rome' } }
    await openSession(deps, { accountId: 'FNOM000010', signedInWith: 'account:FNOM000010', language: 'it' })
    await recordSignInFailure(db, 'old', clock.now())
    const start = clock.now()
    const hour = 3_600_000
    await db.insert(passwordResets).values([
      { tokenHash: 'old', accountId: 'FNOM000010', createdAt: start, expiresAt: new Date(start.getTime() + hour) },
      { tokenHash: 'used', accountId: 'FNOM000010', createdAt: start, expiresAt: new Date(start.getTime() + 30 * hour), usedAt: start },
    ])
    clock.advanceMs(26 * hour)
    await openSession(deps, { accountId: 'FNOM000010', signedInWith: 'account:FNOM000010', language: 'it' })
    await recordSignInFailure(db, 'recent', clock.now())
    await db.insert(passwordResets).values({ tokenHash: 'live', accountId: 'FNOM000010', createdAt: clock.now(), expiresAt: new Date(clock.now().getTime() + hour) })

    await deleteExpiredSessions(deps)
    await deleteStaleSignInFailures(db, clock.now())
    await deleteSpentPasswordResets(db, clock.now())

    expect(await db.select().from(webSessions)).toHaveLength(1)
    expect((await db.select().from(signInFailures)).map((r) => r.identifier)).toEqual(['recent'])
    expect((await db.select().from(passwordResets)).map((r) => r.tokenHash)).toEqual(['live'])
  })
})
