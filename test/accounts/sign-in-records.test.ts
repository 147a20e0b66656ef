import { afterEach, describe, expect, it } from 'vitest'
import { passwordResets, signInClientFailures, signInFailures, webSessions } from '../../src/accounts/schema'
import { deleteSpentPasswordResets } from '../../src/accounts/password-reset'
import { deleteExpiredSessions, openSession } from '../../src/accounts/sessions'
import { admitSignInAttempt, deleteStaleSignInFailures, identifierFailures, IDENTIFIER_CEILING, settleSignInAttempt } from '../../src/accounts/sign-in-guard'
import type { Deps } from '../../src/deps'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'

describe.each(testDatabases())('%s: sign-in records in the database', (_name, open) => {
  let t: TestDatabase
  afterEach(async () => t?.close())

  it('a burst of parallel attempts from one client gets no more tries than patience would (every node shares the count)', async () => {
    t = await open()
    const db = t.database.db
    const now = clockOn('2026-06-01').now()
    const burst = await Promise.all(Array.from({ length: 10 }, () => admitSignInAttempt(db, { identifier: 'FNOM000010', ip: '203.0.113.7' }, now)))
    expect(burst.filter((a) => a.kind === 'admitted')).toHaveLength(3)
    expect(burst.filter((a) => a.kind === 'slowed')).toHaveLength(7)
    // another client is not slowed by it, and every spelling of the ID is the same identifier
    expect(await admitSignInAttempt(db, { identifier: 'ＦＮＯＭ000010', ip: '198.51.100.1' }, now)).toEqual({ kind: 'admitted' })
    expect(await identifierFailures(db, 'fnom000010')).toEqual({ identifier: 'fnom000010', failures: 4, windowStartedAt: now })
  })

  it('the right password takes back the failure counted in advance and forgets that client’s; a check that could not be made forgets nothing', async () => {
    t = await open()
    const db = t.database.db
    const now = clockOn('2026-06-01').now()
    const holder = { identifier: 'FNOM000010', ip: '203.0.113.7' }
    for (let i = 0; i < 2; i++) {
      await admitSignInAttempt(db, holder, now)
      await settleSignInAttempt(db, holder, 'wrong_password')
    }
    await admitSignInAttempt(db, holder, now)
    await settleSignInAttempt(db, holder, 'not_checked')
    expect((await db.select().from(signInClientFailures)).map((r) => r.failures)).toEqual([2])
    expect((await identifierFailures(db, 'FNOM000010'))?.failures).toBe(2)
    await admitSignInAttempt(db, holder, now)
    await settleSignInAttempt(db, holder, 'right_password')
    expect(await db.select().from(signInClientFailures)).toEqual([])
    expect((await identifierFailures(db, 'FNOM000010'))?.failures).toBe(2) // others' failures stay counted
  })

  it('housekeeping removes expired sessions, forgotten counts and old reset links, and keeps the live ones and a reached ceiling', async () => {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    await seedMailbox(db, { expiresOn: '2026-07-01', accountId: 'FNOM000010' })
    const clock = clockOn('2026-06-01')
    const deps: Deps = { db, clock, config: { publicUrl: 'https://x', businessTimeZone: 'Europe/Rome' } }
    await openSession(deps, { accountId: 'FNOM000010', signedInWith: 'account:FNOM000010', language: 'it' })
    await admitSignInAttempt(db, { identifier: 'old', ip: '203.0.113.7' }, clock.now())
    await db.insert(signInFailures).values({ identifier: 'blocked', failures: IDENTIFIER_CEILING, windowStartedAt: clock.now() })
    const start = clock.now()
    const hour = 3_600_000
    await db.insert(passwordResets).values([
      { tokenHash: 'old', accountId: 'FNOM000010', createdAt: start, expiresAt: new Date(start.getTime() + hour) },
      { tokenHash: 'used', accountId: 'FNOM000010', createdAt: start, expiresAt: new Date(start.getTime() + 30 * hour), usedAt: start },
    ])
    clock.advanceMs(26 * hour)
    await openSession(deps, { accountId: 'FNOM000010', signedInWith: 'account:FNOM000010', language: 'it' })
    await admitSignInAttempt(db, { identifier: 'recent', ip: '203.0.113.7' }, clock.now())
    await db.insert(passwordResets).values({ tokenHash: 'live', accountId: 'FNOM000010', createdAt: clock.now(), expiresAt: new Date(clock.now().getTime() + hour) })

    await deleteExpiredSessions(deps)
    await deleteStaleSignInFailures(db, clock.now())
    await deleteSpentPasswordResets(db, clock.now())

    expect(await db.select().from(webSessions)).toHaveLength(1)
    expect((await db.select().from(signInFailures)).map((r) => r.identifier).sort()).toEqual(['blocked', 'recent'])
    expect((await db.select().from(signInClientFailures)).map((r) => r.identifier)).toEqual(['recent'])
    expect((await db.select().from(passwordResets)).map((r) => r.tokenHash)).toEqual(['live'])
  })
})
