import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { importMailboxes, type ImportOptions } from '../../src/accounts/import-mailboxes'
import { verifyPassword } from '../../src/accounts/passwords'
import { DomainError } from '../../src/core/errors'
import { queryRows, sql } from '../../src/db/client'
import type { Deps } from '../../src/deps'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn, seedConvention } from '../support/seed'

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))
const VALID = join(FIXTURES, 'mailboxes.csv')
const INVALID = join(FIXTURES, 'mailboxes-invalid.csv')
const HEADER =
  'address,account_id,holder_first_name,holder_last_name,fiscal_code,reference_email,convention,activated_on,expires_on,status,register,language,account_password_hash,mailbox_password_hash'
const OPERATOR: ImportOptions = { actor: 'operator:test' }

const scratch = mkdtempSync(join(tmpdir(), 'pec-import-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))
let fileCounter = 0

/** Writes a CSV file for one test and returns its path. */
function csvFile(content: string, name = `import-${++fileCounter}.csv`): string {
  const path = join(scratch, name)
  writeFileSync(path, content)
  return path
}

/** The valid fixture with some of its lines rewritten. */
function fixtureWith(edit: (lines: string[]) => string[]): string {
  return csvFile(edit(readFileSync(VALID, 'utf8').trimEnd().split('\n')).join('\n') + '\n')
}

function row(n: number, overrides: Record<string, string> = {}): string {
  const values: Record<string, string> = {
    address: `medico${n}@pec.example.it`,
    account_id: `G${n}`,
    holder_first_name: 'Maria',
    holder_last_name: 'Rossi',
    fiscal_code: 'RSSMRA85T10A562S',
    reference_email: `holder${n}@example.it`,
    convention: 'FNOMCEO',
    activated_on: '2025-01-01',
    expires_on: '2026-12-31',
    status: 'active',
    register: 'none',
    language: 'it',
    account_password_hash: '',
    mailbox_password_hash: '',
    ...overrides,
  }
  return HEADER.split(',').map((column) => values[column]).join(',')
}

describe.each(testDatabases())('%s: importMailboxes', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  async function setup(): Promise<Deps> {
    t = await open()
    await seedConvention(t.database.db)
    return { db: t.database.db, clock: clockOn('2026-05-01'), config: { publicUrl: 'http://localhost', businessTimeZone: 'Europe/Rome' } }
  }

  const count = async (table: 'mailboxes' | 'accounts' | 'audit_log') =>
    (await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)}`))[0].n

  const mailbox = async (address: string) =>
    (await queryRows<Record<string, unknown>>(t.database.db, sql`SELECT * FROM mailboxes WHERE address = ${address}`))[0]

  const auditRows = async () =>
    queryRows<{ action: string; actor: string; reason: string; data: Record<string, unknown>; address: string }>(
      t.database.db,
      sql`SELECT a.action, a.actor, a.reason, a.data, m.address FROM audit_log a JOIN mailboxes m ON m.id = a.mailbox_id ORDER BY a.id`,
    )

  it('loads a valid export: addresses lower case, defaults for blank optional columns, one account per account_id', async () => {
    const deps = await setup()
    const result = await importMailboxes(deps, VALID, OPERATOR)
    expect(result).toEqual({ imported: 10, updated: 0, unchanged: 0, invalid: [] })
    expect(await count('mailboxes')).toBe(10)
    expect(await count('accounts')).toBe(9)

    expect(await mailbox('marco.galli@pec.omceo.example.it')).toMatchObject({ account_id: 'A0000006', status: 'active' })
    expect(await mailbox('lucia.verdi@pec.omceo.example.it')).toMatchObject({ status: 'active', register: 'none' })
    expect(await mailbox('stefano.ferrari@pec.omceo.example.it')).toMatchObject({
      status: 'deactivated',
      convention_code: 'FNOMCEO', // "fnomceo" in the file
      expires_on: '2026-03-15',
    })
    expect(await mailbox('studio.rossi@pec.omceo.example.it')).toMatchObject({ register: 'registro_imprese' })
    const [galli] = await queryRows<Record<string, unknown>>(t.database.db, sql`SELECT * FROM accounts WHERE id = 'A0000006'`)
    expect(galli).toMatchObject({ reference_email: 'marco.galli@example.it', language: 'it', fiscal_code: 'GLLMRC66H20G273O' })
    const [verdi] = await queryRows<{ language: string }>(t.database.db, sql`SELECT language FROM accounts WHERE id = 'A0000003'`)
    expect(verdi.language).toBe('en')
  })

  it('keeps the password hashes as the mail server wrote them, and they verify', async () => {
    const deps = await setup()
    await importMailboxes(deps, VALID, OPERATOR)
    const [account] = await queryRows<{ password_hash: string }>(t.database.db, sql`SELECT password_hash FROM accounts WHERE id = 'A0000002'`)
    expect(await verifyPassword('correct horse', account.password_hash)).toBe(true)
    const rossi = await mailbox('mario.rossi@pec.omceo.example.it')
    expect(rossi.password_hash).toMatch(/^\{SHA512-CRYPT\}\$6\$/)
    expect(await verifyPassword('Mailbox-Pass-1', rossi.password_hash as string)).toBe(true)
  })

  it('R9: writes one mailbox.imported audit row per mailbox created, with the actor and its fields', async () => {
    const deps = await setup()
    await importMailboxes(deps, VALID, OPERATOR)
    const audit = await auditRows()
    expect(audit).toHaveLength(10)
    expect(audit.every((a) => a.action === 'mailbox.imported' && a.actor === 'operator:test')).toBe(true)
    const rossi = audit.find((a) => a.address === 'mario.rossi@pec.omceo.example.it')!
    expect(rossi.reason).toBe('mailbox_import:mailboxes.csv') // a code: the history says it in the operator's language
    expect(rossi.data).toEqual({
      address: 'mario.rossi@pec.omceo.example.it',
      accountId: 'A0000001',
      convention: 'FNOMCEO',
      activatedOn: '2021-06-30',
      expiresOn: '2026-06-30',
      status: 'active',
      register: 'none',
    })
  })

  it('re-importing the same file changes nothing and counts every row unchanged', async () => {
    const deps = await setup()
    await importMailboxes(deps, VALID, OPERATOR)
    const again = await importMailboxes(deps, VALID, OPERATOR)
    expect(again).toEqual({ imported: 0, updated: 0, unchanged: 10, invalid: [] })
    expect(await count('mailboxes')).toBe(10)
    expect(await count('audit_log')).toBe(10)
  })

  it('R9: re-importing updates by address, never duplicates, and audits status and expiry changes', async () => {
    const deps = await setup()
    await importMailboxes(deps, VALID, OPERATOR)
    const changed = fixtureWith((lines) =>
      lines.map((line) =>
        line
          .replace('FNOMCEO,2019-05-31,2026-05-31,active', 'FNOMCEO,2019-05-31,2027-05-31,active') // bianchi: expiry
          .replace('2025-05-02,2026-05-02,active', '2025-05-02,2026-05-02,deactivated') // marino: status
          .replaceAll('mario.rossi@example.it', 'mario.rossi@example.org'), // account A0000001: two rows
      ),
    )
    deps.clock = clockOn('2026-05-03')
    const result = await importMailboxes(deps, changed, { actor: 'operator:anna' })
    expect(result).toEqual({ imported: 0, updated: 4, unchanged: 6, invalid: [] })
    expect(await count('mailboxes')).toBe(10)
    expect(await mailbox('giuseppe.bianchi@pec.omceo.example.it')).toMatchObject({ expires_on: '2027-05-31' })
    const updates = (await auditRows()).filter((a) => a.action === 'mailbox.updated')
    expect(updates.map((a) => [a.address, a.actor, a.data]).sort()).toEqual([
      ['giuseppe.bianchi@pec.omceo.example.it', 'operator:anna', { expiresOn: { from: '2026-05-31', to: '2027-05-31' } }],
      ['paolo.marino@pec.omceo.example.it', 'operator:anna', { status: { from: 'active', to: 'deactivated' } }],
    ])
    const [account] = await queryRows<{ reference_email: string }>(t.database.db, sql`SELECT reference_email FROM accounts WHERE id = 'A0000001'`)
    expect(account.reference_email).toBe('mario.rossi@example.org')
  })

  it('a blank status, register or password keeps what is stored; "active" clears the deactivation date', async () => {
    const deps = await setup()
    await importMailboxes(deps, VALID, OPERATOR)
    await t.database.db.execute(
      sql`UPDATE mailboxes SET status = 'deactivated', deactivated_on = '2026-05-01' WHERE address = 'giuseppe.bianchi@pec.omceo.example.it'`,
    )
    const blanks = fixtureWith((lines) => [
      lines[0],
      lines[3].replace(',active,ini_pec,it,', ',,,,').replace(/\$2y\$[^,]*/, ''), // bianchi, all optional blank
      lines[8].replace('2026-05-02,active', '2026-05-02,'), // marino, blank status
    ])
    expect(await importMailboxes(deps, blanks, OPERATOR)).toEqual({ imported: 0, updated: 0, unchanged: 2, invalid: [] })
    expect(await mailbox('giuseppe.bianchi@pec.omceo.example.it')).toMatchObject({
      status: 'deactivated',
      register: 'ini_pec',
      deactivated_on: '2026-05-01',
    })
    const [account] = await queryRows<{ password_hash: string }>(t.database.db, sql`SELECT password_hash FROM accounts WHERE id = 'A0000002'`)
    expect(account.password_hash).toMatch(/^\$2y\$/)

    const reactivated = fixtureWith((lines) => [lines[0], lines[3]])
    expect(await importMailboxes(deps, reactivated, OPERATOR)).toMatchObject({ updated: 1 })
    expect(await mailbox('giuseppe.bianchi@pec.omceo.example.it')).toMatchObject({ status: 'active', deactivated_on: null })
  })

  it('reports each bad row with its line number and reason, and writes nothing', async () => {
    const deps = await setup()
    const result = await importMailboxes(deps, INVALID, OPERATOR)
    expect(result).toEqual({
      imported: 0,
      updated: 0,
      unchanged: 0,
      invalid: [
        { line: 3, reason: 'address "not-an-address" is not a valid e-mail address' },
        { line: 4, reason: 'fiscal_code "VRDLCU80M41F205X" is not a valid codice fiscale: the check character is wrong' },
        { line: 5, reason: 'expires_on "2026-02-30" is not a date as YYYY-MM-DD' },
        { line: 6, reason: 'convention "ENPAM" does not exist' },
        { line: 8, reason: 'status "suspended" is not one of active, deactivated, ceased' },
        { line: 9, reason: 'address "ok.one@pec.omceo.example.it" already appears on line 2' },
      ],
    })
    expect(await count('mailboxes')).toBe(0)
    expect(await count('accounts')).toBe(0)
    expect(await count('audit_log')).toBe(0)
  })

  it('with skipInvalid imports the good rows and still reports the bad ones', async () => {
    const deps = await setup()
    const result = await importMailboxes(deps, INVALID, { ...OPERATOR, skipInvalid: true })
    expect(result.imported).toBe(2)
    expect(result.invalid.map((r) => r.line)).toEqual([3, 4, 5, 6, 8, 9])
    const addresses = await queryRows<{ address: string }>(t.database.db, sql`SELECT address FROM mailboxes ORDER BY address`)
    expect(addresses.map((r) => r.address)).toEqual(['ok.one@pec.omceo.example.it', 'ok.two@pec.omceo.example.it'])
    expect(await mailbox('ok.one@pec.omceo.example.it')).toMatchObject({ account_id: 'B0000001' }) // the first, not the repeat
  })

  it.each([
    ['activated after expiry', { activated_on: '2027-01-01' }, 'activated_on 2027-01-01 is after expires_on 2026-12-31'],
    ['empty account_id', { account_id: '' }, 'account_id is empty'],
    ['empty name', { holder_last_name: '' }, 'holder_last_name is empty'],
    ['short codice fiscale', { fiscal_code: 'RSSMRA85T10' }, 'fiscal_code "RSSMRA85T10" must have 16 characters'],
    ['bad reference e-mail', { reference_email: 'maria at example.it' }, 'reference_email "maria at example.it" is not a valid e-mail address'],
    ['bad register', { register: 'albo' }, 'register "albo" is not one of none, registro_imprese, ini_pec'],
    ['bad language', { language: 'de' }, 'language "de" is not one of it, en'],
    ['unsupported hash', { mailbox_password_hash: '$1$somesalt$5n2MdHeQ4GvnNmtTsrNgK0' }, 'mailbox_password_hash "$1$somesalt$5n2M…" is not an argon2id, bcrypt or SHA512-CRYPT hash'],
    ['slash date', { expires_on: '31/12/2026' }, 'expires_on "31/12/2026" is not a date as YYYY-MM-DD'],
  ])('refuses a row with %s', async (_case, overrides, reason) => {
    const deps = await setup()
    const result = await importMailboxes(deps, csvFile(`${HEADER}\n${row(1)}\n${row(2, overrides)}\n`), OPERATOR)
    expect(result.invalid).toEqual([{ line: 3, reason }])
    expect(await count('mailboxes')).toBe(0)
  })

  it('reports every problem of a row, a row with the wrong number of fields, and accounts whose rows disagree', async () => {
    const deps = await setup()
    const file = csvFile(
      [
        HEADER,
        row(1, { address: 'x', expires_on: '2026-13-01' }),
        'a@pec.example.it,G9,Maria',
        row(3, { account_id: 'SHARED' }),
        row(4, { account_id: 'SHARED', reference_email: 'other@example.it' }),
      ].join('\n'),
    )
    const { invalid } = await importMailboxes(deps, file, OPERATOR)
    expect(invalid).toEqual([
      { line: 2, reason: 'address "x" is not a valid e-mail address; expires_on "2026-13-01" is not a date as YYYY-MM-DD' },
      { line: 3, reason: 'the row has 3 fields but the header has 14' },
      {
        line: 5,
        reason:
          'account_id "SHARED" has holder data different from line 4: names, fiscal_code, reference_email, language and account_password_hash must agree on every row of an account',
      },
    ])
  })

  it('tolerates a BOM, ";" as delimiter, CRLF, blank lines and columns in any order; counts lines across quoted line breaks', async () => {
    const deps = await setup()
    const header = 'EXPIRES_ON;address;account_id;holder_first_name;holder_last_name;fiscal_code;reference_email;convention;activated_on'
    const file = csvFile(
      '\uFEFF' +
        [
          header,
          '2026-12-31;a@pec.example.it;G1;"Maria\nTeresa";Rossi;RSSMRA85T10A562S;a@example.it;FNOMCEO;2025-01-01',
          '',
          '2026-12-31;b@pec.example.it;G2;Anna;Rossi;RSSMRA85T10A562S;b@example.it;FNOMCEO;2026-13-01',
          '"2026-12-31";c@pec.example.it;G3;Carla;Rossi;RSSMRA85T10A562S;c@example.it;FNOMCEO;2025-01-01',
          ';;;;;;;;',
        ].join('\r\n'),
    )
    const result = await importMailboxes(deps, file, OPERATOR)
    expect(result.invalid).toEqual([
      { line: 2, reason: 'holder_first_name "Maria\\nTeresa" is not a name' },
      { line: 5, reason: 'activated_on "2026-13-01" is not a date as YYYY-MM-DD' },
    ])
    const ok = await importMailboxes(deps, file, { ...OPERATOR, skipInvalid: true })
    expect(ok.imported).toBe(1)
    expect(await mailbox('c@pec.example.it')).toMatchObject({ expires_on: '2026-12-31', status: 'active' })
  })

  it.each([
    ['an unknown column', `${HEADER},notes`, 'unknown column "notes"'],
    ['a missing column', HEADER.replace(',expires_on', ''), 'missing column expires_on'],
    ['a repeated column', HEADER.replace('status', 'address'), 'repeated column "address"'],
  ])('refuses the whole file when the header has %s', async (_case, header, message) => {
    const deps = await setup()
    const promise = importMailboxes(deps, csvFile(`${header}\n${row(1)}\n`), OPERATOR)
    await expect(promise).rejects.toThrow(DomainError)
    await expect(promise).rejects.toThrow(message)
    await expect(promise).rejects.toThrow(/line 1: the header has/)
  })

  it('refuses an empty file and a file it cannot read', async () => {
    const deps = await setup()
    await expect(importMailboxes(deps, csvFile(''), OPERATOR)).rejects.toThrow(/is empty: expected a header row/)
    await expect(importMailboxes(deps, join(scratch, 'missing.csv'), OPERATOR)).rejects.toThrow(/cannot read/)
  })

  it('a dry run counts what would change and writes nothing', async () => {
    const deps = await setup()
    expect(await importMailboxes(deps, VALID, { ...OPERATOR, dryRun: true })).toEqual({
      imported: 10,
      updated: 0,
      unchanged: 0,
      invalid: [],
    })
    expect(await count('mailboxes')).toBe(0)
    expect(await count('accounts')).toBe(0)
    expect(await count('audit_log')).toBe(0)

    await importMailboxes(deps, VALID, OPERATOR)
    const changed = fixtureWith((lines) => [...lines.map((l) => l.replace('2026-07-01,,', '2027-07-01,,')), row(99)])
    expect(await importMailboxes(deps, changed, { ...OPERATOR, dryRun: true })).toEqual({
      imported: 1,
      updated: 1,
      unchanged: 9,
      invalid: [],
    })
    expect(await count('mailboxes')).toBe(10)
    expect(await mailbox('lucia.verdi@pec.omceo.example.it')).toMatchObject({ expires_on: '2026-07-01' })
    expect(await count('audit_log')).toBe(10)
  })

  it('writes in batches inside one transaction: a failure in a later batch leaves nothing imported', async () => {
    const deps = await setup()
    const lines = [HEADER]
    for (let n = 1; n <= 2500; n++) lines.push(row(n))
    const file = csvFile(lines.join('\n'))
    await t.database.db.execute(sql`ALTER TABLE mailboxes ADD CONSTRAINT test_refuse CHECK (address <> 'medico2400@pec.example.it')`)
    await expect(importMailboxes(deps, file, OPERATOR)).rejects.toThrow()
    expect(await count('mailboxes')).toBe(0)
    expect(await count('accounts')).toBe(0)
    expect(await count('audit_log')).toBe(0)

    await t.database.db.execute(sql`ALTER TABLE mailboxes DROP CONSTRAINT test_refuse`)
    const progress: number[] = []
    const result = await importMailboxes(deps, file, { ...OPERATOR, onProgress: (done) => progress.push(done) })
    expect(result).toEqual({ imported: 2500, updated: 0, unchanged: 0, invalid: [] })
    expect(await count('audit_log')).toBe(2500)
    expect(progress).toEqual([1000, 2000, 2500])
  })
})
