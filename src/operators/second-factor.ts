import { createHash, randomBytes } from 'node:crypto'
import { and, eq, isNotNull, isNull, not, like, sql } from 'drizzle-orm'
import { Secret, TOTP } from 'otpauth'
import { hashToken } from '../accounts/session-policy'
import { audit, type Actor } from '../db/audit'
import type { Tx } from '../db/client'
import { isSealed, openSecret, sealSecret } from '../core/secret-box'
import type { Deps } from '../deps'
import { closeAllOperatorSessions, lockOperator, type OperatorRow } from './queries'
import { operatorRecoveryCodes, operators, operatorSessions } from './schema'

/** The name an authenticator app shows above the code. */
export const TOTP_ISSUER = 'PEC Rinnovi'
/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30 seconds. */
const PERIOD_SECONDS = 30
/** Codes one step before or after now are accepted too: a phone's clock may drift a little. */
const WINDOW_STEPS = 1
export const RECOVERY_CODE_COUNT = 10
/** Wrong codes a session may send before it is closed and the password is asked again. */
export const MAX_SECOND_FACTOR_FAILURES = 5

function totpFor(username: string, secret: string): TOTP {
  return new TOTP({ issuer: TOTP_ISSUER, label: username, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, secret: Secret.fromBase32(secret) })
}

/** The code an authenticator shows for this secret at this instant (tests and the demo use it). */
export function totpCode(secret: string, at: Date): string {
  return totpFor('x', secret).generate({ timestamp: at.getTime() })
}

/** The key that seals TOTP secrets at rest (OFFICE_TOTP_KEY): every use of a secret needs it. */
function totpKey(deps: Deps): Buffer {
  const key = deps.config.officeTotpKey
  if (!key) throw new Error('OFFICE_TOTP_KEY: no key to seal the operators\' second-factor secrets with')
  return key
}

/**
 * The operator's TOTP secret in clear, or null. Stored sealed (AES-256-GCM); a plain secret an older
 * release stored is sealed here, in the caller's transaction (the operator's row is locked).
 */
async function readTotpSecret(tx: Tx, key: Buffer, operator: OperatorRow): Promise<string | null> {
  const stored = operator.totpSecret
  if (!stored) return null
  if (!isSealed(stored)) await tx.update(operators).set({ totpSecret: sealSecret(key, stored) }).where(eq(operators.username, operator.username))
  return openSecret(key, stored)
}

/**
 * Seals every TOTP secret still stored in clear (left by a release before secrets were sealed);
 * `serve` runs it at start. Returns how many it sealed. Idempotent.
 */
export async function sealPlainTotpSecrets(deps: Deps): Promise<number> {
  const key = totpKey(deps)
  return deps.db.transaction(async (tx) => {
    const plain = await tx
      .select({ username: operators.username, secret: operators.totpSecret })
      .from(operators)
      .where(and(isNotNull(operators.totpSecret), not(like(operators.totpSecret, 'v1:%'))))
      .for('update')
    for (const row of plain) await tx.update(operators).set({ totpSecret: sealSecret(key, row.secret!) }).where(eq(operators.username, row.username))
    return plain.length
  })
}

export interface Enrolment {
  /** Base32, for typing into the app by hand. */
  secret: string
  /** The otpauth:// URI the QR code carries. */
  uri: string
}

/**
 * The secret an operator is enrolling (issue 11: TOTP, enrolment by QR code): made on the first
 * call and kept until a code confirms it, so reloading the page shows the same QR code. Null when
 * the operator is already enrolled.
 */
export async function enrolmentFor(deps: Deps, username: string): Promise<Enrolment | null> {
  const key = totpKey(deps)
  return deps.db.transaction(async (tx) => {
    const operator = await lockOperator(tx, username)
    if (operator.totpEnrolledAt) return null
    let secret = await readTotpSecret(tx, key, operator)
    if (!secret) {
      secret = new Secret({ size: 20 }).base32
      await tx.update(operators).set({ totpSecret: sealSecret(key, secret) }).where(eq(operators.username, operator.username))
    }
    return { secret, uri: totpFor(operator.username, secret).toString() }
  })
}

export interface SecondFactorAttempt {
  username: string
  /** The session's cookie token: the session the code is given on. */
  sessionToken: string
  /** A 6-digit code from the app, or a recovery code. */
  code: string
  actor: Actor
}

export type SecondFactorOutcome =
  /** Enrolled now: the recovery codes, shown once, never stored in clear. */
  | { kind: 'enrolled'; recoveryCodes: string[] }
  | { kind: 'given'; with: 'totp' | 'recovery_code'; recoveryCodesLeft: number }
  /** A wrong, old or already used code; `attemptsLeft` on this session. */
  | { kind: 'wrong_code'; attemptsLeft: number }
  /** Too many wrong codes: the session is closed, the password must be given again. */
  | { kind: 'session_closed' }

/**
 * Checks the second factor on a session that gave the right password (issue 11, RFC 6238). While
 * enrolling, a code confirms the new secret and the recovery codes are made; afterwards a code
 * from the app (each time step once: a seen code is never taken again) or an unused recovery code
 * opens the session. The operator's row is locked, so one code cannot open two sessions at once.
 * Enrolment and recovery-code use are audited (R9).
 */
