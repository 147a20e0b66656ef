import type { HolderSession } from './sessions'

/** The NOTIFY channel on which a process says "the sessions of account X are closed". */
export const SESSIONS_CLOSED_CHANNEL = 'pec_sessions_closed'

interface CachedSession {
  session: HolderSession
  /** When the database last confirmed it (ms). */
  checkedAt: number
  /** The 12-hour limit (ms): never trusted past it, however recently checked. */
  ends: number
}

/**
 * This process's memory of the sessions it has just checked, so that a holder's clicks through
 * the wizard do not each begin with a session query. An entry is trusted for `trustMs` — the
 * minute in which `findSession` would not write the sliding expiry anyway. Closing a session
 * forgets it here at once; other processes hear of it through NOTIFY on SESSIONS_CLOSED_CHANNEL
 * and forget the account's sessions, and one that may have missed a notice forgets everything.
 */
export class SessionCache {
  private readonly entries = new Map<string, CachedSession>()
  private readonly byAccount = new Map<string, Set<string>>()

  constructor(
    readonly trustMs = 60_000,
    private readonly maxEntries = 100_000,
  ) {}

  get size(): number {
    return this.entries.size
  }

  get(tokenHash: string, nowMs: number): HolderSession | undefined {
    const entry = this.entries.get(tokenHash)
    if (!entry) return undefined
    // a clock moved back counts as stale too: the database decides again
    if (nowMs - entry.checkedAt >= this.trustMs || nowMs < entry.checkedAt || nowMs >= entry.ends) {
      this.forget(tokenHash)
      return undefined
    }
    return entry.session
  }

  remember(tokenHash: string, session: HolderSession, nowMs: number, ends: number): void {
    this.forget(tokenHash)
    if (this.entries.size >= this.maxEntries) this.forget(this.entries.keys().next().value!) // the oldest
    this.entries.set(tokenHash, { session, checkedAt: nowMs, ends })
    let tokens = this.byAccount.get(session.accountId)
    if (!tokens) this.byAccount.set(session.accountId, (tokens = new Set()))
    tokens.add(tokenHash)
  }

  forget(tokenHash: string): void {
    const entry = this.entries.get(tokenHash)
    if (!entry) return
    this.entries.delete(tokenHash)
    const tokens = this.byAccount.get(entry.session.accountId)
    tokens?.delete(tokenHash)
    if (tokens?.size === 0) this.byAccount.delete(entry.session.accountId)
  }

  forgetAccount(accountId: string): void {
    for (const tokenHash of this.byAccount.get(accountId) ?? []) this.entries.delete(tokenHash)
    this.byAccount.delete(accountId)
  }

  clear(): void {
    this.entries.clear()
    this.byAccount.clear()
  }
}
