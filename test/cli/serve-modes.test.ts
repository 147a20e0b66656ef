import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/client'
import { PROVIDER_ENV } from '../support/config'
import { freePort } from '../support/free-port'
import { seedConvention, seedMailbox } from '../support/seed'
import { migratedFolder, NO_LANGUAGE, runCli, spawnCli, startCli } from './run-cli'

/** Starts `serve` and waits for /healthz (never for a line of its human, Italian-first text). */
async function serve(env: Record<string, string | undefined>) {
  const port = await freePort()
  const running = startCli(['serve', '--no-jobs'], { ...NO_LANGUAGE, ...env, PORT: String(port) })
  const base = `http://127.0.0.1:${port}`
  for (let attempt = 0; ; attempt++) {
    const up = await fetch(`${base}/healthz`).then((r) => r.ok, () => false)
    if (up) break
    if (running.child.exitCode !== null || attempt > 300) throw new Error(`serve did not start: ${(await running.done).stderr}`)
    await new Promise((r) => setTimeout(r, 50)) // polling a child process, not a test waiting on time
  }
  return {
    base,
    async stop() {
      running.child.kill('SIGTERM')
      return running.done
    },
  }
}

// R10, end to end: README's quick start is the demo; any other start is production.
describe('serve: demo only when chosen', () => {
  let folder: string | undefined
  afterEach(() => folder && rmSync(folder, { recursive: true, force: true }))

  it('README quick start: `demo` then `serve` on the same folder shows the mail, to this machine', { timeout: 240_000 }, async () => {
    folder = mkdtempSync(join(tmpdir(), 'pec-serve-'))
    const env = { DATABASE_URL: join(folder, 'data') }
    const demo = await spawnCli(['demo', '--json'], env) // both commands as processes, as README has them
    expect(demo.code, demo.stderr).toBe(0)
    expect(JSON.parse(demo.stdout).mode).toBe('demo')
    const server = await serve(env)
    try {
      expect((await fetch(`${server.base}/dev/posta`)).status).toBe(200)
    } finally {
      await server.stop()
    }
  })

  it('a fresh folder is production: no mail viewer, no sandbox; misspelt settings and what is not offered are said at start', async () => {
    folder = migratedFolder('pec-serve-') // a new installation's database, never marked as a demo
    const server = await serve({ DATABASE_URL: join(folder, 'data'), STRIPE_KEY: 'sk_live_typo', PEC_LANG: 'en', ...PROVIDER_ENV })
    let output
    try {
      expect((await fetch(`${server.base}/dev/posta`)).status).toBe(404)
      expect((await fetch(`${server.base}/sandbox/pagamento/sbx_0123`)).status).toBe(404)
    } finally {
      output = await server.stop()
    }
    expect(output.stderr).toContain('STRIPE_KEY')
    expect(output.stderr).toContain('STRIPE_SECRET_KEY')
    // stdout is JSON log lines; the start summary is those not about a request
    const summary = output.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line)).filter((entry) => !entry.reqId).map((entry) => entry.msg).join('\n')
    expect(summary).toContain('STRIPE_WEBHOOK_SECRET') // card not offered: which settings it needs
    expect(summary).not.toContain('/dev/posta')
  })

  it('refuses PEC_MODE=demo next to PostgreSQL, and the demo on a database holding real mailboxes', { timeout: 240_000 }, async () => {
    const refused = await runCli(['serve'], { PEC_MODE: 'demo', DATABASE_URL: 'postgres://pec:hunter2@127.0.0.1:5432/pec', SESSION_SECRET: 'x' })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/PEC_MODE=demo/)
    expect(refused.stderr).not.toContain('hunter2')
    const demoOnPostgres = await runCli(['demo'], { DATABASE_URL: 'postgres://pec:hunter2@127.0.0.1:5432/pec', SESSION_SECRET: 'x' })
    expect(demoOnPostgres.code).toBe(1)
    expect(demoOnPostgres.stderr).not.toContain('hunter2')

    folder = migratedFolder('pec-serve-')
    const env = { DATABASE_URL: join(folder, 'data') }
    // a real installation's mailbox, outside the demo's domain
    const database = await openDatabase(env.DATABASE_URL)
    await seedConvention(database.db)
    await seedMailbox(database.db, { expiresOn: '2027-03-31', address: 'anna.reale@pec.example.it' })
    await database.close()
    const demo = await runCli(['demo'], env)
    expect(demo.code).toBe(1)
    expect(demo.stderr).toMatch(/DATABASE_URL=\.\/demo-data/)
  })

  it('production without the provider’s identity refuses to start, saying in Italian which PROVIDER_* to set', async () => {
    folder = migratedFolder('pec-serve-')
    const { PROVIDER_NAME: _name, PROVIDER_HELP_URL: _help, ...rest } = PROVIDER_ENV
    const env = { ...NO_LANGUAGE, DATABASE_URL: join(folder, 'data'), ...rest, PROVIDER_VAT_NUMBER: '12345678901' }
    for (const command of [['serve', '--no-jobs'], ['worker']]) {
      const refused = await runCli(command, env)
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain('identità del fornitore incompleta')
      expect(refused.stderr).toContain('PROVIDER_NAME mancante')
      expect(refused.stderr).toContain('PROVIDER_HELP_URL mancante')
      expect(refused.stderr).toContain('PROVIDER_VAT_NUMBER: partita IVA non valida')
    }
  })
})
