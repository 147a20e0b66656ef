import { and, eq, isNull, lt, or } from 'drizzle-orm'
import type { Executor, Db } from '../db/client'
import { signInFailures, type SignInFailuresTable } from './schema'

/** Five wrong passwords within 15 minutes lock the identifier for 15 minutes. */
export const MAX_SIGN_IN_FAILURES = 5
export const FAILURE_WINDOW_MS = 15 * 60_000
export const LOCK_MS = 15 * 60_000

export interface FailureRecord {
  failures: number
  windowStartedAt: Date
  lockedUntil: Date | null
}

/**
 * The key the lockout counts under: the identifier as typed, trimmed and lower case. Unknown
 * identifiers are counted and locked exactly like real ones, so a lock says nothing about existence.
 */
export function identifierKey(identifier: string): string {
  return identifier.trim().toLowerCase()
}

/** The end of the lock in force at `now`, or null when sign-in may be tried. */
export function lockInForce(record: FailureRecord | undefined, now: Date): Date | null {
  return record?.lockedUntil && record.lockedUntil > now ? record.lockedUntil : null
}

/** The record after one more failure at `now`: a fresh window once the last one is over; locked at the fifth. */
export function afterFailure(record: FailureRecord | undefined, now: Date): FailureRecord {
  const windowOver =
    !record ||
    now.getTime() - record.windowStartedAt.getTime() >= FAILURE_WINDOW_MS ||
    (record.lockedUntil !== null && record.lockedUntil <= now)
  const start = windowOver ? { failures: 0, windowStartedAt: now } : record
  const failures = start.failures + 1
  return {
    failures,
    windowStartedAt: start.windowStartedAt,
    lockedUntil: failures >= MAX_SIGN_IN_FAILURES ? new Date(now.getTime() + LOCK_MS) : null,
  }
}

// Each function counts in the holders' table unless given another (operators keep theirs apart).

/** The end of the lock on this identifier, or null. Kept in the database: every node sees it. */
export async function signInLock(db: Executor, identifier: string, now: Date, table: SignInFailuresTable = signInFailures): Promise<Date | null> {
  const [row] = await db.select().from(table).where(eq(table.identifier, identifierKey(identifier)))
  return lockInForce(row, now)
}

/** Counts a failed sign-in; returns the end of the lock it started, or null. Concurrent failures queue on the row. */
export async function recordSignInFailure(db: Db, identifier: string, now: Date, table: SignInFailuresTable = signInFailures): Promise<Date | null> {
  const key = identifierKey(identifier)
  return db.transaction(async (tx) => {
    await tx
      .insert(table)
      .values({ identifier: key, failures: 0, windowStartedAt: now, lockedUntil: null })
      .onConflictDoNothing()
    const [row] = await tx.select().from(table).where(eq(table.identifier, key)).for('update')
    const next = afterFailure(row.failures === 0 ? undefined : row, now)
    await tx.update(table).set(next).where(eq(table.identifier, key))
    return next.lockedUntil
  })
}

/** A successful sign-in (or a new password) starts the count again. */
export async function clearSignInFailures(db: Executor, identifier: string, table: SignInFailuresTable = signInFailures): Promise<void> {
  await db.delete(table).where(eq(table.identifier, identifierKey(identifier)))
}

/** Housekeeping for the jobs: counts whose window and lock are both over. */
export async function deleteStaleSignInFailures(db: Executor, now: Date, table: SignInFailuresTable = signInFailures): Promise<void> {
  const windowStart = new Date(now.getTime() - FAILURE_WINDOW_MS)
  await db
    .delete(table)
    .where(and(lt(table.windowStartedAt, windowStart), or(isNull(table.lockedUntil), lt(table.lockedUntil, now))))
}
