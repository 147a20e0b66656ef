import { afterEach, describe, expect, it, vi } from 'vitest'
import { webSessions } from '../../src/accounts/schema'
import { SESSIONS_CLOSED_CHANNEL, SessionCache } from '../../src/accounts/session-cache'
import { closeAccountSessions, closeSession, findSession, hashToken, openSession, type HolderSession } from '../../src/accounts/sessions'
import { openDatabase, type Database } from '../../src/db/client'
import type { Deps } from '../../src/deps'
import { postgresOnly, testDatabases, type TestDatabase } from '../support/databases'
import { testDeps } from '../support/deps'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'

const ANNA: HolderSession = { accountId: 'FNOM000010', signedInWith: 'account:FNOM000010', language: 'it' }
const BRUNO: HolderSession = { accountId: 'FNOM000020', signedInWith: 'account:FNOM000020', language: 'en' }
const HOUR = 3_600_000

describe('SessionCache', () => {
  it('trusts an entry for the trust period only, and never past the session end or when the clock goes back', () => {
    const cache = new SessionCache(60_000)
    cache.remember('a', ANNA, 1_000_000, 1_000_000 + 12 * HOUR)
    expect(cache.get('a', 1_000_000 + 59_999)).toEqual(ANNA)
    expect(cache.get('a', 1_000_000 + 60_000)).toBeUndefined()
    expect(cache.size).toBe(0) // a stale entry is dropped, not kept

    cache.remember('b', ANNA, 1_000_000, 1_000_030)
    expect(cache.get('b', 1_000_030)).toBeUndefined() // the 12-hour limit falls inside the minute

    cache.remember('c', ANNA, 1_000_000, 1_000_000 + HOUR)
    expect(cache.get('c', 999_999)).toBeUndefined()
  })

  it('forgets one token, or every token of an account, and leaves the others', () => {
    const cache = new SessionCache()
    cache.remember('a1', ANNA, 0, HOUR)
    cache.remember('a2', { ...ANNA, signedInWith: 'mailbox:anna@pec.example.it' }, 0, HOUR)
    cache.remember('b1', BRUNO, 0, HOUR)
    cache.forget('a1')
    expect(cache.get('a1', 1)).toBeUndefined()
    expect(cache.get('a2', 1)?.signedInWith).toBe('mailbox:anna@pec.example.it')
    cache.forgetAccount(ANNA.accountId)
    expect(cache.get('a2', 1)).toBeUndefined()
    expect(cache.get('b1', 1)).toEqual(BRUNO)
    cache.clear()
    expect(cache.size).toBe(0)
  })

  it('stays within its size by dropping the oldest entry', () => {
    const cache = new SessionCache(60_000, 2)
    cache.remember('a', ANNA, 0, HOUR)
    cache.remember('b', BRUNO, 0, HOUR)
    cache.remember('c', BRUNO, 0, HOUR)
    expect(cache.size).toBe(2)
    expect(cache.get('a', 1)).toBeUndefined()
    cache.forgetAccount(BRUNO.accountId)
    expect(cache.size).toBe(0)
  })
})

