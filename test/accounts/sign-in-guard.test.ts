import { describe, expect, it } from 'vitest'
import { afterFailure, identifierKey, lockInForce, type FailureRecord } from '../../src/accounts/sign-in-guard'

const at = (minutes: number) => new Date(Date.UTC(2026, 5, 1, 10, 0) + minutes * 60_000)

function failAt(minutes: number[]): FailureRecord | undefined {
  return minutes.reduce<FailureRecord | undefined>((record, m) => afterFailure(record, at(m)), undefined)
}

describe('sign-in lockout per identifier', () => {
  it('locks at the fifth failure within 15 minutes, for 15 minutes from it', () => {
    const four = failAt([0, 1, 2, 3])
    expect(four!.lockedUntil).toBeNull()
    expect(lockInForce(four, at(3))).toBeNull()
    const five = afterFailure(four, at(4))
    expect(five.lockedUntil).toEqual(at(19))
    expect(lockInForce(five, at(18))).toEqual(at(19))
    expect(lockInForce(five, at(19))).toBeNull()
  })

  it('failures spread over more than 15 minutes never lock', () => {
    const record = failAt([0, 5, 10, 14, 15, 20, 25, 29])
    expect(record!.lockedUntil).toBeNull()
    expect(record!.failures).toBe(4) // the window restarted at minute 15
  })

  it('after a lock ends the count starts again', () => {
    const locked = failAt([0, 1, 2, 3, 4])
    const after = afterFailure(locked, at(20))
    expect(after).toEqual({ failures: 1, windowStartedAt: at(20), lockedUntil: null })
  })

  it('counts the identifier as typed, trimmed and in any case', () => {
    expect(identifierKey('  FNOM000010 ')).toBe('fnom000010')
    expect(identifierKey('Rossi@PEC.example.it')).toBe('rossi@pec.example.it')
  })
})