export async function giveSecondFactor(deps: Deps, attempt: SecondFactorAttempt): Promise<SecondFactorOutcome> {
  const now = deps.clock.now()
  const tokenHash = hashToken(attempt.sessionToken)
  const typed = attempt.code.replace(/[\s-]/g, '').toLowerCase()
  const key = totpKey(deps)
  return deps.db.transaction(async (tx) => {
    const operator = await lockOperator(tx, attempt.username)
    const { username } = operator
    const secret = await readTotpSecret(tx, key, operator)
    const step = secret && /^\d{6}$/.test(typed) ? acceptedStep(operator, secret, typed, now) : null
    if (step !== null) {
      await tx.update(operators).set({ totpLastStep: step, ...(operator.totpEnrolledAt ? {} : { totpEnrolledAt: now }) }).where(eq(operators.username, username))
      await markGiven(tx, tokenHash, now)
      if (!operator.totpEnrolledAt) {
        const recoveryCodes = await replaceRecoveryCodes(tx, username)
        await audit(tx, { actor: attempt.actor, action: 'operator.second_factor_enrolled', at: now, data: { username } })
        return { kind: 'enrolled' as const, recoveryCodes }
      }
      return { kind: 'given' as const, with: 'totp' as const, recoveryCodesLeft: await recoveryCodesLeft(tx, username) }
    }
    if (operator.totpEnrolledAt && /^[a-z2-7]{10}$/.test(typed)) {
      const [used] = await tx
        .update(operatorRecoveryCodes)
        .set({ usedAt: now })
        .where(and(eq(operatorRecoveryCodes.username, username), eq(operatorRecoveryCodes.codeHash, recoveryHash(typed)), isNull(operatorRecoveryCodes.usedAt)))
        .returning({ username: operatorRecoveryCodes.username })
      if (used) {
        await markGiven(tx, tokenHash, now)
        const left = await recoveryCodesLeft(tx, username)
        await audit(tx, { actor: attempt.actor, action: 'operator.recovery_code_used', at: now, data: { username, recoveryCodesLeft: left } })
        return { kind: 'given' as const, with: 'recovery_code' as const, recoveryCodesLeft: left }
      }
    }
    const [session] = await tx
      .update(operatorSessions)
      .set({ secondFactorFailures: sql`${operatorSessions.secondFactorFailures} + 1` })
      .where(and(eq(operatorSessions.tokenHash, tokenHash), eq(operatorSessions.username, username)))
      .returning({ failures: operatorSessions.secondFactorFailures })
    if (!session || session.failures >= MAX_SECOND_FACTOR_FAILURES) {
      await tx.delete(operatorSessions).where(eq(operatorSessions.tokenHash, tokenHash))
      return { kind: 'session_closed' as const }
    }
    return { kind: 'wrong_code' as const, attemptsLeft: MAX_SECOND_FACTOR_FAILURES - session.failures }
  })
}

/**
 * R9: an admin clears an operator's second factor (a lost phone): secret and recovery codes go,
 * every session of theirs is closed, and they enrol again at their next sign-in.
 */
export async function resetSecondFactor(deps: Deps, input: { username: string; actor: Actor }): Promise<{ username: string; sessionsClosed: number }> {
  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    const { username } = await lockOperator(tx, input.username)
    await tx.update(operators).set({ totpSecret: null, totpEnrolledAt: null, totpLastStep: null }).where(eq(operators.username, username))
    await tx.delete(operatorRecoveryCodes).where(eq(operatorRecoveryCodes.username, username))
    const sessionsClosed = await closeAllOperatorSessions(tx, username)
    await audit(tx, { actor: input.actor, action: 'operator.second_factor_reset', at: now, data: { username, sessionsClosed } })
    return { username, sessionsClosed }
  })
}

/** The time step the code belongs to, if it is right and newer than the last one taken; else null. */
function acceptedStep(operator: OperatorRow, secret: string, code: string, now: Date): number | null {
  const delta = totpFor(operator.username, secret).validate({ token: code, timestamp: now.getTime(), window: WINDOW_STEPS })
  if (delta === null) return null
  const step = Math.floor(now.getTime() / 1000 / PERIOD_SECONDS) + delta
  return operator.totpLastStep !== null && step <= operator.totpLastStep ? null : step
}

async function markGiven(tx: Tx, tokenHash: string, now: Date): Promise<void> {
  await tx.update(operatorSessions).set({ secondFactorAt: now, secondFactorFailures: 0 }).where(eq(operatorSessions.tokenHash, tokenHash))
}

async function replaceRecoveryCodes(tx: Tx, username: string): Promise<string[]> {
  await tx.delete(operatorRecoveryCodes).where(eq(operatorRecoveryCodes.username, username))
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode())
  await tx.insert(operatorRecoveryCodes).values(codes.map((code) => ({ username, codeHash: recoveryHash(code) })))
  return codes.map((code) => `${code.slice(0, 5)}-${code.slice(5)}`)
}

async function recoveryCodesLeft(tx: Tx, username: string): Promise<number> {
  const rows = await tx
    .select({ codeHash: operatorRecoveryCodes.codeHash })
    .from(operatorRecoveryCodes)
    .where(and(eq(operatorRecoveryCodes.username, username), isNull(operatorRecoveryCodes.usedAt)))
  return rows.length
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'
/** Ten base32 characters (50 random bits): shown as xxxxx-xxxxx. */
function newRecoveryCode(): string {
  return [...randomBytes(10)].map((byte) => BASE32[byte & 31]).join('')
}

/** Recovery codes carry 50 random bits: a fast hash is enough (they cannot be guessed from it). */
function recoveryHash(code: string): string {
  return createHash('sha256').update(code).digest('hex')
}
