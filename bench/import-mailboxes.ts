/**
 * Benchmark of `import mailboxes`: generates N rows of the mail platform's export, imports them
 * into a fresh database, then imports the same file again (every row unchanged) and once more
 * with 10 % of the expiries moved (updates with their audit rows). Prints time and peak RSS.
 *
 *   npx tsx bench/import-mailboxes.ts [N=100000] [--url postgres://postgres@127.0.0.1:5432/postgres | memory://] [--keep]
 * --keep leaves the PostgreSQL database pec_renewal_bench_import behind, to explain its queries.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import pg from 'pg'
import { importMailboxes, type ImportOptions } from '../src/accounts/import-mailboxes'
import { FNOMCEO_DEMO, saveConvention } from '../src/catalog/queries'
import { ManualClock } from '../src/core/clock'
import { isPostgresUrl, migrateDatabase, openDatabase, queryRows, sql, type Database } from '../src/db/client'

const args = process.argv.slice(2)
const rows = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000)
const urlIndex = args.indexOf('--url')
const serverUrl = urlIndex >= 0 ? args[urlIndex + 1] : 'postgres://postgres@127.0.0.1:5432/postgres'
const BENCH_DATABASE = 'pec_renewal_bench_import'

const HEADER =
  'address,account_id,holder_first_name,holder_last_name,fiscal_code,reference_email,convention,activated_on,expires_on,status,register,language,account_password_hash,mailbox_password_hash'
const SHA512_CRYPT =
  '{SHA512-CRYPT}$6$somesalt$/6/DOZ6XPt8TWos3ywDgUa/X8vByGWTZbxM1kg0wDOnc1co.8iO54MmmQYM15M1SFjcHgitRT279chPGc8rts0'

// The codice fiscale check character (odd positions weigh by a table, even ones by their value).
const ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
function withCheck(first15: string): string {
  let sum = 0
  for (let i = 0; i < 15; i++) {
    const c = first15[i]
    const value = c <= '9' ? Number(c) : LETTERS.indexOf(c)
    sum += i % 2 === 0 ? ODD[value] : value
  }
  return first15 + LETTERS[sum % 26]
}

function fiscalCode(n: number): string {
  const year = String(40 + (n % 60)).padStart(2, '0')
  const day = String(1 + (n % 28)).padStart(2, '0')
  const town = `H${String(n % 1000).padStart(3, '0')}`
  return withCheck(`RSSMRA${year}A${day}${town}`)
}

function dateIn2026(n: number, shiftYears = 0): string {
  const day = new Date(Date.UTC(2026 + shiftYears, 0, 1 + (n % 365)))
  return day.toISOString().slice(0, 10)
}

/** One or two mailboxes per account (every fifth account has two). */
async function writeExport(path: string, count: number, moveEvery = 0): Promise<void> {
  const out = createWriteStream(path)
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain')
  }
  await write(`${HEADER}\n`)
  let account = 0
  for (let i = 0; i < count; account++) {
    const mailboxes = account % 5 === 0 ? 2 : 1
    for (let k = 0; k < mailboxes && i < count; k++, i++) {
      const expires = dateIn2026(i, moveEvery && i % moveEvery === 0 ? 1 : 0)
      await write(
        [
          `medico${i}@pec.omceo.example.it`,
          `A${String(account).padStart(8, '0')}`,
          'Maria',
          `Rossi ${account}`,
          fiscalCode(account),
          `holder${account}@example.it`,
          'FNOMCEO',
          '2020-01-01',
          expires,
          'active',
          i % 10 === 0 ? 'ini_pec' : 'none',
          'it',
          '',
          SHA512_CRYPT,
        ].join(',') + '\n',
      )
    }
  }
  out.end()
  await once(out, 'finish')
}

async function freshDatabase(): Promise<Database> {
  if (!isPostgresUrl(serverUrl)) return openDatabase(serverUrl)
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`)
  await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`)
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${BENCH_DATABASE}`
  return openDatabase(url.toString())
}

let peakRss = 0
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50)
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`

async function timed<T>(label: string, work: (onProgress: ImportOptions['onProgress']) => Promise<T>): Promise<T> {
  peakRss = process.memoryUsage().rss
  const started = performance.now()
  const result = await work(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)))
  const seconds = (performance.now() - started) / 1000
  const { invalid, ...counts } = result as { invalid?: unknown[] }
  console.log(
    `${label.padEnd(34)} ${seconds.toFixed(2).padStart(7)} s  ${Math.round(rows / seconds).toLocaleString('en').padStart(9)} rows/s  peak RSS ${mb(peakRss)}  ${JSON.stringify({ ...counts, invalid: invalid?.length })}`,
  )
  return result
}

const folder = mkdtempSync(join(tmpdir(), 'pec-bench-import-'))
const file = join(folder, 'mailboxes.csv')
const moved = join(folder, 'mailboxes-moved.csv')
const database = await freshDatabase()
try {
  await migrateDatabase(database)
  await saveConvention(database.db, FNOMCEO_DEMO)
  await writeExport(file, rows)
  await writeExport(moved, rows, 10)
  console.log(`import mailboxes: ${rows.toLocaleString('en')} rows on ${database.kind} (${serverUrl.replace(/\/\/[^@]*@/, '//')})`)
  const deps = { db: database.db, clock: new ManualClock('2026-05-01T10:00:00Z'), config: { publicUrl: 'http://localhost', businessTimeZone: 'Europe/Rome' } }
  const options = { actor: 'operator:bench' }
  console.log(`RSS before importing: ${mb(process.memoryUsage().rss)}`)
  await timed('first import (all new)', (onProgress) => importMailboxes(deps, file, { ...options, onProgress }))
  await timed('same file again (all unchanged)', (onProgress) => importMailboxes(deps, file, { ...options, onProgress }))
  await timed('dry run, 10 % expiries moved', (onProgress) =>
    importMailboxes(deps, moved, { ...options, dryRun: true, onProgress }),
  )
  await timed('10 % expiries moved', (onProgress) => importMailboxes(deps, moved, { ...options, onProgress }))
  const [audit] = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM audit_log`)
  console.log(`audit rows: ${audit.n.toLocaleString('en')} (expected ${(rows + Math.ceil(rows / 10)).toLocaleString('en')})`)
  console.log(`process peak RSS (maxRSS): ${mb(process.resourceUsage().maxRSS * 1024)}`)
} finally {
  clearInterval(sampler)
  await database.close()
  rmSync(folder, { recursive: true, force: true })
  if (isPostgresUrl(serverUrl) && !args.includes('--keep')) {
    const admin = new pg.Client({ connectionString: serverUrl })
    await admin.connect()
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`)
    await admin.end()
  }
}
