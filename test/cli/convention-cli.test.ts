import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliDatabases, runCli, type CliDatabase } from './run-cli'

const YAML = `# a real provider's convention, without the demo
code: OMCEO-MI
name: Convenzione Ordine dei Medici di Milano
payer: order
durations:
  - years: 1
    netCents: 900
    vatPercent: 22
  - years: 3
    netCents: 2400
    vatPercent: 22
reminderOffsetsDays: [45, 15, 3]
renewableWindowDays: 60
lateRenewalFrom: payment
`

// Issue 11: `convention set | show` and `contract add`, on both databases as the command sees them.
describe.each(cliDatabases())('%s: pec-renewal convention and contract', (_name, open) => {
  let database: CliDatabase
  let folder: string
  let env: Record<string, string | undefined>
  beforeAll(async () => {
    database = await open()
    folder = mkdtempSync(join(tmpdir(), 'pec-renewal-convention-'))
    env = { ...database.env, PEC_OPERATOR: 'anna', PEC_LANG: 'en' }
  })
  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true })
    await database.close()
  })

  it('sets a convention from YAML, says so when the same file changes nothing, shows it as the JSON that sets it', { timeout: 120_000 }, async () => {
    const file = join(folder, 'omceo-mi.yaml')
    writeFileSync(file, YAML)
    const first = await runCli(['convention', 'set', file, '--reason', 'initial setup', '--json'], env)
    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({ kind: 'created', code: 'OMCEO-MI', prices: [{ years: 1, netCents: 900 }, { years: 3, netCents: 2400 }] })
    const again = await runCli(['convention', 'set', file, '--reason', 'initial setup'], env)
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toContain('Convention OMCEO-MI already reads so: nothing changed.')

    const shown = await runCli(['convention', 'show', 'OMCEO-MI', '--json'], env)
    expect(shown.code, shown.stderr).toBe(0)
    const json = JSON.parse(shown.stdout)
    expect(json).toMatchObject({ code: 'OMCEO-MI', payer: 'order', reminderOffsetsDays: [45, 15, 3], renewableWindowDays: 60, lateRenewalFrom: 'payment', durations: [{ years: 1, prices: [{ netCents: 900, vatPercent: 22 }] }, { years: 3 }] })
    const back = join(folder, 'shown.json')
    writeFileSync(back, shown.stdout)
    expect(JSON.parse((await runCli(['convention', 'set', back, '--reason', 'round trip', '--json'], env)).stdout)).toEqual({ kind: 'unchanged', code: 'OMCEO-MI' })
    expect((await runCli(['convention', 'show', 'NESSUNA', '--json'], env)).code).toBe(3)
  })

  it('refuses a file that breaks a rule with its reason and exit code 2, and a malformed file', { timeout: 120_000 }, async () => {
    const file = join(folder, 'bad.yaml')
    writeFileSync(file, YAML.replace('[45, 15, 3]', '[15, 45, 3]'))
    const refused = await runCli(['convention', 'set', file, '--reason', 'x'], env)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('Reminder days go in descending order')
    writeFileSync(file, YAML.replace('reminderOffsetsDays', '  - years: 2\n    prices: []\nreminderOffsetsDays'))
    const unpriced = await runCli(['convention', 'set', file, '--reason', 'x'], env)
    expect(unpriced.code).toBe(2)
    expect(unpriced.stderr).toContain('(duration_without_price)')
    writeFileSync(file, '{"code": ')
    expect((await runCli(['convention', 'set', file, '--reason', 'x'], env)).code).toBe(2)
  })

  it('adds a contract document with its first version, then a version from a later day; the same again changes nothing', { timeout: 120_000 }, async () => {
    const text = join(folder, 'condizioni.txt')
    writeFileSync(text, 'Condizioni generali del servizio, versione 1.0.\n')
    const args = ['contract', 'add', '--document', 'condizioni-generali', '--version', '1.0', '--from', '2099-01-01', '--reason', 'first terms', text]
    const missing = await runCli(args, env)
    expect(missing.code).toBe(3) // no such document, and no titles to create it
    const added = await runCli([...args, '--title-it', 'Condizioni generali', '--title-en', 'Terms', '--json'], env)
    expect(added.code, added.stderr).toBe(0)
    // one convention (OMCEO-MI, set above): the new document is its own without --convention
    expect(JSON.parse(added.stdout)).toMatchObject({ kind: 'added', documentCreated: true, effectiveFrom: '2099-01-01', conventions: ['OMCEO-MI'] })
    const otherConvention = await runCli(['contract', 'add', '--document', 'condizioni-generali', '--convention', 'FNOMCEO', '--version', '2.0', '--from', '2099-01-01', '--reason', 'x', text], env)
    expect(otherConvention.code).toBe(4)
    expect(otherConvention.stderr).toContain('belongs to another convention')
    const same = await runCli(args, env)
    expect(same.code, same.stderr).toBe(0)
    expect(same.stdout).toContain('nothing changed')
    writeFileSync(text, 'Another text')
    const changed = await runCli(args, env)
    expect(changed.code).toBe(4)
    const past = await runCli(['contract', 'add', '--document', 'condizioni-generali', '--version', '0.9', '--from', '2020-01-01', '--reason', 'x', text], env)
    expect(past.code).toBe(2)
  })
})
