import { and, asc, eq, isNull, lt, or, sql } from 'drizzle-orm'
import { conventions } from '../catalog/schema'
import { DomainError } from '../core/errors'
import { audit, type Actor } from '../db/audit'
import type { Deps } from '../deps'
import { apiTokens, type ApiScope } from './schema'
import { isApiScope, newTokenText, shownPrefix, tokenHash } from './token-text'

const TOKEN_NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{1,63}$/u

export interface NewApiToken {
  name: string
  scopes: readonly string[]
  /** A partner's token: this convention's mailboxes only, read-only. */
  conventionCode?: string | null
  actor: Actor
}

/** A token as listed: never its secret, which only createApiToken's answer carries, once. */
export interface ApiTokenListing {
  id: number
  name: string
  prefix: string
  scopes: ApiScope[]
  conventionCode: string | null
  createdAt: Date
  createdBy: string
  revokedAt: Date | null
  revokedBy: string | null
  lastUsedAt: Date | null
}

/** The scopes as typed (read,payments …): each known, none twice; a partner's token reads only. */
export function checkedScopes(typed: readonly string[], conventionCode: string | null): ApiScope[] {
  const scopes = [...new Set(typed.map((s) => s.trim().toLowerCase()).filter(Boolean))]
  if (!scopes.length || !scopes.every(isApiScope)) throw new DomainError('api_scope_invalid', typed.join(','))
  if (conventionCode && (scopes.length !== 1 || scopes[0] !== 'read')) throw new DomainError('api_scope_invalid', 'a convention token is read-only')
  return scopes
}

/**
 * Issue 15 (R9): creates an API token, audited. The answer carries the token itself: it is shown
 * this once and never stored (only its SHA-256), so a lost token is revoked and made again.
 */
export async function createApiToken(deps: Deps, input: NewApiToken): Promise<ApiTokenListing & { token: string }> {
  const name = input.name.trim()
  if (!TOKEN_NAME.test(name)) throw new DomainError('api_token_name_invalid', `"${input.name}"`)
  const typedConvention = input.conventionCode?.trim() || null
  const scopes = checkedScopes(input.scopes, typedConvention)
  const token = newTokenText()
  const createdAt = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    let conventionCode: string | null = null
    if (typedConvention) {
      const [convention] = await tx.select({ code: conventions.code }).from(conventions).where(sql`lower(${conventions.code}) = ${typedConvention.toLowerCase()}`)
      if (!convention) throw new DomainError('convention_not_found', typedConvention)
      conventionCode = convention.code
    }
    const [row] = await tx
      .insert(apiTokens)
      .values({ name, prefix: shownPrefix(token), tokenHash: tokenHash(token), scopes, conventionCode, createdAt, createdBy: input.actor })
      .onConflictDoNothing()
      .returning()
    if (!row) throw new DomainError('api_token_name_exists', name)
    await audit(tx, { actor: input.actor, action: 'api_token.created', at: createdAt, data: { tokenId: row.id, name, prefix: row.prefix, scopes, conventionCode } })
    return { ...listing(row), token }
  })
}

/** Every token, the active ones first, newest first within each. */
export async function listApiTokens(deps: Deps): Promise<ApiTokenListing[]> {
  const rows = await deps.db.select().from(apiTokens).orderBy(sql`${apiTokens.revokedAt} IS NOT NULL`, sql`${apiTokens.createdAt} DESC`, asc(apiTokens.id))
  return rows.map(listing)
}

/**
 * Issue 15 (R9): revokes a token, by its id or by the name of the active token so named; from the
 * next request on it opens nothing. Revoking a revoked token is refused (api_token_revoked).
 */
export async function revokeApiToken(deps: Deps, input: { token: string | number; actor: Actor }): Promise<ApiTokenListing> {
  const now = deps.clock.now()
  const byId = typeof input.token === 'number' || /^\d+$/.test(input.token) ? Number(input.token) : null
  return deps.db.transaction(async (tx) => {
    const [found] = await tx
      .select()
      .from(apiTokens)
      .where(byId !== null ? eq(apiTokens.id, byId) : and(eq(apiTokens.name, String(input.token).trim()), isNull(apiTokens.revokedAt)))
      .for('update')
    if (!found) throw new DomainError('api_token_not_found', String(input.token))
    if (found.revokedAt) throw new DomainError('api_token_revoked', found.name)
    const [row] = await tx.update(apiTokens).set({ revokedAt: now, revokedBy: input.actor }).where(eq(apiTokens.id, found.id)).returning()
    await audit(tx, { actor: input.actor, action: 'api_token.revoked', at: now, data: { tokenId: row.id, name: row.name, prefix: row.prefix } })
    return listing(row)
  })
}

/** The token a request carries, when it is one not revoked; its last use noted at most once a minute. */
export async function authenticateApiToken(deps: Deps, token: string): Promise<(ApiTokenListing & { scopes: ApiScope[] }) | null> {
  const [row] = await deps.db.select().from(apiTokens).where(and(eq(apiTokens.tokenHash, tokenHash(token)), isNull(apiTokens.revokedAt)))
  if (!row) return null
  const now = deps.clock.now()
  if (!row.lastUsedAt || now.getTime() - new Date(row.lastUsedAt).getTime() > 60_000) {
    await deps.db
      .update(apiTokens)
      .set({ lastUsedAt: now })
      .where(and(eq(apiTokens.id, row.id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, new Date(now.getTime() - 60_000)))))
  }
  return listing(row)
}

function listing(row: typeof apiTokens.$inferSelect): ApiTokenListing {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as ApiScope[],
    conventionCode: row.conventionCode,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    revokedAt: row.revokedAt,
    revokedBy: row.revokedBy,
    lastUsedAt: row.lastUsedAt,
  }
}
