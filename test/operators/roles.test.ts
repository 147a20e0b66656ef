import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { DomainError } from '../../src/core/errors'
import { auditLog } from '../../src/db/schema'
import type { Deps } from '../../src/deps'
import { addOperator } from '../../src/operators/add-operator'
import { disableOperator } from '../../src/operators/disable-operator'
import { listOperators } from '../../src/operators/list-operators'
import { findOperatorSession, openOperatorSession } from '../../src/operators/operator-sessions'
import { mayDo, OPERATOR_ROLES, type OfficePermission, type OperatorRole } from '../../src/operators/roles'
import { operators } from '../../src/operators/schema'
import { setOperatorRole } from '../../src/operators/set-operator-role'
import { testDatabases, type TestDatabase } from '../support/databases'
import { testDeps } from '../support/deps'
import { clockOn } from '../support/seed'

const PASSWORD = 'operatore-di-prova-1'

describe('roles: who may do what', () => {
  const table: Array<[OperatorRole, OfficePermission[]]> = [
    ['admin', ['look', 'support', 'billing', 'admin']],
    ['billing', ['look', 'support', 'billing']],
    ['support', ['look', 'support']],
    ['read-only', ['look']],
  ]
  it.each(table)('%s may do exactly %j', (role, allowed) => {
    const all: OfficePermission[] = ['look', 'support', 'billing', 'admin']
    expect(all.filter((p) => mayDo(role, p))).toEqual(allowed)
  })
  it('knows every role', () => expect(table.map(([r]) => r)).toEqual([...OPERATOR_ROLES]))
})

describe.each(testDatabases())('%s: an operator’s role', (_name, open) => {
  let t: TestDatabase
  let deps: Deps
  afterEach(async () => t?.close())

  async function setup() {
    t = await open()
    deps = testDeps(t.database.db, clockOn('2026-06-01'))
    await addOperator(deps, { username: 'ada', password: PASSWORD, role: 'admin', actor: 'operator:setup' })
    await addOperator(deps, { username: 'sara', password: PASSWORD, role: 'support', actor: 'operator:setup' })
  }
  const roleOf = async (username: string) => (await t.database.db.select().from(operators).where(eq(operators.username, username)))[0].role

  it('is stored with the operator, listed, audited when changed, and read by a live session at its next request', async () => {
    await setup()
    const token = await openOperatorSession(deps, 'sara')
    expect((await findOperatorSession(deps, token))?.role).toBe('support')
    expect(await setOperatorRole(deps, { username: 'SARA', role: 'billing', actor: 'operator:ada' })).toEqual({ kind: 'role_set', username: 'sara', role: 'billing', previousRole: 'support' })
    expect((await findOperatorSession(deps, token))?.role).toBe('billing')
    expect((await listOperators(deps)).map((o) => [o.username, o.role])).toEqual([['ada', 'admin'], ['sara', 'billing']])
    const audit = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'operator.role_set'))
    expect(audit).toMatchObject([{ actor: 'operator:ada', data: { username: 'sara', role: 'billing', previousRole: 'support' } }])
    // the same role again changes nothing and audits nothing
    expect((await setOperatorRole(deps, { username: 'sara', role: 'billing', actor: 'operator:ada' })).kind).toBe('unchanged')
    expect(await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'operator.role_set'))).toHaveLength(1)
  })

  it('refuses an unknown role and an unknown operator', async () => {
    await setup()
    await expect(setOperatorRole(deps, { username: 'sara', role: 'root', actor: 'operator:ada' })).rejects.toMatchObject({ code: 'invalid_role' })
    await expect(setOperatorRole(deps, { username: 'nobody', role: 'support', actor: 'operator:ada' })).rejects.toMatchObject({ code: 'operator_not_found' })
    expect(await roleOf('sara')).toBe('support')
  })

  it('keeps one active admin: the last one can be neither demoted nor disabled, until another is made admin', async () => {
    await setup()
    for (const attempt of [setOperatorRole(deps, { username: 'ada', role: 'support', actor: 'operator:ada' }), disableOperator(deps, { username: 'ada', actor: 'operator:ada' })]) {
      const error = await attempt.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(DomainError)
      expect((error as DomainError).code).toBe('last_admin')
    }
    expect(await roleOf('ada')).toBe('admin')
    await setOperatorRole(deps, { username: 'sara', role: 'admin', actor: 'operator:ada' })
    expect((await setOperatorRole(deps, { username: 'ada', role: 'read-only', actor: 'operator:sara' })).kind).toBe('role_set')
  })

  it('the database refuses a role that is not one of the four', async () => {
    await setup()
    await expect(t.database.db.update(operators).set({ role: 'root' as OperatorRole }).where(eq(operators.username, 'sara'))).rejects.toThrow()
  })
})
