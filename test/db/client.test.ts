import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, queryRows, sql } from '../../src/db/client'
import { migratedFolder, testDatabases, type TestDatabase } from '../support/databases'

describe.each(testDatabases())('%s: migrated schema', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('has every table, empty, and keeps dates as YYYY-MM-DD strings', async () => {
    t = await open()
    const tables = await queryRows<{ table_name: string }>(
      t.database.db,
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    )
    expect(tables.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['accounts', 'audit_log', 'mailboxes', 'notices', 'orders', 'outbox', 'payments']),
    )
    const [row] = await queryRows<{ d: unknown }>(t.database.db, sql`select date '2028-02-29' as d`)
    expect(row.d).toBe('2028-02-29')
  })
})

describe('the embedded database folder', () => {
  it('is opened by one holder at a time, in this process too (the command line runs in-process in tests)', async () => {
    const folder = migratedFolder('pec-renewal-lock-')
    try {
      const first = await openDatabase(join(folder, 'data'))
      await expect(openDatabase(join(folder, 'data'))).rejects.toThrow(`in use by process ${process.pid}`)
      await first.close()
      const again = await openDatabase(join(folder, 'data'))
      await again.close()
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  })
})
