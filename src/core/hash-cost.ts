/**
 * What verifying against a hash costs: its scheme and work factors. Two hashes of equal cost take
 * as long to verify, whatever the password (the decoy for an unknown identifier relies on it).
 * Here, not in accounts/, because the settings (deps.ts) name it and deps import no capability.
 */
export type HashCost =
  | { kind: 'argon2id'; memoryKiB: number; passes: number; lanes: number }
  | { kind: 'bcrypt'; cost: number }
  | { kind: 'sha512-crypt'; rounds: number }
