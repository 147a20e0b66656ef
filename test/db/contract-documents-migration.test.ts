import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { queryRows, sql } from '../../src/db/client'
import { testDatabases, type TestDatabase } from '../support/databases'

const MIGRATION = join(import.meta.dirname, '../../src/db/migrations/0021_contract_documents_per_convention.sql')

/** The migration's data step: the statement after its last breakpoint (the tables exist by then). */
function dataStep(): string {
  const statements = readFileSync(MIGRATION, 'utf8').split('--> statement-breakpoint')
  const last = statements[statements.length - 1]
  expect(last).toMatch(/INSERT INTO "convention_contract_documents"/)
  return last
}

// Documents stored before documents had a convention stay in force for every convention stored then.
describe.each(testDatabases())('%s: contract documents from before conventions had their own', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('every convention stored accepts every document stored, once', async () => {
    t = await open()
    const db = t.database.db
    await db.execute(sql`DELETE FROM convention_contract_documents`)
    await db.execute(sql`INSERT INTO conventions (code, name) VALUES ('OLDA', 'Prima'), ('OLDB', 'Seconda') ON CONFLICT DO NOTHING`)
    await db.execute(sql`INSERT INTO contract_documents (code, title_it, title_en) VALUES ('old-terms', 'Condizioni', 'Terms'), ('old-privacy', 'Informativa', 'Notice') ON CONFLICT DO NOTHING`)
    await db.execute(sql.raw(dataStep()))

    const [{ conventions, documents }] = await queryRows<{ conventions: number; documents: number }>(
      db,
      sql`SELECT (SELECT count(*)::int FROM conventions) AS conventions, (SELECT count(*)::int FROM contract_documents) AS documents`,
    )
    const links = await queryRows<{ conventionCode: string; documentCode: string }>(
      db,
      sql`SELECT convention_code AS "conventionCode", document_code AS "documentCode" FROM convention_contract_documents`,
    )
    expect(links).toHaveLength(conventions * documents)
    expect(new Set(links.map((l) => `${l.conventionCode}/${l.documentCode}`)).size).toBe(links.length)
    expect(links).toEqual(expect.arrayContaining([
      { conventionCode: 'OLDA', documentCode: 'old-terms' },
      { conventionCode: 'OLDB', documentCode: 'old-privacy' },
    ]))
  })
})
