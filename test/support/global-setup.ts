import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { migrateDatabase, openDatabase } from '../../src/db/client'

export const TEMPLATE_DATABASE = 'pec_renewal_test_template'
const DEFAULT_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of a reachable PostgreSQL server holding a migrated template, or '' when none. */
    postgresAdminUrl: string
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
    return
  }
  await dropTestDatabases(admin)
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`)
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`)
  const template = await openDatabase(withDatabase(adminUrl, TEMPLATE_DATABASE), { maxConnections: 1 })
  await migrateDatabase(template)
  await template.close()
  project.provide('postgresAdminUrl', adminUrl)
  return async () => {
    await dropTestDatabases(admin)
    await admin.end()
  }
}

async function dropTestDatabases(admin: pg.Client) {
  const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'pec_renewal_t_%'`)
  for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`)
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}
