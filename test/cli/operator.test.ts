import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { asc, eq, like } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyPassword } from '../../src/accounts/passwords'
import { admitSignInAttempt, IDENTIFIER_CEILING } from '../../src/accounts/sign-in-guard'
import { systemClock } from '../../src/core/clock'
import { openDatabase, type Database } from '../../src/db/client'
import { auditLog, operators } from '../../src/db/schema'
import { openOperatorSession } from '../../src/operators/operator-sessions'
import { operatorSignInGuard } from '../../src/operators/schema'
import { migratedFolder, NO_LANGUAGE, runCli } from './run-cli'

// `operator add`, end to end, on an embedded database in a temporary folder.
describe('pec-renewal operator add', () => {
  let folder: string
  let env: Record<string, string>
  beforeAll(() => {
    folder = migratedFolder('pec-renewal-operator-')
    env = { DATABASE_URL: join(folder, 'data'), PEC_OPERATOR: 'admin', PUBLIC_URL: 'https://rinnovi.example.it', PEC_LANG: 'en' } // human text asserted in English
    delete process.env.PEC_OPERATOR_PASSWORD
  })
  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  async function stored() {
    const database = await openDatabase(env.DATABASE_URL)
    try {
      return {
        operators: await database.db.select().from(operators),
        audit: await database.db.select().from(auditLog).where(eq(auditLog.action, 'operator.created')),
      }
    } finally {
      await database.close()
    }
  }

  it('adds an operator with the password piped on stdin, stores only its argon2id hash, and audits who did it', async () => {
    const password = 'una frase lunga e segreta'
    const result = await runCli(['operator', 'add', 'Anna', '--name', 'Anna Bianchi', '--json'], env, `${password}\n`)
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ username: 'anna', displayName: 'Anna Bianchi', signInUrl: 'https://rinnovi.example.it/ufficio/accedi' })
    expect(result.stdout + result.stderr).not.toContain(password)
    const { operators: rows, audit } = await stored()
    expect(rows).toHaveLength(1)
    expect(rows[0].passwordHash).toMatch(/^\$argon2id\$/)
    expect(await verifyPassword(password, rows[0].passwordHash)).toBe(true)
    expect(audit).toMatchObject([{ actor: 'operator:admin', data: { username: 'anna', displayName: 'Anna Bianchi' } }])
  })

  it('takes the password from PEC_OPERATOR_PASSWORD for scripts; the name defaults to the username', async () => {
    const result = await runCli(['operator', 'add', 'marco.rossi'], { ...env, PEC_OPERATOR_PASSWORD: 'another long password' })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe('Operator marco.rossi (marco.rossi, role support) added; sign in at https://rinnovi.example.it/ufficio/accedi\n')
    expect((await stored()).operators.map((o) => o.username).sort()).toEqual(['anna', 'marco.rossi'])
  })

  it('refuses a short password, a bad or taken username and a missing password, with a clear message, changing nothing', async () => {
    // exit codes from the table of error codes: 2 a value refused, 4 refused by the state; 1 a usage error
    const cases: Array<[string[], string | undefined, RegExp, number]> = [
      [['operator', 'add', 'giulia'], 'short\n', /The password is too short: at least 12 characters, got 5/, 2],
      [['operator', 'add', 'x'], 'a long enough password\n', /Invalid username/, 2],
      [['operator', 'add', 'anna'], 'a long enough password\n', /An operator with this username already exists: anna/, 4],
      [['operator', 'add', 'giulia'], undefined, /no password given/, 1],
    ]
    for (const [args, input, message, code] of cases) {
      const result = await runCli(args, env, input)
      expect(result.code, args.join(' ')).toBe(code)
      expect(result.stderr).toMatch(message)
    }
    const { operators: rows, audit } = await stored()
    expect(rows.map((o) => o.username).sort()).toEqual(['anna', 'marco.rossi'])
    expect(audit).toHaveLength(2)
  })

  it('speaks Italian by default: the refusal, with its detail, and the confirmation', async () => {
    const italian = { ...env, ...NO_LANGUAGE }
    const short = await runCli(['operator', 'add', 'giulia'], italian, 'breve\n')
    expect(short.code).toBe(2) // bad input (422)
    expect(short.stderr).toBe('errore: La password è troppo corta: almeno 12 caratteri, ne ha 5 (password_too_short)\n')
    const missing = await runCli(['operator', 'add', 'giulia'], italian)
    expect(missing.stderr).toMatch(/^errore: nessuna password: digitala quando viene chiesta/)
    const added = await runCli(['operator', 'add', 'giulia'], { ...italian, PEC_OPERATOR_PASSWORD: 'una password lunga' })
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).toBe('Operatore giulia (giulia, ruolo support) aggiunto; accede da https://rinnovi.example.it/ufficio/accedi\n')
  })
})

