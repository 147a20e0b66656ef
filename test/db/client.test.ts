import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { inTurn, openDatabase, queryRows, sql } from '../../src/db/client'
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

describe('inTurn', () => {
  it('sends each statement once the one before has answered, in order, whether it succeeded or failed', async () => {
    const executor = {} as Parameters<typeof inTurn>[0]
    const log: string[] = []
    const answers: Array<() => void> = []
    const statement = (name: string, fails = false) => () => {
      log.push(`send ${name}`)
      return new Promise<string>((resolve, reject) => answers.push(() => (log.push(`answer ${name}`), fails ? reject(new Error(name)) : resolve(name))))
    }
    const first = inTurn(executor, statement('claim 1', true))
    const second = inTurn(executor, statement('claim 2'))
    const third = inTurn(executor, statement('write 1'))
    await Promise.resolve()
    expect(log).toEqual(['send claim 1']) // nothing more while it is out
    while (answers.length) {
      answers.shift()!()
      await new Promise((resolve) => setImmediate(resolve))
    }
    await expect(first).rejects.toThrow('claim 1')
    expect(await second).toBe('claim 2')
    expect(await third).toBe('write 1')
    expect(log).toEqual(['send claim 1', 'answer claim 1', 'send claim 2', 'answer claim 2', 'send write 1', 'answer write 1'])
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
