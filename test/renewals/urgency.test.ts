import { describe, expect, it } from 'vitest'
import { parseCalendarDate as day } from '../../src/core/calendar'
import { byUrgency, mailboxUrgency, type UrgencyInput } from '../../src/renewals/urgency'

const today = day('2026-06-01')
const mailbox = (over: Partial<UrgencyInput> & { address?: string }) => {
  const m = { status: 'active' as const, expiresOn: day('2026-12-31'), renewable: true, renewableUntil: day('2027-03-31'), address: 'a@pec.it', ...over }
  return { ...m, urgency: mailboxUrgency(m, today) }
}

describe('mailbox urgency (R5, R6)', () => {
  it.each([
    [{ expiresOn: day('2026-06-01') }, { kind: 'expires_soon', daysLeft: 0 }],
    [{ expiresOn: day('2026-06-08') }, { kind: 'expires_soon', daysLeft: 7 }],
    [{ expiresOn: day('2026-07-31') }, { kind: 'expires_soon', daysLeft: 60 }],
    [{ expiresOn: day('2026-08-01') }, { kind: 'expires_later' }],
    [{ expiresOn: day('2026-05-31') }, { kind: 'expired', expiredOn: '2026-05-31' }], // R5: the run has not deactivated it yet
    [{ status: 'deactivated' as const, expiresOn: day('2026-04-12'), renewableUntil: day('2026-07-11') }, { kind: 'renewable_until', until: '2026-07-11', daysLeft: 40 }],
    [{ status: 'deactivated' as const, renewable: false }, { kind: 'gone' }],
    [{ status: 'ceased' as const, renewable: false }, { kind: 'gone' }],
  ] as const)('%o is %o', (over, expected) => {
    expect(mailbox(over).urgency).toEqual(expected)
  })

  it('sorts the most urgent first: expired, deactivated by window end, expiring soonest, later, gone', () => {
    const list = [
      mailbox({ address: 'later', expiresOn: day('2027-01-01') }),
      mailbox({ address: 'gone', status: 'ceased', renewable: false, expiresOn: day('2025-01-01') }),
      mailbox({ address: 'soon-2', expiresOn: day('2026-06-20') }),
      mailbox({ address: 'deact-late', status: 'deactivated', expiresOn: day('2026-05-01'), renewableUntil: day('2026-07-30') }),
      mailbox({ address: 'soon-1', expiresOn: day('2026-06-05') }),
      mailbox({ address: 'deact-early', status: 'deactivated', expiresOn: day('2026-04-01'), renewableUntil: day('2026-06-30') }),
      mailbox({ address: 'expired', expiresOn: day('2026-05-31') }),
    ]
    expect(list.sort(byUrgency).map((m) => m.address)).toEqual(['expired', 'deact-early', 'deact-late', 'soon-1', 'soon-2', 'later', 'gone'])
  })
})