describe.each(testDatabases())('%s: sessions with a cache', (_name, open) => {
  let t: TestDatabase
  const stops: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop()
    await t?.close()
  })

  async function setup(): Promise<{ deps: Deps; clock: ReturnType<typeof clockOn> }> {
    t = await open()
    await seedConvention(t.database.db)
    await seedMailbox(t.database.db, { expiresOn: '2026-07-01', accountId: ANNA.accountId })
    await seedMailbox(t.database.db, { expiresOn: '2026-07-01', accountId: BRUNO.accountId })
    const clock = clockOn('2026-06-01')
    return { deps: testDeps(t.database.db, clock), clock }
  }

  it('asks the database again after a minute, so a session deleted there ends within that minute', async () => {
    const { deps, clock } = await setup()
    const cache = new SessionCache()
    const token = await openSession(deps, ANNA)
    expect(await findSession(deps, token, cache)).toEqual(ANNA)
    await deps.db.delete(webSessions) // behind the cache's back, with no notice
    expect(await findSession(deps, token, cache)).toEqual(ANNA)
    clock.advanceMs(60_000)
    expect(await findSession(deps, token, cache)).toBeNull()
  })

  it('still writes the sliding expiry once a minute while the holder works from the cache', async () => {
    const { deps, clock } = await setup()
    const cache = new SessionCache()
    const token = await openSession(deps, ANNA)
    for (let minute = 0; minute < 45; minute++) {
      expect(await findSession(deps, token, cache)).toEqual(ANNA) // past the 30-minute idle limit in total
      clock.advanceMs(59_000)
    }
    const [row] = await deps.db.select().from(webSessions)
    expect(clock.now().getTime() - row.lastSeenAt.getTime()).toBeLessThan(2 * 60_000)
  })

  it('a sign-out is forgotten at once by its own process and, through NOTIFY, by every other one', async () => {
    const { deps } = await setup()
    const here = new SessionCache()
    const there = new SessionCache()
    stops.push(await t.database.listen(SESSIONS_CLOSED_CHANNEL, (id) => there.forgetAccount(id), () => there.clear()))
    const token = await openSession(deps, ANNA)
    const other = await openSession(deps, BRUNO)
    await findSession(deps, token, here)
    await findSession(deps, token, there)
    await findSession(deps, other, there)

    await closeSession(deps, token, here)
    expect(await findSession(deps, token, here)).toBeNull()
    await vi.waitFor(() => expect(there.get(hashToken(token), deps.clock.now().getTime())).toBeUndefined())
    expect(await findSession(deps, token, there)).toBeNull()
    expect(there.get(hashToken(other), deps.clock.now().getTime())).toEqual(BRUNO) // another account stays
  })

  it('a new password closes the account everywhere at commit, and a rolled-back one closes nothing', async () => {
    const { deps } = await setup()
    const there = new SessionCache()
    const heard: string[] = []
    stops.push(
      await t.database.listen(SESSIONS_CLOSED_CHANNEL, (id) => (heard.push(id), there.forgetAccount(id)), () => there.clear()),
    )
    const token = await openSession(deps, ANNA)
    await findSession(deps, token, there)
    await deps.db
      .transaction(async (tx) => {
        await closeAccountSessions(tx, ANNA.accountId)
        tx.rollback()
      })
      .catch(() => {})
    await closeSession(deps, 'no-such-token') // a notice that does come, to know the rolled-back one did not
    expect(await findSession(deps, token, there)).toEqual(ANNA)
    expect(heard).toEqual([])

    await deps.db.transaction((tx) => closeAccountSessions(tx, ANNA.accountId))
    await vi.waitFor(() => expect(heard).toEqual([ANNA.accountId]))
    expect(await findSession(deps, token, there)).toBeNull()
  })
})

describe.each(postgresOnly())('%s: the session listener', (_name, open) => {
  let t: TestDatabase
  let second: Database | undefined
  const stops: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop()
    await second?.close()
    await t?.close()
  })

  it('hears another process, and after its connection is killed forgets everything and listens again', async () => {
    t = await open()
    second = await openDatabase(t.url!) // another node on the same server
    const heard: string[] = []
    let gaps = 0
    stops.push(await second.listen(SESSIONS_CLOSED_CHANNEL, (id) => heard.push(id), () => gaps++))
    await closeAccountSessions(t.database.db, 'FNOM000010')
    await vi.waitFor(() => expect(heard).toEqual(['FNOM000010']))

    const killed = await t.database.pool!.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'LISTEN%'`,
    )
    expect(killed.rowCount).toBe(1)
    await vi.waitFor(() => expect(gaps).toBe(2), { timeout: 5_000 }) // dropped, then listening again
    await closeAccountSessions(t.database.db, 'FNOM000020')
    await vi.waitFor(() => expect(heard).toEqual(['FNOM000010', 'FNOM000020']))
  })
})
