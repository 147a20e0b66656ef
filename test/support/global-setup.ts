import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { migrateDatabase, openDatabase } from '../../src/db/client'

/** Names carry the test run's process id, so runs side by side never drop each other's databases. */
export const TEST_DATABASE_PREFIX = 'pec_renewal_t'
const DEFAULT_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of a reachable PostgreSQL server holding a migrated template, or '' when none. */
    postgresAdminUrl: string
    /** The migrated template database each test copies. */
    postgresTemplate: string
  }
}

/**
 * Migrates a template database once per run; each test then clones it (CREATE DATABASE … TEMPLATE).
 * With REQUIRE_POSTGRES=1 (CI) an unreachable server fails the run instead of skipping its tests.
 */
export default async function setup(project: TestProject) {
  const adminUrl = process.env.DATABASE_URL_TEST ?? DEFAULT_SERVER
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 })
  try {
    await admin.connect()
  } catch (error) {
    if (process.env.REQUIRE_POSTGRES === '1') throw new Error(`PostgreSQL required but unreachable at ${adminUrl}: ${error}`)
    console.warn(`PostgreSQL not reachable at ${adminUrl}: database tests run on PGlite only`)
    project.provide('postgresAdminUrl', '')
    project.provide('postgresTemplate', '')
    return
  }
  await dropTestDatabases(admin, (pid) => !isAlive(pid)) // left behind by runs that were killed
  const template = `${TEST_DATABASE_PREFIX}_${process.pid}_template`
  await admin.query(`CREATE DATABASE ${template}`)
  const database = await openDatabase(withDatabase(adminUrl, template), { maxConnections: 1 })
  await migrateDatabase(database)
  await database.close()
  project.provide('postgresAdminUrl', adminUrl)
  project.provide('postgresTemplate', template)
  return async () => {
    await dropTestDatabases(admin, (pid) => pid === process.pid)
    await admin.end()
  }
}

async function dropTestDatabases(admin: pg.Client, shouldDrop: (runPid: number) => boolean) {
  const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE '${TEST_DATABASE_PREFIX}\\_%'`)
  for (const { datname } of rows) {
    const runPid = Number(String(datname).split('_')[3])
    if (shouldDrop(runPid)) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`)
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}
