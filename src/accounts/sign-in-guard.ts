import { isIPv6 } from 'node:net'
import { and, eq, gt, lt, sql } from 'drizzle-orm'
import { normaliseIdentifier } from '../core/identifiers'
import type { Db, Executor } from '../db/client'
import { holderSignInGuard, type SignInFailureTables } from './schema'

/*
 * Wrong passwords slow down the client that sends them, not the identifier for everyone: a flood
 * from one client must never keep the real holder, signing in from elsewhere, out. Counted per
 * (identifier, client): a few free tries, then a wait that doubles with each failure up to a cap,
 * enforced by time on the server. Per identifier across all clients, a ceiling that a single
 * client cannot reach within its window however patiently it waits (see the property test): only
 * a distributed attack gets there, and then the password no longer signs in at all, until the
 * holder sets a new one through the reset link, or an administrator runs `operator unlock`.
 * Unknown identifiers are counted exactly like real ones, so the answers say nothing about existence.
 */

/** Failures one client may make on one identifier before it has to wait. */
export const FREE_FAILURES = 3
/** The wait after the first failure beyond the free ones; it doubles with each further failure… */
export const FIRST_WAIT_MS = 1_000
/** …up to this. With it, one client fails at most ~61 times in 24 h: under the ceiling. */
export const MAX_WAIT_MS = 30 * 60_000
/** A client's failures on an identifier are forgotten a day after its last one. */
export const CLIENT_MEMORY_MS = 24 * 3_600_000
/** Failures on one identifier, from all clients, within the window, that stop the password signing in. */
export const IDENTIFIER_CEILING = 100
export const CEILING_WINDOW_MS = 24 * 3_600_000

export interface ClientFailures {
  failures: number
  lastFailureAt: Date
}

export interface IdentifierFailures {
  failures: number
  windowStartedAt: Date
}

export type Admission =
  | { kind: 'admitted' }
  /** This client must wait until `retryAt` before trying this identifier again. */
  | { kind: 'slowed'; retryAt: Date }
  /** The ceiling: no password signs in until a reset (holders) or an unlock (operators). */
  | { kind: 'blocked' }

/** The wait a client owes after `failures` failures on one identifier. */
export function waitAfter(failures: number): number {
  if (failures < FREE_FAILURES) return 0
  return Math.min(FIRST_WAIT_MS * 2 ** Math.min(failures - FREE_FAILURES, 31), MAX_WAIT_MS)
}

/** The client's failures still remembered at `now`, or undefined when it starts afresh. */
function rememberedClient(record: ClientFailures | undefined, now: Date): ClientFailures | undefined {
  return record && record.failures > 0 && now.getTime() - record.lastFailureAt.getTime() < CLIENT_MEMORY_MS ? record : undefined
}

/** The identifier's count in force at `now`: a reached ceiling stays until cleared; otherwise the window runs out. */
function currentWindow(record: IdentifierFailures | undefined, now: Date): IdentifierFailures | undefined {
  if (!record || record.failures === 0) return undefined
  if (record.failures >= IDENTIFIER_CEILING) return record
  return now.getTime() - record.windowStartedAt.getTime() < CEILING_WINDOW_MS ? record : undefined
}

export function isBlocked(record: IdentifierFailures | undefined): boolean {
  return (record?.failures ?? 0) >= IDENTIFIER_CEILING
}

/** Whether an attempt at `now` may have its password checked. */
export function admission(client: ClientFailures | undefined, identifier: IdentifierFailures | undefined, now: Date): Admission {
  if (isBlocked(identifier)) return { kind: 'blocked' }
  const remembered = rememberedClient(client, now)
  if (remembered) {
    const retryAt = new Date(remembered.lastFailureAt.getTime() + waitAfter(remembered.failures))
    if (retryAt > now) return { kind: 'slowed', retryAt }
  }
  return { kind: 'admitted' }
}

export function afterClientFailure(record: ClientFailures | undefined, now: Date): ClientFailures {
  return { failures: (rememberedClient(record, now)?.failures ?? 0) + 1, lastFailureAt: now }
}

export function afterIdentifierFailure(record: IdentifierFailures | undefined, now: Date): IdentifierFailures {
  const current = currentWindow(record, now)
  return { failures: (current?.failures ?? 0) + 1, windowStartedAt: current?.windowStartedAt ?? now }
}

