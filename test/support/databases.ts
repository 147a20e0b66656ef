import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { inject } from 'vitest'
import { migrateDatabase, openDatabase, wrapPglite, type Database } from '../../src/db/client'
import { withDatabase } from './global-setup'

export interface TestDatabase {
  readonly name: 'pglite' | 'postgres'
  readonly database: Database
  /** A connection string another process can use (PostgreSQL only). */
  readonly url?: string
  close(): Promise<void>
}

export type OpenTestDatabase = () => Promise<TestDatabase>

let migratedPglite: Promise<PGlite> | undefined

/** PGlite: migrate once per test file, then clone the migrated instance for each test. */
async function openPglite(): Promise<TestDatabase> {
  migratedPglite ??= (async () => {
    const base = new PGlite({ relaxedDurability: true })
    await migrateDatabase(wrapPglite(base))
    return base
  })()
  const clone = (await (await migratedPglite).clone()) as PGlite
  const database = wrapPglite(clone)
  return { name: 'pglite', database, close: () => database.close() }
}

let counter = 0

/** PostgreSQL: a fresh database per test, copied from the template that global setup migrated. */
async function openPostgres(adminUrl: string): Promise<TestDatabase> {
  const template = inject('postgresTemplate')
  const name = `${template.replace(/_template$/, '')}_${process.pid}_${++counter}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`)
  } finally {
    await admin.end()
  }
  const url = withDatabase(adminUrl, name)
  const database = await openDatabase(url, { maxConnections: 8 })
  return {
    name: 'postgres',
    database,
    url,
    close: async () => {
      await database.close()
      const dropper = new pg.Client({ connectionString: adminUrl })
      await dropper.connect()
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await dropper.end()
    },
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
