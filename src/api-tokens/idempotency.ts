import { and, eq, isNull, lt } from 'drizzle-orm'
import type { Deps } from '../deps'
import { apiIdempotencyKeys } from './schema'

/**
 * A key left pending this long belongs to a request whose process stopped before answering: a
 * retry may take it over. What the stopped request did stays done once (an order resumes its open
 * order, R3; a payment is stored once under its reference, R8).
 */
export const ABANDONED_AFTER_MS = 5 * 60_000

export type IdempotencyClaim = { kind: 'claimed'; tokenId: number; key: string }
export type IdempotencyOutcome =
  | IdempotencyClaim
  | { kind: 'replay'; status: number; contentType: string; body: string }
  | { kind: 'reused' } // the same key with another request
  | { kind: 'in_use' } // the first request with this key has not answered yet

/**
 * Issue 15: the first request with a key stores it (the primary key lets one of several concurrent
 * requests in, on PostgreSQL as on PGlite); a retry finds the first answer, or the first request
 * still running (409), or another request under the same key (422).
 */
export async function claimIdempotencyKey(deps: Deps, request: { tokenId: number; key: string; requestHash: string }): Promise<IdempotencyOutcome> {
  const now = deps.clock.now()
  const { tokenId, key, requestHash } = request
  const [fresh] = await deps.db
    .insert(apiIdempotencyKeys)
    .values({ tokenId, key, requestHash, createdAt: now })
    .onConflictDoNothing()
    .returning({ key: apiIdempotencyKeys.key })
  if (fresh) return { kind: 'claimed', tokenId, key }
  const where = and(eq(apiIdempotencyKeys.tokenId, tokenId), eq(apiIdempotencyKeys.key, key))
  const [stored] = await deps.db.select().from(apiIdempotencyKeys).where(where)
  if (!stored) return claimIdempotencyKey(deps, request) // released meanwhile (the first answer was a 5xx)
  if (stored.requestHash !== requestHash) return { kind: 'reused' }
  if (stored.completedAt) return { kind: 'replay', status: stored.responseStatus!, contentType: stored.responseType ?? 'application/json', body: stored.responseBody ?? '' }
  const [taken] = await deps.db
    .update(apiIdempotencyKeys)
    .set({ createdAt: now })
    .where(and(where, isNull(apiIdempotencyKeys.completedAt), lt(apiIdempotencyKeys.createdAt, new Date(now.getTime() - ABANDONED_AFTER_MS))))
    .returning({ key: apiIdempotencyKeys.key })
  return taken ? { kind: 'claimed', tokenId, key } : { kind: 'in_use' }
}

/** Keeps the first answer for the key's retries. */
export async function saveIdempotentAnswer(deps: Deps, claim: IdempotencyClaim, answer: { status: number; contentType: string; body: string }): Promise<void> {
  await deps.db
    .update(apiIdempotencyKeys)
    .set({ completedAt: deps.clock.now(), responseStatus: answer.status, responseType: answer.contentType, responseBody: answer.body })
    .where(and(eq(apiIdempotencyKeys.tokenId, claim.tokenId), eq(apiIdempotencyKeys.key, claim.key)))
}

/** Frees a key whose request gave no answer to keep (a server error): a retry runs it again. */
export async function releaseIdempotencyKey(deps: Deps, claim: IdempotencyClaim): Promise<void> {
  await deps.db.delete(apiIdempotencyKeys).where(and(eq(apiIdempotencyKeys.tokenId, claim.tokenId), eq(apiIdempotencyKeys.key, claim.key), isNull(apiIdempotencyKeys.completedAt)))
}
