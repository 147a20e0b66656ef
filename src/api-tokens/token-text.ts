import { createHash, randomBytes } from 'node:crypto'
import { API_SCOPES, type ApiScope } from './schema'

/** Every token starts so: a secret scanner (and a person) recognises one in a log or a repository. */
export const TOKEN_PREFIX = 'pecr_live_'
/** Characters of the secret part kept in clear to recognise a token in a list (of 43). */
const SHOWN_CHARACTERS = 6

/** A new token: 32 random bytes (base64url), behind the prefix. */
export function newTokenText(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url')
}

/** What is stored of a token: SHA-256 (hex). A token has 256 bits of entropy: no slow hash is needed. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** The part of a token shown in lists and in the audit: pecr_live_AbC123… */
export function shownPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + SHOWN_CHARACTERS)
}

/** Whether a text has a token's shape (a wrong one is refused without a database read). */
export function looksLikeToken(text: string): boolean {
  return /^pecr_live_[A-Za-z0-9_-]{43}$/.test(text)
}

export function isApiScope(value: unknown): value is ApiScope {
  return typeof value === 'string' && (API_SCOPES as readonly string[]).includes(value)
}

/**
 * Issue 15: whether a token's scopes let it do what a route asks. admin does everything; a write
 * scope (payments, orders) reads too, as a Stripe restricted key's write access includes read.
 */
export function scopesAllow(scopes: readonly ApiScope[], needed: ApiScope): boolean {
  if (scopes.includes('admin')) return true
  if (needed === 'read') return scopes.length > 0
  return scopes.includes(needed)
}
