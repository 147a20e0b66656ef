import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { migrateDatabase, MIGRATIONS_FOLDER, queryRows, sql, type Database } from './client'

/**
 * The newest migration this build carries, as drizzle records it once applied: the `when` of the
 * last entry of drizzle-kit's journal (drizzle's migrator stores it as `created_at`).
 */
export function newestBundledMigration(folder: string = MIGRATIONS_FOLDER): number {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ when: number }> }
  return Math.max(...journal.entries.map((entry) => entry.when))
}

/** Whether the database already holds every migration this build carries: two small queries. */
export async function isMigrated(database: Database): Promise<boolean> {
  const [table] = await queryRows<{ present: boolean }>(database.db, sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`)
  if (!table.present) return false
  const newest = newestBundledMigration()
  const [applied] = await queryRows<{ current: boolean }>(
    database.db,
    sql`select exists (select 1 from drizzle.__drizzle_migrations where created_at >= ${newest}) as current`,
  )
  return applied.current
}

/**
 * Migrates only a database behind this build, so a command on a migrated one does not pay the
 * migrator (reading and hashing every file, DDL, a transaction). Two processes that both find it
 * behind are safe: migrateDatabase serialises them, and the second finds nothing left to apply.
 */
export async function migrateIfBehind(database: Database): Promise<boolean> {
  if (await isMigrated(database)) return false
  await migrateDatabase(database)
  return true
}
