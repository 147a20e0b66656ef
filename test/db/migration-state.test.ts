import { afterEach, describe, expect, it } from 'vitest'
import { queryRows, sql, type Database } from '../../src/db/client'
import { isMigrated, migrateIfBehind, newestBundledMigration } from '../../src/db/migration-state'
import { testDatabases, type TestDatabase } from '../support/databases'

const appliedCount = async (database: Database) =>
  (await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`))[0].n

// Commands check that the database is migrated (two small queries) and run the migrator only when it is behind.
describe.each(testDatabases())('%s: migrate only when behind', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('a migrated database is left alone; one missing the newest migration is behind', async () => {
    t = await open()
    const before = await appliedCount(t.database)
    expect(await isMigrated(t.database)).toBe(true)
    expect(await migrateIfBehind(t.database)).toBe(false)
    expect(await appliedCount(t.database)).toBe(before)

    const [newest] = await queryRows<{ hash: string }>(
      t.database.db,
      sql`delete from drizzle.__drizzle_migrations where created_at = ${newestBundledMigration()} returning hash`,
    )
    expect(await isMigrated(t.database)).toBe(false)
    // put back: the emptied database serves the next test
    await t.database.db.execute(sql`insert into drizzle.__drizzle_migrations (hash, created_at) values (${newest.hash}, ${newestBundledMigration()})`)
    expect(await isMigrated(t.database)).toBe(true)
  })

  it('an empty database is behind, is migrated once, then is current', async () => {
    t = await open()
    // what a new installation has: no schema of ours, no record of migrations
    await t.database.db.execute(sql`DROP SCHEMA drizzle CASCADE`)
    await t.database.db.execute(sql`DROP SCHEMA public CASCADE`)
    await t.database.db.execute(sql`CREATE SCHEMA public`)
    expect(await isMigrated(t.database)).toBe(false)
    expect(await migrateIfBehind(t.database)).toBe(true)
    expect(await isMigrated(t.database)).toBe(true)
    expect(await migrateIfBehind(t.database)).toBe(false)
    const [{ n }] = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from information_schema.tables where table_name = 'mailboxes'`)
    expect(n).toBe(1)
  })
})
