import { randomBytes } from 'node:crypto'
import { hash as argon2Hash, parseOptions as argon2Options, verify as argon2Verify } from '@node-rs/argon2'
import { hash as bcryptHash, verify as bcryptVerify } from '@node-rs/bcrypt'
import { encrypt as sha512CryptEncrypt, verify as sha512CryptVerify } from 'unixcrypt'
import type { HashCost } from '../core/hash-cost'

/** The password hashes mail servers hand us, and the one we write (argon2id). */
export type PasswordHashKind = 'argon2id' | 'bcrypt' | 'sha512-crypt'

const ARGON2ID = /^\$argon2id\$(?:v=(?:16|19)\$)?m=\d{1,10},t=\d{1,10},p=\d{1,3}\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}$/
const BCRYPT = /^\$2[aby]\$(?:0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/
const SHA512_CRYPT = /^\$6\$(?:rounds=\d{1,9}\$)?[./0-9A-Za-z]{0,16}\$[./0-9A-Za-z]{86}$/

// Dovecot prefixes the scheme in braces ({SHA512-CRYPT}$6$…); {CRYPT} lets the hash say which one.
const DOVECOT_SCHEMES: Record<string, PasswordHashKind[]> = {
  '{ARGON2ID}': ['argon2id'],
  '{BLF-CRYPT}': ['bcrypt'],
  '{SHA512-CRYPT}': ['sha512-crypt'],
  '{CRYPT}': ['bcrypt', 'sha512-crypt'],
}

const ARGON2ID_ALGORITHM = 2 // Algorithm.Argon2id: a const enum, which isolatedModules cannot import

interface ClassifiedHash {
  kind: PasswordHashKind
  hash: string // without the Dovecot scheme prefix
}

function classify(stored: string): ClassifiedHash | null {
  let hash = stored
  let allowed: PasswordHashKind[] | undefined
  const scheme = /^\{[A-Z0-9-]+\}/.exec(stored)?.[0]
  if (scheme) {
    allowed = DOVECOT_SCHEMES[scheme]
    if (!allowed) return null
    hash = stored.slice(scheme.length)
  }
  const kind = kindOf(hash)
  if (!kind || (allowed && !allowed.includes(kind))) return null
  return { kind, hash }
}

function kindOf(hash: string): PasswordHashKind | null {
  if (ARGON2ID.test(hash)) {
    try {
      return argon2Options(hash).algorithm === ARGON2ID_ALGORITHM ? 'argon2id' : null
    } catch {
      return null
    }
  }
  if (BCRYPT.test(hash)) return 'bcrypt' // the pattern checks cost and length; verify() does the rest
  return SHA512_CRYPT.test(hash) ? 'sha512-crypt' : null
}

/** argon2id, bcrypt ($2a$, $2b$, $2y$) or SHA512-CRYPT ($6$), bare or with Dovecot's {SCHEME} prefix. */
export function isSupportedPasswordHash(hash: string): boolean {
  return classify(hash) !== null
}

/** The kind of a stored hash, or null when we could not verify against it. */
export function passwordHashKind(hash: string): PasswordHashKind | null {
  return classify(hash)?.kind ?? null
}

export type { HashCost } from '../core/hash-cost'

/** The cost of the hashes we write (hashPassword). */
export const OUR_HASH_COST: HashCost = { kind: 'argon2id', memoryKiB: 19_456, passes: 2, lanes: 1 }

const SHA512_DEFAULT_ROUNDS = 5_000 // crypt(3): without rounds=, and clamped to 1000…999999999
const SHA512_ROUNDS = /^\$6\$rounds=(\d+)\$/

/** The cost of verifying against a stored hash, or null when we could not verify against it. */
export function hashCost(stored: string): HashCost | null {
  const classified = classify(stored)
  if (!classified) return null
  switch (classified.kind) {
    case 'argon2id': {
      const options = argon2Options(classified.hash)
      return { kind: 'argon2id', memoryKiB: options.memoryCost, passes: options.timeCost, lanes: options.parallelism }
    }
    case 'bcrypt':
      return { kind: 'bcrypt', cost: Number(classified.hash.slice(4, 6)) }
    case 'sha512-crypt': {
      const rounds = Number(SHA512_ROUNDS.exec(classified.hash)?.[1] ?? SHA512_DEFAULT_ROUNDS)
      return { kind: 'sha512-crypt', rounds: Math.min(Math.max(rounds, 1_000), 999_999_999) }
    }
  }
}

/** A hash of `plain` with exactly this cost (for decoys: the password is random and forgotten). */
export async function hashWithCost(plain: string, cost: HashCost): Promise<string> {
  switch (cost.kind) {
    case 'argon2id':
      return argon2Hash(plain, { algorithm: ARGON2ID_ALGORITHM, memoryCost: cost.memoryKiB, timeCost: cost.passes, parallelism: cost.lanes })
    case 'bcrypt':
      return bcryptHash(plain, cost.cost)
    case 'sha512-crypt': {
      const salt = randomBytes(12).toString('base64').replaceAll('+', '.') // 16 characters of crypt's alphabet
      return sha512CryptEncrypt(plain, `$6$rounds=${cost.rounds}$${salt}`)
    }
  }
}

/**
 * A new password's argon2id hash, at OUR_HASH_COST (19 MiB, 2 passes, 1 lane: OWASP's first choice)
 * unless the caller's settings say otherwise (Config.passwordHashCost: tests use a low cost).
 */
export function hashPassword(plain: string, cost: HashCost = OUR_HASH_COST): Promise<string> {
  return hashWithCost(plain, cost)
}

/**
 * Checks a password against a hash we wrote or one imported from the mail platform. The libraries
 * compare in constant time; an unsupported or malformed hash never matches (it does not throw).
 */
export async function verifyPassword(plain: string, stored: string): Promise<boolean> {
  const classified = classify(stored)
  if (!classified) return false
  try {
    switch (classified.kind) {
      case 'argon2id':
        return await argon2Verify(classified.hash, plain)
      case 'bcrypt':
        return await bcryptVerify(plain, classified.hash)
      case 'sha512-crypt':
        return sha512CryptVerify(plain, classified.hash) // timingSafeEqual inside
    }
  } catch {
    return false
  }
}
