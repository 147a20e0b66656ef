import { asc, eq, gt, like } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { hashCost, OUR_HASH_COST, verifyPassword, type HashCost } from '../../src/accounts/passwords'
import { admitSignInAttempt, IDENTIFIER_CEILING } from '../../src/accounts/sign-in-guard'
import { storedPasswordCheck, type StoredPasswordCheck } from '../../src/accounts/stored-password-check'
import { IDLE_MS } from '../../src/accounts/session-policy'
import type { ManualClock } from '../../src/core/clock'
import { loadConfig } from '../../src/config'
import { DomainError } from '../../src/core/errors'
import { auditLog } from '../../src/db/schema'
import type { Deps } from '../../src/deps'
import { addOperator } from '../../src/operators/add-operator'
import { disableOperator } from '../../src/operators/disable-operator'
import { enableOperator } from '../../src/operators/enable-operator'
import { listOperators } from '../../src/operators/list-operators'
import { findOperatorSession, openOperatorSession } from '../../src/operators/operator-sessions'
import { sampleOperatorPasswordHashes } from '../../src/operators/queries'
import { operators, operatorSessions, operatorSignInFailures, operatorSignInGuard } from '../../src/operators/schema'
import { setOperatorPassword } from '../../src/operators/set-operator-password'
import { signInOperator } from '../../src/operators/sign-in-operator'
import { unlockOperator } from '../../src/operators/unlock-operator'
import { testDatabases, type TestDatabase } from '../support/databases'
import { TEST_HASH_COST } from '../support/config'
import { testDeps } from '../support/deps'
import { clockOn } from '../support/seed'

const PASSWORD = 'operatore-di-prova-1'
const ADMIN = 'operator:admin'

