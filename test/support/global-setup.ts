import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { migrateDatabase, MIGRATIONS_FOLDER, openDatabase } from '../../src/db/client'
import { wrapPglite } from '../../src/db/pglite'

/** Names carry the test run's process id, so runs side by side never drop each other's databases. */
export const TEST_DATABASE_PREFIX = 'pec_renewal_t'
const DEFAULT_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of a reachable PostgreSQL server holding a migrated template, or '' when none. */
    postgresAdminUrl: string
    /** The migrated template database each test copies. */
    postgresTemplate: string
    /** A migrated PGlite data folder, as a tar file: each test file's embedded databases start from it. */
    pgliteTemplate: string
  }
}

/**
 * Migrates a template database once per run and project; each test then clones it (CREATE DATABASE
 * … TEMPLATE). The names carry the project's, so the projects of one run (vitest.config.ts) never
 * drop each other's. With REQUIRE_POSTGRES=1 (CI) an unreachable server fails the run instead of
 * skipping its tests.
 */
export default async function setup(project: TestProject) {
  project.provide('pgliteTemplate', await migratedPgliteTemplate())
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
  const ours = `${TEST_DATABASE_PREFIX}_${process.pid}_${project.name.replace(/\W/g, '')}`
  const template = `${ours}_template`
  await admin.query(`CREATE DATABASE ${template}`)
  const database = await openDatabase(withDatabase(adminUrl, template), { maxConnections: 1 })
  await migrateDatabase(database)
  await database.close()
  project.provide('postgresAdminUrl', adminUrl)
  project.provide('postgresTemplate', template)
  return async () => {
    await dropTestDatabases(admin, (_pid, name) => name.startsWith(`${ours}_`))
    await admin.end()
  }
}

async function dropTestDatabases(admin: pg.Client, shouldDrop: (runPid: number, name: string) => boolean) {
  const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE '${TEST_DATABASE_PREFIX}\\_%'`)
  for (const { datname } of rows) {
    const runPid = Number(String(datname).split('_')[3])
    if (shouldDrop(runPid, datname)) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`)
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

/**
 * A migrated embedded database, dumped once and kept for as long as the migrations and PGlite stay
 * the same (the file is named after them): a test file loads it in half a second, where creating
 * and migrating one costs seconds (initdb) in every test file.
 */
async function migratedPgliteTemplate(): Promise<string> {
  const pgliteEntry = createRequire(import.meta.url).resolve('@electric-sql/pglite') // …/pglite/dist/index.cjs
  const hash = createHash('sha256').update(readFileSync(join(dirname(pgliteEntry), '..', 'package.json'))) // its version
  for (const file of readdirSync(MIGRATIONS_FOLDER, { recursive: true, encoding: 'utf8' }).sort()) {
    if (file.endsWith('.sql') || file.endsWith('.json')) hash.update(file).update(readFileSync(join(MIGRATIONS_FOLDER, file)))
  }
  const path = join(tmpdir(), `pec-renewal-test-pglite-${hash.digest('hex').slice(0, 16)}.tar`)
  if (existsSync(path)) return path
  const pglite = new PGlite({ relaxedDurability: true })
  try {
    await migrateDatabase(wrapPglite(pglite))
    const dump = await pglite.dumpDataDir('none')
    const partial = `${path}.${process.pid}`
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()))
    renameSync(partial, path) // whole or not at all, whichever run writes it first
  } finally {
    await pglite.close()
  }
  return path
}