// `operator list | disable | enable | password`, end to end, on an embedded database of their own.
describe('pec-renewal operator list, disable, enable, password', () => {
  let folder: string
  let env: Record<string, string>
  beforeAll(async () => {
    folder = migratedFolder('pec-renewal-operators-')
    env = { DATABASE_URL: join(folder, 'data'), PEC_OPERATOR: 'admin', PUBLIC_URL: 'https://rinnovi.example.it', PEC_LANG: 'en' } // human text asserted in English
    delete process.env.PEC_OPERATOR_PASSWORD
    const added = await runCli(['operator', 'add', 'anna', '--name', 'Anna Bianchi'], { ...env, PEC_OPERATOR_PASSWORD: 'la prima password' })
    expect(added.code, added.stderr).toBe(0)
  })
  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  /** Works on the CLI's database between two runs (PGlite: one process at a time). */
  async function onDatabase<T>(work: (db: Database['db']) => Promise<T>): Promise<T> {
    const database = await openDatabase(env.DATABASE_URL)
    try {
      return await work(database.db)
    } finally {
      await database.close()
    }
  }

  it('lists the operators, and disables one, closing their sessions; disabling again changes nothing', async () => {
    await onDatabase((db) => openOperatorSession({ db, clock: systemClock, config: { publicUrl: env.PUBLIC_URL, businessTimeZone: 'Europe/Rome' } }, 'anna'))
    const listed = await runCli(['operator', 'list', '--json'], env)
    expect(listed.code, listed.stderr).toBe(0)
    expect(JSON.parse(listed.stdout)).toMatchObject([{ username: 'anna', displayName: 'Anna Bianchi', disabledAt: null, activeSessions: 1, lastSignedInAt: expect.any(String) }])

    const disabled = await runCli(['operator', 'disable', 'Anna'], env)
    expect(disabled.code, disabled.stderr).toBe(0)
    expect(disabled.stdout).toBe('Operator anna disabled; sessions closed: 1\n')
    const again = await runCli(['operator', 'disable', 'anna', '--json'], env)
    expect(JSON.parse(again.stdout)).toMatchObject({ kind: 'already_disabled', username: 'anna', disabledAt: expect.any(String) })
    expect((await runCli(['operator', 'list'], env)).stdout).toMatch(/^anna +Anna Bianchi +support +disabled since .+ {2}live sessions: 0 {2}last sign-in .+\n$/)
    // Italian by default
    expect((await runCli(['operator', 'list'], { ...env, PEC_LANG: 'it' })).stdout).toMatch(/^anna +Anna Bianchi +support +disattivato dal .+ {2}sessioni aperte: 0 {2}ultimo accesso .+\n$/)
  })

  it('sets a disabled operator’s password and enables them again, each audited under the CLI’s operator', async () => {
    const password = 'una seconda frase segreta'
    const changed = await runCli(['operator', 'password', 'anna'], env, `${password}\n`)
    expect(changed.code, changed.stderr).toBe(0)
    expect(changed.stdout).toBe('Password of operator anna changed; sessions closed: 0; the operator is still disabled (pec-renewal operator enable anna)\n')
    expect(changed.stdout + changed.stderr).not.toContain(password)

    const enabled = await runCli(['operator', 'enable', 'anna', '--json'], env)
    expect(JSON.parse(enabled.stdout)).toMatchObject({ kind: 'enabled', username: 'anna' })

    const { row, audit } = await onDatabase(async (db) => ({
      row: (await db.select().from(operators).where(eq(operators.username, 'anna')))[0],
      audit: await db.select({ actor: auditLog.actor, action: auditLog.action, data: auditLog.data }).from(auditLog).where(like(auditLog.action, 'operator.%')).orderBy(asc(auditLog.id)),
    }))
    expect(row.disabledAt).toBeNull()
    expect(await verifyPassword(password, row.passwordHash)).toBe(true)
    expect(audit).toEqual([
      { actor: 'operator:admin', action: 'operator.created', data: { username: 'anna', displayName: 'Anna Bianchi', role: 'support' } },
      { actor: 'operator:admin', action: 'operator.disabled', data: { username: 'anna', sessionsClosed: 1 } },
      { actor: 'operator:admin', action: 'operator.password_set', data: { username: 'anna', sessionsClosed: 0 } },
      { actor: 'operator:admin', action: 'operator.enabled', data: { username: 'anna', disabledSince: expect.any(String) } },
    ])
  })

  it('takes the new password from PEC_OPERATOR_PASSWORD for scripts; enabling an active operator changes nothing', async () => {
    const scripted = await runCli(['operator', 'password', 'anna', '--json'], { ...env, PEC_OPERATOR_PASSWORD: 'la terza password lunga' })
    expect(scripted.code, scripted.stderr).toBe(0)
    expect(JSON.parse(scripted.stdout)).toMatchObject({ username: 'anna', sessionsClosed: 0, disabled: false })
    expect((await runCli(['operator', 'enable', 'anna'], env)).stdout).toBe('Operator anna was not disabled; nothing changed\n')
  })

  it('unlocks an operator blocked by failures from many clients, audited; unlocking again changes nothing; enable lifts a block too', async () => {
    const block = () =>
      onDatabase(async (db) => {
        for (let i = 0; i < IDENTIFIER_CEILING; i++) await admitSignInAttempt(db, { identifier: 'anna', ip: `198.51.100.${i}` }, new Date(), operatorSignInGuard)
      })
    await block()
    const unlocked = await runCli(['operator', 'unlock', 'ANNA', '--json'], env)
    expect(unlocked.code, unlocked.stderr).toBe(0)
    expect(JSON.parse(unlocked.stdout)).toEqual({ kind: 'unlocked', username: 'anna', failures: IDENTIFIER_CEILING, blocked: true })
    expect((await runCli(['operator', 'unlock', 'anna'], env)).stdout).toBe('Operator anna had no failed sign-ins; nothing changed\n')

    await block()
    const enabled = await runCli(['operator', 'enable', 'anna'], { ...env, PEC_LANG: 'it' })
    expect(enabled.stdout).toBe('L’operatore anna non era disattivato; i suoi tentativi di accesso falliti sono stati azzerati\n')
    const audit = await onDatabase((db) => db.select({ action: auditLog.action, data: auditLog.data }).from(auditLog).where(eq(auditLog.action, 'operator.unlocked')))
    expect(audit).toEqual([
      { action: 'operator.unlocked', data: { username: 'anna', failures: IDENTIFIER_CEILING, blocked: true } },
      { action: 'operator.unlocked', data: { username: 'anna', failures: IDENTIFIER_CEILING, blocked: true } },
    ])
  })

  it('refuses an unknown username (before asking for a password), a short password and a missing one, changing nothing', async () => {
    const before = await onDatabase(async (db) => ({ operators: await db.select().from(operators), audit: await db.select().from(auditLog) }))

    const cases: Array<[string[], string | undefined, RegExp, number]> = [
      [['operator', 'disable', 'nobody'], undefined, /No operator with this username: nobody \(operator_not_found\)/, 3],
      [['operator', 'enable', 'nobody'], undefined, /No operator with this username: nobody/, 3],
      [['operator', 'unlock', 'nobody'], undefined, /No operator with this username: nobody/, 3],
      [['operator', 'password', 'nobody'], undefined, /No operator with this username: nobody/, 3],
      [['operator', 'password', 'anna'], 'short\n', /The password is too short: at least 12 characters, got 5/, 2],
      [['operator', 'password', 'anna'], undefined, /no password given/, 1],
    ]
    for (const [args, input, message, code] of cases) {
      const result = await runCli(args, env, input)
      expect(result.code, args.join(' ')).toBe(code)
      expect(result.stderr).toMatch(message)
    }
    const after = await onDatabase(async (db) => ({ operators: await db.select().from(operators), audit: await db.select().from(auditLog) }))
    expect(after).toEqual(before)
  })
})
