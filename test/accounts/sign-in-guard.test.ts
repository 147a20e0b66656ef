import { describe, expect, it } from 'vitest'
import {
  admission,
  afterClientFailure,
  afterIdentifierFailure,
  CEILING_WINDOW_MS,
  clientKey,
  IDENTIFIER_CEILING,
  MAX_WAIT_MS,
  waitAfter,
  type ClientFailures,
  type IdentifierFailures,
} from '../../src/accounts/sign-in-guard'

const start = Date.UTC(2026, 5, 1, 10, 0)
const at = (ms: number) => new Date(start + ms)
const HOUR = 3_600_000

/** One client trying one identifier at each instant it is let in, failing every time, for `spanMs`; the identifier's count after each failure. */
function patientClient(spanMs: number, firstAt = 0, identifier?: IdentifierFailures) {
  let client: ClientFailures | undefined
  let now = firstAt
  const counts: IdentifierFailures[] = []
  while (now < firstAt + spanMs) {
    const verdict = admission(client, identifier, at(now))
    if (verdict.kind === 'blocked') break
    if (verdict.kind === 'slowed') {
      now = verdict.retryAt.getTime() - start
      continue
    }
    client = afterClientFailure(client, at(now))
    identifier = afterIdentifierFailure(identifier, at(now))
    counts.push(identifier)
  }
  return { client, identifier, counts }
}

describe('sign-in guard: per identifier and client, a growing wait', () => {
  it('3 free failures, then 1 s, 2 s, 4 s … doubling, capped at 30 minutes', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 13, 14, 50].map(waitAfter)).toEqual([0, 0, 0, 1_000, 2_000, 4_000, 8_000, 1_024_000, MAX_WAIT_MS, MAX_WAIT_MS])
  })

  it('refuses an attempt before its instant, by time, and lets the next one in at that instant', () => {
    let client: ClientFailures | undefined
    for (let i = 0; i < 3; i++) {
      expect(admission(client, undefined, at(i))).toEqual({ kind: 'admitted' })
      client = afterClientFailure(client, at(i))
    }
    expect(admission(client, undefined, at(2))).toEqual({ kind: 'slowed', retryAt: at(1_002) })
    expect(admission(client, undefined, at(1_001))).toEqual({ kind: 'slowed', retryAt: at(1_002) })
    expect(admission(client, undefined, at(1_002))).toEqual({ kind: 'admitted' })
    client = afterClientFailure(client, at(1_002))
    expect(admission(client, undefined, at(1_002))).toEqual({ kind: 'slowed', retryAt: at(3_002) })
  })

  it('forgets a client’s failures a day after its last one', () => {
    const client = { failures: 20, lastFailureAt: at(0) }
    expect(admission(client, undefined, at(HOUR / 2 - 1)).kind).toBe('slowed')
    expect(admission(client, undefined, at(HOUR / 2))).toEqual({ kind: 'admitted' })
    expect(admission(client, undefined, at(24 * HOUR))).toEqual({ kind: 'admitted' })
    expect(afterClientFailure(client, at(24 * HOUR))).toEqual({ failures: 1, lastFailureAt: at(24 * HOUR) })
  })
})

describe('sign-in guard: the ceiling per identifier', () => {
  it('one client, however patient, never reaches the ceiling: it cannot block the holder out', () => {
    const { counts } = patientClient(3 * 24 * HOUR)
    const mostInAWindow = Math.max(...counts.map((c) => c.failures))
    expect(mostInAWindow).toBeLessThan(IDENTIFIER_CEILING)
    expect(mostInAWindow).toBeGreaterThan(50) // and the figure is what the constants say (~61)
  })

  it('many clients together reach it: then no attempt is let in, from anyone, however long they wait', () => {
    let identifier: IdentifierFailures | undefined
    for (let i = 0; i < IDENTIFIER_CEILING; i++) {
      expect(admission(undefined, identifier, at(i))).toEqual({ kind: 'admitted' }) // a fresh client each time
      identifier = afterIdentifierFailure(identifier, at(i))
    }
    expect(admission(undefined, identifier, at(IDENTIFIER_CEILING))).toEqual({ kind: 'blocked' })
    expect(admission(undefined, identifier, at(30 * 24 * HOUR))).toEqual({ kind: 'blocked' }) // not a wait: a reset lifts it
  })

  it('failures spread over more than the window start a new count', () => {
    const old = { failures: IDENTIFIER_CEILING - 1, windowStartedAt: at(0) }
    expect(afterIdentifierFailure(old, at(CEILING_WINDOW_MS - 1))).toEqual({ failures: IDENTIFIER_CEILING, windowStartedAt: at(0) })
    expect(afterIdentifierFailure(old, at(CEILING_WINDOW_MS))).toEqual({ failures: 1, windowStartedAt: at(CEILING_WINDOW_MS) })
  })
})

describe('the client an attempt comes from', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002::1', '2001:db8:1:2::/64'], // the same /64, written another way
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['1:2:3::1.2.3.4', '1:2:3:0::/64'],
  ])('%s counts as %s', (ip, key) => {
    expect(clientKey(ip)).toBe(key)
  })
})
