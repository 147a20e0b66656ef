import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, inject, it } from 'vitest'

/**
 * Every bench of bench/ run once with tiny sizes, as a process (as one runs them by hand), so a
 * bench that no longer runs fails the suite rather than the next person who measures. Each must
 * exit 0 and print its figures. They run side by side: each makes its own database.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const server = inject('postgresAdminUrl') // '' when no PostgreSQL: the benches that can, run on PGlite

function bench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // the default locale, whatever the machine's: no bench may depend on the command line's language
    const env: NodeJS.ProcessEnv = { ...process.env }
    for (const name of ['PEC_LANG', 'LC_ALL', 'LC_MESSAGES', 'LANG']) delete env[name]
    const child = spawn(process.execPath, args, { cwd: ROOT, env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** A bench's figures: the JSON document it prints. */
async function figures(args: string[]): Promise<Record<string, any>> {
  const run = await bench(['--import', 'tsx', ...args])
  expect(run.code, run.stderr || run.stdout).toBe(0)
  return JSON.parse(run.stdout)
}

describe.concurrent('benches run (tiny sizes)', { timeout: 180_000 }, () => {
  it('bench/portal: the pages measured, every answer a 2xx', async () => {
    const result = await figures(['bench/portal.ts', '--smoke', '--db', server || 'pglite'])
    for (const page of Object.values<Record<string, number>>(result.pages)) {
      expect(page.reqPerSec).toBeGreaterThan(0)
      expect(page).toMatchObject({ non2xx: 0, errors: 0 })
    }
  })

  it('bench/portal --cold: every holder loads its list and its summary once, every answer a 200', async () => {
    // PGlite: the warm run above may hold the PostgreSQL bench database
    const result = await figures(['bench/portal.ts', '--smoke', '--cold', '--db', 'pglite'])
    expect(result).toMatchObject({ mode: 'cold', holders: 200, requests: 400, non2xx: 0, errors: 0 })
    expect(result.reqPerSec).toBeGreaterThan(0)
  })

  it('bench/outbox: the dispatcher and the raw floor each deliver every mail', async () => {
    const result = await figures(['bench/outbox.ts', '--smoke', '--db', server || 'pglite'])
    expect(result.mails).toBe(200)
    expect(result.throughputRatio).toBeGreaterThan(0)
  })

  it('bench/cli-start: the command\'s start against the embedded database\'s own', async () => {
    const result = await figures(['bench/cli-start.ts', '--smoke', '--db', server || 'pglite'])
    for (const name of ['help', 'mailboxShowPglite', 'pgliteFloor', ...(server ? ['mailboxShowPostgres'] : [])]) expect(result[name].medianMs).toBeGreaterThan(0)
  })

  it('bench/lifecycle: the run against its floor', async () => {
    const result = await figures(['bench/lifecycle.ts', '--n', '2000', '--repeat', '1', '--db', server || 'pglite'])
    expect(result.mailboxes).toBe(2000)
    expect(result.touched.reminders).toBeGreaterThan(0)
    expect(result.ratio).toBeGreaterThan(0)
  })

  it('bench/search: every kind of text the search box takes, timed and explained', async () => {
    const result = await figures(['bench/search.ts', '--n', '2000', '--repeat', '3', '--db', server || 'pglite'])
    expect(result.mailboxes).toBe(2000)
    expect(result.kinds.order).toMatchObject({ takenFor: 'order', rowsMedian: 1 })
    expect(result.kinds.fiscalCode).toMatchObject({ takenFor: 'fiscal_code', rowsMedian: 1 })
    expect(result.kinds.paymentReference).toMatchObject({ takenFor: 'payment_reference', rowsMedian: 1 })
    expect(result.kinds.iban).toMatchObject({ takenFor: 'iban', rowsMedian: 3 })
    expect(result.kinds.name.takenFor).toBe('name')
    for (const kind of Object.values<Record<string, any>>(result.kinds)) expect(kind.plan.length).toBeGreaterThan(0)
  })

  it('bench/import-mailboxes: three imports of the same export', async () => {
    const run = await bench(['--import', 'tsx', 'bench/import-mailboxes.ts', '200', '--url', server || 'memory://'])
    expect(run.code, run.stderr || run.stdout).toBe(0)
    expect(run.stdout).toContain('audit rows: 220 (expected 220)')
  })

  it.skipIf(!server)('bench/statements, compiled as its memory is measured: the import against its floors', async () => {
    const run = await bench(['bench/compiled.mjs', 'bench/statements.ts', '--n', '300', '--db', server])
    expect(run.code, run.stderr || run.stdout).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result.entries).toBe(300)
    expect(result.import.progress.lastSettled).toBeGreaterThan(0)
    expect(result.importToWriteFloor).toBeGreaterThan(0)
  })
})
