import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyPassword } from '../../src/accounts/passwords'
import { openDatabase } from '../../src/db/client'
import { auditLog, operators } from '../../src/db/schema'
import { NO_LANGUAGE, runCli } from './run-cli'

// `operator add`, end to end, on an embedded database in a temporary folder.
describe('pec-renewal operator add', () => {
  let folder: string
  let env: Record<string, string>
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'pec-renewal-operator-'))
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
    expect(result.stdout).toBe('Operator marco.rossi (marco.rossi) added; sign in at https://rinnovi.example.it/ufficio/accedi\n')
    expect((await stored()).operators.map((o) => o.username).sort()).toEqual(['anna', 'marco.rossi'])
  })

  it('refuses a short password, a bad or taken username and a missing password, with a clear message, changing nothing', async () => {
    const cases: Array<[string[], string | undefined, RegExp]> = [
      [['operator', 'add', 'giulia'], 'short\n', /The password is too short: at least 12 characters, got 5/],
      [['operator', 'add', 'x'], 'a long enough password\n', /Invalid username/],
      [['operator', 'add', 'anna'], 'a long enough password\n', /An operator with this username already exists: anna/],
      [['operator', 'add', 'giulia'], undefined, /no password given/],
    ]
    for (const [args, input, message] of cases) {
      const result = await runCli(args, env, input)
      expect(result.code, args.join(' ')).toBe(1)
      expect(result.stderr).toMatch(message)
    }
    const { operators: rows, audit } = await stored()
    expect(rows.map((o) => o.username).sort()).toEqual(['anna', 'marco.rossi'])
    expect(audit).toHaveLength(2)
  })

  it('speaks Italian by default: the refusal, with its detail, and the confirmation', async () => {
    const italian = { ...env, ...NO_LANGUAGE }
    const short = await runCli(['operator', 'add', 'giulia'], italian, 'breve\n')
    expect(short.code).toBe(1)
    expect(short.stderr).toBe('errore: La password è troppo corta: almeno 12 caratteri, ne ha 5 (password_too_short)\n')
    const missing = await runCli(['operator', 'add', 'giulia'], italian)
    expect(missing.stderr).toMatch(/^errore: nessuna password: digitala quando viene chiesta/)
    const added = await runCli(['operator', 'add', 'giulia'], { ...italian, PEC_OPERATOR_PASSWORD: 'una password lunga' })
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).toBe('Operatore giulia (giulia) aggiunto; accede da https://rinnovi.example.it/ufficio/accedi\n')
  })
})
