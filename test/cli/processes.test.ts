import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/client'
import { CLI, migratedFolder, NO_LANGUAGE, runCli, spawnCli } from './run-cli'

// The installed command as a process (bin/ → dist/): what in-process runs cannot show. The other
// CLI tests call runCli in their own process; serve-modes.test.ts starts `serve` as README says.
describe('pec-renewal as a process', () => {
  let folder: string
  let env: Record<string, string>
  beforeAll(async () => {
    folder = migratedFolder('pec-renewal-process-')
    env = { DATABASE_URL: join(folder, 'data'), PEC_OPERATOR: 'test-operator' }
    const demo = await runCli(['demo', '--json'], env)
    expect(demo.code, demo.stderr).toBe(0)
  })
  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  it('--help: the built command starts and speaks Italian by default', async () => {
    const help = await spawnCli(['--help'], NO_LANGUAGE)
    expect(help).toMatchObject({ code: 0, stderr: '' })
    expect(help.stdout).toMatch(/^Uso: pec-renewal /)
    expect(help.stdout).toMatch(/mailbox +/)
  })

  it('mailbox show --json on a migrated embedded database', async () => {
    const shown = await spawnCli(['mailbox', 'show', 'giulia.bianchi@pec.omceo-demo.it', '--json'], env)
    expect(shown.code, shown.stderr).toBe(0)
    expect(JSON.parse(shown.stdout)).toMatchObject({ address: 'giulia.bianchi@pec.omceo-demo.it', status: 'active', accountId: 'FNOM000002' })
    const missing = await spawnCli(['mailbox', 'show', 'nobody@pec.example.it'], { ...env, PEC_LANG: 'en' })
    expect(missing).toMatchObject({ code: 3, stdout: '' }) // not found
    expect(missing.stderr).toBe('error: PEC mailbox not found: nobody@pec.example.it (mailbox_not_found)\n')
  })

  it('says who holds the embedded database when another process has it open', async () => {
    const held = await openDatabase(env.DATABASE_URL)
    try {
      const result = await spawnCli(['outbox', 'list'], env)
      expect(result.code).not.toBe(0)
      expect(result.stderr).toMatch(new RegExp(`^errore: il database integrato in .+ è in uso dal processo ${process.pid} `)) // Italian, whole
      expect(result.stderr).not.toMatch(/in use by/)
    } finally {
      await held.close()
    }
  })
})

// bin/pec-renewal.js on its own, copied beside a dist/ and src/ of the test's: a checkout without
// dist/, and one whose src/ changed after the build.
describe('bin/pec-renewal.js', () => {
  let root: string
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'pec-renewal-bin-'))
    mkdirSync(join(root, 'bin'))
    copyFileSync(CLI, join(root, 'bin', 'pec-renewal.js'))
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  const run = () => {
    const result = spawnSync(process.execPath, [join(root, 'bin', 'pec-renewal.js')], { encoding: 'utf8' })
    return { code: result.status, stdout: result.stdout, stderr: result.stderr }
  }
  const touch = (path: string, at: Date) => utimesSync(path, at, at)

  it('says to build when dist/ is missing', () => {
    expect(run()).toEqual({ code: 1, stdout: '', stderr: 'pec-renewal: the command line is not built (dist/ is missing): run `npm run build` (npm ci runs it too)\n' })
  })

  it('runs dist/, and says so when src/ has changed since it was built', () => {
    mkdirSync(join(root, 'dist'))
    mkdirSync(join(root, 'src', 'cli'), { recursive: true })
    const main = join(root, 'dist', 'main.js')
    const source = join(root, 'src', 'cli', 'main.ts')
    writeFileSync(main, "process.stdout.write('built\\n')\n")
    writeFileSync(source, '')
    const built = new Date('2026-06-01T10:00:00Z')
    touch(main, built)
    touch(source, new Date(built.getTime() - 60_000))
    expect(run()).toEqual({ code: 0, stdout: 'built\n', stderr: '' })
    touch(source, new Date(built.getTime() + 60_000))
    expect(run()).toEqual({ code: 0, stdout: 'built\n', stderr: 'pec-renewal: src/ has changed since dist/ was built: run `npm run build` to run the changes\n' })
  })
})
