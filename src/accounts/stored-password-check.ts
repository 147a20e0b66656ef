import { randomBytes } from 'node:crypto'
import type { Clock } from '../core/clock'
import { hashCost, hashWithCost, OUR_HASH_COST, verifyPassword, type HashCost } from './passwords'

/** How a password is compared with a stored hash: verifyPassword; tests pass one that also records. */
export type VerifyPassword = (plain: string, stored: string) => Promise<boolean>

/**
 * Checks a password against a stored hash, or — with none: an unknown identifier, no password set —
 * against a decoy hash of the same scheme and cost as the stored hashes of that kind, and answers
 * false. Verifying takes as long either way, so the time does not tell whether the identifier
 * exists (an imported bcrypt hash takes several times an argon2id decoy).
 */
export type StoredPasswordCheck = (password: string, stored: string | null | undefined) => Promise<boolean>

/** How often the typical cost is sampled again (an import may change it). */
export const DECOY_RESAMPLE_MS = 15 * 60_000
/** Hashes read to find the typical cost: enough to find the most common one, cheap to read. */
export const DECOY_SAMPLE_SIZE = 500

/** The cost most of these hashes share (the first seen on a tie), or ours when none can be verified. */
export function typicalCost(hashes: Iterable<string | null | undefined>): HashCost {
  const counts = new Map<string, { cost: HashCost; n: number }>()
  for (const hash of hashes) {
    const cost = hash ? hashCost(hash) : null
    if (!cost) continue
    const key = JSON.stringify(cost)
    const seen = counts.get(key) ?? { cost, n: 0 }
    seen.n += 1
    counts.set(key, seen)
  }
  let typical: { cost: HashCost; n: number } | undefined
  for (const entry of counts.values()) if (!typical || entry.n > typical.n) typical = entry
  return typical?.cost ?? OUR_HASH_COST
}

// One decoy per cost for the process: made once (it takes as long as a verification), never matched.
const decoys = new Map<string, Promise<string>>()

/** A hash of a random, forgotten password with this cost. */
export function decoyHash(cost: HashCost): Promise<string> {
  const key = JSON.stringify(cost)
  let decoy = decoys.get(key)
  if (!decoy) {
    decoy = hashWithCost(randomBytes(24).toString('base64url'), cost)
    decoy.catch(() => decoys.delete(key))
    decoys.set(key, decoy)
  }
  return decoy
}

/**
 * The check for one kind of stored password (accounts, mailboxes, operators), given a sample of
 * those stored hashes. The decoy follows the sample, read again every DECOY_RESAMPLE_MS (an import
 * may change the typical cost) by whichever check comes first, known identifier or not: each
 * waits on the same decoy, so the wait tells nothing either.
 */
export function storedPasswordCheck(sample: () => Promise<Array<string | null>>, clock: Clock, verify: VerifyPassword = verifyPassword): StoredPasswordCheck {
  let decoy: Promise<string> | undefined
  let sampledAt = 0

  function currentDecoy(): Promise<string> {
    const now = clock.now().getTime()
    if (!decoy || Math.abs(now - sampledAt) >= DECOY_RESAMPLE_MS) {
      sampledAt = now
      const fresh = sample().then((hashes) => decoyHash(typicalCost(hashes)))
      fresh.catch(() => {
        if (decoy === fresh) decoy = undefined // the next check samples again
      })
      decoy = fresh
    }
    return decoy
  }

  return async (password, stored) => {
    const fallback = await currentDecoy()
    const matches = await verify(password, stored || fallback)
    return matches && Boolean(stored)
  }
}
