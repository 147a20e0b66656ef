import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { inject } from 'vitest'
import { openDatabase, sql, type Database } from '../../src/db/client'
import { wrapPglite } from '../../src/db/pglite'
import { withDatabase } from './global-setup'

export interface TestDatabase {
  readonly name: 'pglite' | 'postgres'
  readonly database: Database
  /** A connection string another process can use (PostgreSQL only). */
  readonly url?: string
  close(): Promise<void>
}

export type OpenTestDatabase = () => Promise<TestDatabase>

let migratedDataFolder: Promise<Blob> | undefined
/** Instances a finished test gave back, emptied: loading one costs half a second, emptying it milliseconds. */
const idlePglites: Database[] = []

/**
 * PGlite: load the migrated data folder global setup dumped when no emptied instance is free, and
 * empty it again when the test closes it (every table truncated, identities restarted, the session
 * reset), so the next test starts from the migrated schema with no rows, as a fresh one would.
 */
async function openPglite(): Promise<TestDatabase> {
  const pooled = idlePglites.pop() ?? wrapPglite(await migratedPglite())
  let released = false
  const close = async () => {
    if (released) return
    released = true
    try {
      await emptyPglite(pooled)
      idlePglites.push(pooled)
    } catch {
      await pooled.close() // left in a state it cannot be emptied from: not reused
    }
  }
  return { name: 'pglite', database: { ...pooled, close }, close }
}

/** An embedded database of the caller's own, in memory, migrated: loaded from global setup's dump (initdb would cost seconds). */
export async function migratedPglite(): Promise<PGlite> {
  migratedDataFolder ??= readFile(inject('pgliteTemplate')).then((tar) => new Blob([tar]))
  return PGlite.create({ relaxedDurability: true, loadDataDir: await migratedDataFolder })
}

/**
 * A temporary folder whose `data` holds an embedded database already migrated (the same dump,
 * unpacked), for what opens a folder (the command line, the folder lock): its first open skips
 * initdb. The first open of an empty folder is tested by serve-modes.test.ts, as README's quick start.
 */
export function migratedFolder(prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), prefix))
  mkdirSync(join(folder, 'data'))
  execFileSync('tar', ['-xf', inject('pgliteTemplate'), '-C', join(folder, 'data')], { stdio: 'ignore' })
  return folder
}

/** Through the database's own client, so its ReadCache sees the change (db/read-cache.ts). */
async function emptyPglite(database: Database): Promise<void> {
  await database.db.execute(sql.raw(EMPTY_EVERY_TABLE))
  await database.db.execute(sql`SELECT pg_advisory_unlock_all()`)
  await database.db.execute(sql`DISCARD ALL`) // alone: it cannot run in a transaction
}

/** Every row of the schema's tables gone and their identities restarted: the migrated schema as it was. */
const EMPTY_EVERY_TABLE = `
  DO $$ BEGIN
    EXECUTE (SELECT 'TRUNCATE ' || string_agg(format('%I.%I', schemaname, tablename), ', ') || ' RESTART IDENTITY CASCADE'
               FROM pg_tables WHERE schemaname = 'public');
  END $$`

let counter = 0
/** Databases finished tests gave back, emptied: copying the template costs the server a third of a second, emptying one a tenth. */
const idlePostgres: string[] = []

/**
 * PostgreSQL: a database of the test's own, copied from the template that global setup migrated
 * when no emptied one is free. When the test closes it, every connection to it is ended (the
 * test's, and any a command left), then it is emptied as PGlite's are, for the next test.
 */
async function openPostgres(adminUrl: string): Promise<TestDatabase> {
  const url = idlePostgres.pop() ?? (await copyTemplate(adminUrl))
  const database = await openDatabase(url, { maxConnections: 8 })
  let released = false
  return {
    name: 'postgres',
    database,
    url,
    close: async () => {
      if (released) return
      released = true
      await database.close()
      try {
        await withClient(url, async (client) => {
          await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')
          await client.query(EMPTY_EVERY_TABLE)
        })
        idlePostgres.push(url)
      } catch {
        // left in a state it cannot be emptied from: not reused (global teardown drops it)
      }
    },
  }
}

async function copyTemplate(adminUrl: string): Promise<string> {
  const template = inject('postgresTemplate')
  const name = `${template.replace(/_template$/, '')}_${process.pid}_${++counter}`
  await withClient(adminUrl, async (admin) => {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`)
    // A test's commits need not wait for the disk: a crash only loses a test database.
    await admin.query(`ALTER DATABASE ${name} SET synchronous_commit = off`)
  })
  return withDatabase(adminUrl, name)
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/** The databases every database test runs on: PGlite always, PostgreSQL when reachable. */
export function testDatabases(): Array<[TestDatabase['name'], OpenTestDatabase]> {
  const adminUrl = inject('postgresAdminUrl')
  const list: Array<[TestDatabase['name'], OpenTestDatabase]> = [['pglite', openPglite]]
  if (adminUrl) list.push(['postgres', () => openPostgres(adminUrl)])
  return list
}

/** For tests that only make sense on a server (concurrency across connections, killed processes). */
export function postgresOnly(): Array<['postgres', OpenTestDatabase]> {
  const adminUrl = inject('postgresAdminUrl')
  return adminUrl ? [['postgres', () => openPostgres(adminUrl)]] : []
}