/** Who is trying: one IPv4 address, or one IPv6 /64 (a single subscriber holds a whole /64). */
export function clientKey(ip: string): string {
  const address = ip.replace(/%.*$/, '').toLowerCase()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address)
  if (mapped) return mapped[1]
  if (!isIPv6(address)) return address
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined]
  const front = head ? head.split(':') : []
  const back = tail ? tail.split(':') : []
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0) // an IPv4 tail is two groups
  const groups = [...front, ...Array<string>(8 - width(front) - width(back)).fill('0'), ...back]
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`
}

/** One attempt: the identifier as typed and the client's IP address; both keyed here, once. */
export interface SignInAttempt {
  identifier: string
  ip: string
}

interface Keys {
  identifier: string
  client: string
}

const keysOf = (attempt: SignInAttempt): Keys => ({ identifier: normaliseIdentifier(attempt.identifier), client: clientKey(attempt.ip) })

// Each function keeps its counts in the holders' tables unless given the operators'.

/**
 * Decides whether this attempt may have its password checked and, when it may, counts it as a
 * failure in advance, under the rows' locks: parallel attempts from one client queue on the row
 * and each sees the ones before it, so a burst gets no more tries than patience would.
 * settleSignInAttempt takes the count back when the password was right or could not be checked.
 */
export async function admitSignInAttempt(db: Db, attempt: SignInAttempt, now: Date, tables: SignInFailureTables = holderSignInGuard): Promise<Admission> {
  const keys = keysOf(attempt)
  const { identifiers, clients } = tables
  return db.transaction(async (tx) => {
    // Locks in one order everywhere (the identifier's row, then the client's): no deadlock.
    await tx.insert(identifiers).values({ identifier: keys.identifier, failures: 0, windowStartedAt: now }).onConflictDoNothing()
    const [identifier] = await tx.select().from(identifiers).where(eq(identifiers.identifier, keys.identifier)).for('update')
    await tx.insert(clients).values({ ...keys, failures: 0, lastFailureAt: now }).onConflictDoNothing()
    const [client] = await tx.select().from(clients).where(clientRow(tables, keys)).for('update')
    const verdict = admission(client, identifier, now)
    if (verdict.kind !== 'admitted') return verdict
    await tx.update(identifiers).set(afterIdentifierFailure(identifier, now)).where(eq(identifiers.identifier, keys.identifier))
    await tx.update(clients).set(afterClientFailure(client, now)).where(clientRow(tables, keys))
    return verdict
  })
}

/**
 * After the password check of an admitted attempt. A wrong password keeps the failure counted in
 * advance. The right one takes it back and forgets this client's failures (the holder is here).
 * One that could not be checked (the mail platform is down) takes it back and forgets nothing.
 */
export async function settleSignInAttempt(
  db: Executor,
  attempt: SignInAttempt,
  outcome: 'wrong_password' | 'right_password' | 'not_checked',
  tables: SignInFailureTables = holderSignInGuard,
): Promise<void> {
  if (outcome === 'wrong_password') return
  const keys = keysOf(attempt)
  const { identifiers, clients } = tables
  await db
    .update(identifiers)
    .set({ failures: sql`${identifiers.failures} - 1` })
    .where(and(eq(identifiers.identifier, keys.identifier), gt(identifiers.failures, 0)))
  if (outcome === 'right_password') await db.delete(clients).where(clientRow(tables, keys))
  else await db.update(clients).set({ failures: sql`${clients.failures} - 1` }).where(and(clientRow(tables, keys), gt(clients.failures, 0)))
}

export interface ClearedFailures {
  /** Failures counted on the identifier in its current window (or since it reached the ceiling). */
  failures: number
  /** Whether the ceiling had been reached. */
  blocked: boolean
}

/**
 * Forgets every failure on an identifier, from every client: a new password, an unlock. Returns
 * what was cleared, or null when there was nothing to clear.
 */
export async function clearSignInFailures(db: Executor, identifier: string, tables: SignInFailureTables = holderSignInGuard): Promise<ClearedFailures | null> {
  const key = normaliseIdentifier(identifier)
  const { identifiers, clients } = tables
  const [counted] = await db.delete(identifiers).where(eq(identifiers.identifier, key)).returning()
  const slowed = await db.delete(clients).where(eq(clients.identifier, key)).returning({ failures: clients.failures })
  if (!counted?.failures && !slowed.some((row) => row.failures > 0)) return null
  return { failures: counted?.failures ?? 0, blocked: isBlocked(counted) }
}

/** The identifier's failures as the guard sees them (for an administrator's listing and tests). */
export async function identifierFailures(db: Executor, identifier: string, tables: SignInFailureTables = holderSignInGuard): Promise<IdentifierFailures | undefined> {
  const [row] = await db.select().from(tables.identifiers).where(eq(tables.identifiers.identifier, normaliseIdentifier(identifier)))
  return row
}

/** Housekeeping for the jobs: clients' failures forgotten, and identifiers' windows over without reaching the ceiling. */
export async function deleteStaleSignInFailures(db: Executor, now: Date, tables: SignInFailureTables = holderSignInGuard): Promise<void> {
  const { identifiers, clients } = tables
  await db.delete(clients).where(lt(clients.lastFailureAt, new Date(now.getTime() - CLIENT_MEMORY_MS)))
  await db
    .delete(identifiers)
    .where(and(lt(identifiers.windowStartedAt, new Date(now.getTime() - CEILING_WINDOW_MS)), lt(identifiers.failures, IDENTIFIER_CEILING)))
}

function clientRow({ clients }: SignInFailureTables, keys: Keys) {
  return and(eq(clients.identifier, keys.identifier), eq(clients.client, keys.client))
}
