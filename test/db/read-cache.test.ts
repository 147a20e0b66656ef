import type { PGlite } from '@electric-sql/pglite'
import { afterEach, describe, expect, it } from 'vitest'
import { cachedRead, openDatabase, queryRows, sql, type Database } from '../../src/db/client'
import { ReadCache, throughCache, type PgliteStatements } from '../../src/db/read-cache'
import { migratedPglite, postgresOnly, testDatabases, type TestDatabase } from '../support/databases'

describe('ReadCache on the embedded database', () => {
  let client: PGlite
  let cache: ReadCache
  let counted: PgliteStatements // the client as the database module hands it to drizzle
  let reads: number
  afterEach(async () => client?.close())

  async function setup() {
    client = await migratedPglite() // a database of its own; its table `notes` is the test's
    await client.exec(`create table notes (id int primary key, body text); insert into notes values (1, 'one')`)
    cache = new ReadCache(3)
    counted = throughCache(client, cache)
    reads = 0
  }
  const notes = (key = 'notes') =>
    cache.read(key, async () => {
      reads++
      return (await client.query<{ id: number; body: string }>('select id, body from notes order by id')).rows
    })

  it('answers the same read from memory until a statement writes, then reads again', async () => {
    await setup()
    expect(await notes()).toEqual([{ id: 1, body: 'one' }])
    expect(await notes()).toEqual([{ id: 1, body: 'one' }])
    expect(reads).toBe(1)
    await counted.query(`insert into notes values (2, 'two')`)
    expect((await notes()).map((n) => n.body)).toEqual(['one', 'two'])
    await counted.query(`update notes set body = 'uno' where id = 1`)
    expect((await notes())[0].body).toBe('uno')
    await counted.transaction(async (tx) => tx.query(`delete from notes where id = 2`))
    expect(await notes()).toHaveLength(1)
    expect(reads).toBe(4)
  })

  it('never serves a read that overlapped a write, whichever ran first', async () => {
    await setup()
    const before = notes() // queued first: reads the old row
    const writing = counted.query(`update notes set body = 'changed'`)
    expect((await before)[0].body).toBe('one')
    await writing
    expect((await notes())[0].body).toBe('changed')

    const writingAgain = counted.query(`update notes set body = 'again'`)
    const during = notes()
    await Promise.all([writingAgain, during])
    expect((await notes())[0].body).toBe('again')
  })

  it('gives every caller the same frozen rows, and keeps at most its size', async () => {
    await setup()
    const rows = await notes()
    expect(() => rows.push({ id: 9, body: 'x' })).toThrow(TypeError)
    expect(() => (rows[0].body = 'x')).toThrow(TypeError)
    for (const key of ['a', 'b', 'c', 'd']) await notes(key)
    expect(cache.size).toBe(3)
  })
})

describe.each(testDatabases())('%s: cachedRead', (_name, open) => {
  let t: TestDatabase
  afterEach(async () => t?.close())

  const count = (database: Database) =>
    cachedRead(database.db, 'count', async () => (await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from accounts`))[0].n)

  it('sees every write made through the database, and never caches inside a transaction', async () => {
    t = await open()
    const { database } = t
    expect(await count(database)).toBe(0)
    await database.db.execute(sql`insert into accounts (id, first_name, last_name, fiscal_code, reference_email, language, created_at, updated_at)
                                  values ('A1', 'A', 'B', 'RSSMRA85T10A562S', 'a@example.it', 'it', now(), now())`)
    expect(await count(database)).toBe(1)
    await database.db.transaction(async (tx) => {
      const inside = () => cachedRead(tx, 'count', async () => (await queryRows<{ n: number }>(tx, sql`select count(*)::int as n from accounts`))[0].n)
      expect(await inside()).toBe(1)
      await tx.execute(sql`delete from accounts`)
      expect(await inside()).toBe(0)
    })
    expect(await count(database)).toBe(0)
  })

})

describe.each(postgresOnly())('%s: cachedRead with other processes', (_name, open) => {
  let t: TestDatabase
  let other: Database | undefined
  afterEach(async () => {
    await other?.close()
    await t?.close()
  })

  const count = (database: Database) =>
    cachedRead(database.db, 'count', async () => (await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from accounts`))[0].n)

  it('sees a write from another process at once (nothing is cached on PostgreSQL)', async () => {
    t = await open()
    other = await openDatabase(t.url!)
    expect(await count(t.database)).toBe(0)
    await other.db.execute(sql`insert into accounts (id, first_name, last_name, fiscal_code, reference_email, language, created_at, updated_at)
                               values ('A2', 'A', 'B', 'RSSMRA85T10A562S', 'a@example.it', 'it', now(), now())`)
    expect(await count(t.database)).toBe(1)
  })
})