describe.each(testDatabases())('%s: managing operators', (_name, open) => {
  let t: TestDatabase
  let clock: ManualClock
  let deps: Deps
  let passwords: StoredPasswordCheck
  let verified: Array<HashCost | null>
  afterEach(async () => t?.close())

  /** Two operators, anna and bruno, with the same password; the clock at 12:00 in Rome, 1 June 2026. */
  async function setup() {
    t = await open()
    clock = clockOn('2026-06-01')
    deps = testDeps(t.database.db, clock)
    verified = []
    const db = t.database.db
    passwords = storedPasswordCheck(() => sampleOperatorPasswordHashes(db, 500), clock, async (plain, stored) => {
      verified.push(hashCost(stored)) // what each verification costs: the same for a known and an unknown username
      return verifyPassword(plain, stored)
    })
    await addOperator(deps, { username: 'anna', displayName: 'Anna Bianchi', password: PASSWORD, role: 'support', actor: 'operator:setup' })
    await addOperator(deps, { username: 'bruno', password: PASSWORD, role: 'support', actor: 'operator:setup' })
  }

  const operator = async (username: string) => (await t.database.db.select().from(operators).where(eq(operators.username, username)))[0]
  const sessionsOf = async (username: string) => t.database.db.select().from(operatorSessions).where(eq(operatorSessions.username, username))
  /** Usernames with failed sign-ins counted. */
  const lockouts = async () =>
    (await t.database.db.select().from(operatorSignInFailures).where(gt(operatorSignInFailures.failures, 0)).orderBy(operatorSignInFailures.identifier)).map((r) => r.identifier)
  const signIn = (username: string, password: string, ip = '203.0.113.7') => signInOperator(deps, passwords, { username, password, ip })
  const auditRows = async () =>
    t.database.db
      .select({ actor: auditLog.actor, action: auditLog.action, at: auditLog.at, reason: auditLog.reason, data: auditLog.data })
      .from(auditLog)
      .where(like(auditLog.action, 'operator.%'))
      .orderBy(asc(auditLog.id))
  const adminAudit = async () => (await auditRows()).filter((r) => r.actor === ADMIN)

  /** Failed attempts on the username from as many clients as the ceiling takes: then even the password is refused. */
  async function lockOut(username: string) {
    for (let i = 0; i < IDENTIFIER_CEILING; i++) {
      expect((await admitSignInAttempt(t.database.db, { identifier: username, ip: `198.51.100.${i}` }, clock.now(), operatorSignInGuard)).kind).toBe('admitted')
    }
    expect(await signIn(username, PASSWORD)).toEqual({ kind: 'blocked' })
  }

  async function refusedWith(work: Promise<unknown>, code: string) {
    const error = await work.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DomainError)
    expect((error as DomainError).code).toBe(code)
    return error as DomainError
  }

  describe('disableOperator', () => {
    it('marks the operator disabled, closes every session of theirs (and no one else’s), and audits it once', async () => {
      await setup()
      const first = await openOperatorSession(deps, 'anna')
      await openOperatorSession(deps, 'anna')
      const brunos = await openOperatorSession(deps, 'bruno')
      clock.advanceMs(60_000)

      const result = await disableOperator(deps, { username: ' Anna ', actor: ADMIN })
      expect(result).toEqual({ kind: 'disabled', username: 'anna', disabledAt: clock.now(), sessionsClosed: 2 })
      expect((await operator('anna')).disabledAt).toEqual(clock.now())
      expect(await sessionsOf('anna')).toEqual([])
      expect(await findOperatorSession(deps, first)).toBeNull()
      expect(await findOperatorSession(deps, brunos)).toEqual({ username: 'bruno', displayName: 'bruno', role: 'support', secondFactor: 'not_needed' })
      expect(await adminAudit()).toEqual([
        { actor: ADMIN, action: 'operator.disabled', at: clock.now(), reason: 'disabled; every session closed', data: { username: 'anna', sessionsClosed: 2 } },
      ])
    })

    it('changes nothing when the operator is already disabled, and says so: no second audit row', async () => {
      await setup()
      const first = await disableOperator(deps, { username: 'anna', actor: ADMIN })
      clock.advanceMs(3_600_000)
      const again = await disableOperator(deps, { username: 'anna', actor: 'operator:someone-else' })
      expect(again).toEqual({ kind: 'already_disabled', username: 'anna', disabledAt: first.disabledAt })
      expect((await operator('anna')).disabledAt).toEqual(first.disabledAt)
      expect((await auditRows()).filter((r) => r.action === 'operator.disabled')).toHaveLength(1)
    })

    it('refuses an unknown username with operator_not_found, writing nothing', async () => {
      await setup()
      const error = await refusedWith(disableOperator(deps, { username: 'Carla', actor: ADMIN }), 'operator_not_found')
      expect(error.detail).toBe('carla')
      expect(await adminAudit()).toEqual([])
    })

    it('refuses the right password with its own answer, and a wrong one as ever, counting only the wrong one', async () => {
      await setup()
      await disableOperator(deps, { username: 'anna', actor: ADMIN })
      expect(await signIn('anna', PASSWORD)).toEqual({ kind: 'disabled' })
      expect(await lockouts()).toEqual([])
      expect(await signIn('anna', 'not the password')).toEqual({ kind: 'refused' })
      expect(await lockouts()).toEqual(['anna'])
    })

    it('refuses a session of a disabled operator even when its row outlived the disabling', async () => {
      await setup()
      await disableOperator(deps, { username: 'anna', actor: ADMIN })
      // as if a sign-in checked the password just before the disabling and opened its session just after
      const raced = await openOperatorSession(deps, 'anna')
      expect(await sessionsOf('anna')).toHaveLength(1)
      expect(await findOperatorSession(deps, raced)).toBeNull()
    })
  })

  describe('enableOperator', () => {
    it('lets a disabled operator sign in again at once: the lockout is cleared, and it is audited', async () => {
      await setup()
      await lockOut('anna')
      await lockOut('bruno')
      const { disabledAt } = await disableOperator(deps, { username: 'anna', actor: ADMIN })
      clock.advanceMs(60_000)

      const result = await enableOperator(deps, { username: 'ANNA', actor: ADMIN })
      expect(result).toEqual({ kind: 'enabled', username: 'anna', disabledSince: disabledAt })
      expect((await operator('anna')).disabledAt).toBeNull()
      expect(await lockouts()).toEqual(['bruno'])
      expect(await signIn('anna', PASSWORD)).toEqual({ kind: 'signed_in', operator: { username: 'anna', displayName: 'Anna Bianchi', role: 'support', secondFactor: 'not_needed' } })
      expect((await adminAudit()).map((r) => [r.action, r.data])).toEqual([
        ['operator.disabled', { username: 'anna', sessionsClosed: 0 }],
        ['operator.enabled', { username: 'anna', disabledSince: disabledAt.toISOString() }],
      ])
    })

    it('changes nothing for an operator who is not disabled, and says so', async () => {
      await setup()
      expect(await enableOperator(deps, { username: 'anna', actor: ADMIN })).toEqual({ kind: 'already_enabled', username: 'anna', unlocked: false })
      expect(await adminAudit()).toEqual([])
    })

    it('on an operator who is not disabled, still lifts a sign-in block, audited as an unlock', async () => {
      await setup()
      await lockOut('anna')
      expect(await enableOperator(deps, { username: 'anna', actor: ADMIN })).toEqual({ kind: 'already_enabled', username: 'anna', unlocked: true })
      expect((await signIn('anna', PASSWORD)).kind).toBe('signed_in')
      expect((await adminAudit()).map((r) => [r.action, r.data])).toEqual([['operator.unlocked', { username: 'anna', failures: IDENTIFIER_CEILING, blocked: true }]])
    })

    it('refuses an unknown username with operator_not_found', async () => {
      await setup()
      await refusedWith(enableOperator(deps, { username: 'carla', actor: ADMIN }), 'operator_not_found')
    })
  })

  describe('unlockOperator', () => {
    it('lets a blocked operator sign in again with their password: every failure forgotten, from every client, and audited', async () => {
      await setup()
      await lockOut('anna')
      await lockOut('bruno')
      for (let i = 0; i < 3; i++) await signIn('anna', 'wrong', '192.0.2.1') // slowed client rows are forgotten too
      clock.advanceMs(60_000)

      const result = await unlockOperator(deps, { username: ' ANNA ', actor: ADMIN })
      expect(result).toEqual({ kind: 'unlocked', username: 'anna', failures: IDENTIFIER_CEILING, blocked: true })
      expect(await lockouts()).toEqual(['bruno'])
      expect((await signIn('anna', PASSWORD, '192.0.2.1')).kind).toBe('signed_in')
      expect(await adminAudit()).toEqual([
        { actor: ADMIN, action: 'operator.unlocked', at: clock.now(), reason: 'failed sign-ins forgotten', data: { username: 'anna', failures: IDENTIFIER_CEILING, blocked: true } },
      ])
    })

    it('changes nothing, and audits nothing, when no failure was counted; refuses an unknown username', async () => {
      await setup()
      expect(await unlockOperator(deps, { username: 'anna', actor: ADMIN })).toEqual({ kind: 'nothing_to_unlock', username: 'anna' })
      await refusedWith(unlockOperator(deps, { username: 'carla', actor: ADMIN }), 'operator_not_found')
      expect(await adminAudit()).toEqual([])
    })
  })

  describe('one spelling of a username', () => {
    it('its NFKC and case variants are the same operator for add, the commands and the sign-in count', async () => {
      await setup()
      await refusedWith(addOperator(deps, { username: 'ＡＮＮＡ', password: PASSWORD, role: 'support', actor: ADMIN }), 'operator_exists')
      expect(await disableOperator(deps, { username: 'Ａｎｎａ', actor: ADMIN })).toMatchObject({ kind: 'disabled', username: 'anna' })
      await enableOperator(deps, { username: 'anna', actor: ADMIN })
      for (const variant of ['anna', 'ANNA', 'ａｎｎａ']) expect(await signIn(variant, 'wrong')).toEqual({ kind: 'refused' })
      expect((await signIn('Anna', PASSWORD)).kind).toBe('slowed') // a fourth try from this client, by any spelling, waits
      expect(await lockouts()).toEqual(['anna'])
    })
  })

  describe('the production cost', () => {
    it('addOperator and setOperatorPassword write OUR_HASH_COST (argon2id, 19 MiB, 2 passes, 1 lane) with the settings loadConfig gives', async () => {
      await setup()
      const production: Deps = { ...deps, config: { ...deps.config, passwordHashCost: loadConfig({ DATABASE_URL: 'memory://' }).passwordHashCost } }
      expect(OUR_HASH_COST).toEqual({ kind: 'argon2id', memoryKiB: 19_456, passes: 2, lanes: 1 })
      await addOperator(production, { username: 'carla', password: PASSWORD, role: 'support', actor: 'operator:setup' })
      expect((await operator('carla')).passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
      await setOperatorPassword(production, { username: 'carla', password: 'una nuova frase segreta', actor: ADMIN })
      expect(hashCost((await operator('carla')).passwordHash)).toEqual(OUR_HASH_COST)
      expect(hashCost((await operator('anna')).passwordHash)).toEqual(TEST_HASH_COST) // the rest of this file's, cheap
    })
  })

  describe('signInOperator', () => {
    it('an unknown username costs a verification of the same scheme and cost as a real one', async () => {
      await setup()
      expect(await signIn('anna', 'wrong')).toEqual({ kind: 'refused' })
      expect(await signIn('nobody', 'wrong')).toEqual({ kind: 'refused' })
      expect(verified).toEqual([TEST_HASH_COST, TEST_HASH_COST]) // the cost the test's operators were written with
    })
  })

  describe('setOperatorPassword', () => {
    const NEW_PASSWORD = 'una nuova frase segreta'

    it('sets a new argon2id hash, closes every session, clears the lockout, and audits it without the password', async () => {
      await setup()
      const token = await openOperatorSession(deps, 'anna')
      await lockOut('anna')
      const before = await operator('anna')
      clock.advanceMs(60_000)

      const result = await setOperatorPassword(deps, { username: 'anna', password: NEW_PASSWORD, actor: ADMIN })
      expect(result).toEqual({ username: 'anna', changedAt: clock.now(), sessionsClosed: 1, disabled: false })
      const after = await operator('anna')
      expect(after.passwordHash).toMatch(/^\$argon2id\$/)
      expect(after.passwordHash).not.toBe(before.passwordHash)
      expect(after.passwordChangedAt).toEqual(clock.now())
      expect(await verifyPassword(NEW_PASSWORD, after.passwordHash)).toBe(true)
      expect(await findOperatorSession(deps, token)).toBeNull()
      expect(await lockouts()).toEqual([])
      expect((await signIn('anna', PASSWORD)).kind).toBe('refused')
      expect((await signIn('anna', NEW_PASSWORD)).kind).toBe('signed_in')

      const audit = await adminAudit()
      expect(audit).toEqual([
        { actor: ADMIN, action: 'operator.password_set', at: clock.now(), reason: 'new password; every session closed', data: { username: 'anna', sessionsClosed: 1 } },
      ])
      expect(JSON.stringify(audit)).not.toContain(NEW_PASSWORD)
      expect(JSON.stringify(audit)).not.toContain(after.passwordHash)
    })

    it('leaves a disabled operator disabled, and says so', async () => {
      await setup()
      await disableOperator(deps, { username: 'anna', actor: ADMIN })
      const result = await setOperatorPassword(deps, { username: 'anna', password: NEW_PASSWORD, actor: ADMIN })
      expect(result.disabled).toBe(true)
      expect((await operator('anna')).disabledAt).not.toBeNull()
      expect(await signIn('anna', NEW_PASSWORD)).toEqual({ kind: 'disabled' })
    })

    it('refuses a short password or an unknown username, changing nothing', async () => {
      await setup()
      const before = await operator('anna')
      const short = await refusedWith(setOperatorPassword(deps, { username: 'anna', password: 'corta', actor: ADMIN }), 'password_too_short')
      expect(short.detail).toBe('at least 12 characters, got 5')
      await refusedWith(setOperatorPassword(deps, { username: 'carla', password: NEW_PASSWORD, actor: ADMIN }), 'operator_not_found')
      expect(await operator('anna')).toEqual(before)
      expect(await adminAudit()).toEqual([])
    })
  })

  describe('listOperators', () => {
    it('lists every operator by username: state, live sessions (not expired ones), last sign-in', async () => {
      await setup()
      await addOperator(deps, { username: 'carla', password: PASSWORD, role: 'support', actor: 'operator:setup' })
      await openOperatorSession(deps, 'anna') // expires while idle
      const firstSignIn = clock.now()
      clock.advanceMs(IDLE_MS + 60_000)
      await openOperatorSession(deps, 'anna')
      await openOperatorSession(deps, 'anna')
      const lastSignIn = clock.now()
      await openOperatorSession(deps, 'bruno')
      clock.advanceMs(60_000)
      const { disabledAt } = await disableOperator(deps, { username: 'bruno', actor: ADMIN })
      await setOperatorPassword(deps, { username: 'carla', password: 'una nuova frase segreta', actor: ADMIN })

      expect(lastSignIn).not.toEqual(firstSignIn)
      expect(await listOperators(deps)).toEqual([
        { username: 'anna', displayName: 'Anna Bianchi', role: 'support', secondFactorEnrolled: false, createdAt: firstSignIn, disabledAt: null, passwordChangedAt: null, lastSignedInAt: lastSignIn, activeSessions: 2 },
        { username: 'bruno', displayName: 'bruno', role: 'support', secondFactorEnrolled: false, createdAt: firstSignIn, disabledAt, passwordChangedAt: null, lastSignedInAt: lastSignIn, activeSessions: 0 },
        { username: 'carla', displayName: 'carla', role: 'support', secondFactorEnrolled: false, createdAt: firstSignIn, disabledAt: null, passwordChangedAt: clock.now(), lastSignedInAt: null, activeSessions: 0 },
      ])
    })
  })
})
