import { sql, type SQL } from 'drizzle-orm'
import { queryRows, type Executor, type Tx } from '../../db/client'
import type { ImportFormat } from './schema'
import type { EntryResult, StagedEntry } from './staged-entry'

// Every statement on the imports' tables: store a file's entries first, then record each settled batch.

export interface ImportRow {
  id: number
  digest: string
  format: ImportFormat
  fileName: string
  actor: string
  entries: number
  settled: number
  registered: number
  held: number
  duplicates: number
  ignored: number
  stagedAt: Date
  settledAt: Date | null
}

const IMPORT_COLUMNS = sql`id, digest, format, file_name AS "fileName", actor, entries, settled, registered, held, duplicates, ignored,
  staged_at AS "stagedAt", settled_at AS "settledAt"`

export async function findImport(db: Executor, id: number): Promise<ImportRow | undefined> {
  const [row] = await queryRows<ImportRow>(db, sql`SELECT ${IMPORT_COLUMNS} FROM statement_imports WHERE id = ${id}`)
  return row && withDates(row)
}

export async function findImportByDigest(db: Executor, digest: string): Promise<ImportRow | undefined> {
  const [row] = await queryRows<ImportRow>(db, sql`SELECT ${IMPORT_COLUMNS} FROM statement_imports WHERE digest = ${digest}`)
  return row && withDates(row)
}

/**
 * Starts storing a file, in the caller's transaction: its id, or undefined when a file with this
 * digest is stored already (another transaction storing it now is waited for, then found).
 */
export async function insertImport(
  tx: Tx,
  file: { digest: string; format: ImportFormat; fileName: string; actor: string; stagedAt: Date },
): Promise<number | undefined> {
  const [row] = await queryRows<{ id: number }>(
    tx,
    sql`INSERT INTO statement_imports (digest, format, file_name, actor, entries, staged_at)
        VALUES (${file.digest}, ${file.format}, ${file.fileName}, ${file.actor}, 0, ${file.stagedAt}::timestamptz)
        ON CONFLICT (digest) DO NOTHING RETURNING id`,
  )
  return row?.id
}

/** Stores entries of a file from `position`, in one multi-row statement. */
export async function insertEntries(tx: Tx, importId: number, position: number, entries: readonly StagedEntry[]): Promise<void> {
  const rows = entries.map((e) => [e.kind, e.entryRef, e.amountCents, e.method ?? null, e.reference ?? null, e.orderRef ?? null, e.orderId ?? null, e.note ?? null, e.facts ?? null])
  await tx.execute(
    sql`INSERT INTO statement_entries (import_id, position, kind, entry_ref, amount_cents, method, reference, order_ref, order_id, note, facts)
        SELECT ${importId}::bigint, ${position}::int + v.n::int - 1, v.e ->> 0, v.e ->> 1, (v.e ->> 2)::bigint, v.e ->> 3, v.e ->> 4,
               v.e ->> 5, v.e ->> 6, v.e ->> 7, nullif(v.e -> 8, 'null'::jsonb)
          FROM jsonb_array_elements(${JSON.stringify(rows)}::jsonb) WITH ORDINALITY AS v(e, n)`,
  )
}

/** The file is stored whole, `entries` of them (a file with none is settled at once). */
export async function finishStaging(tx: Tx, importId: number, entries: number, now: Date): Promise<void> {
  await tx.execute(sql`UPDATE statement_imports SET entries = ${entries}, settled_at = CASE WHEN ${entries}::int = 0 THEN ${now}::timestamptz END
                        WHERE id = ${importId}`)
}

/** An entry to settle; `facts` only for a reversal (a payment's are copied into payments.raw by the database). */
export interface EntryToSettle {
  position: number
  kind: StagedEntry['kind']
  amountCents: number
  method: StagedEntry['method'] | null
  reference: string | null
  orderRef: string | null
  orderId: string | null
  note: string | null
  facts: unknown
}

/** An entry as lockNextEntries reads it: position, kind, amount_cents, method, reference, order_ref, order_id, note, facts. */
type EntryTuple = [number, EntryToSettle['kind'], number, EntryToSettle['method'], string | null, string | null, string | null, string | null, unknown]

/**
 * Locks the import until the transaction ends, so its batches settle one at a time whoever runs
 * them, and reads its next `limit` entries not settled yet, in file order. The import's row comes
 * once, its entries as one JSON array of arrays: the driver would otherwise parse a row object per
 * entry, field by field (with the import's columns and dates repeated on each), which cost the
 * settlement as much node CPU as parsing the statement's XML.
 */
export async function lockNextEntries(tx: Tx, importId: number, limit: number): Promise<{ row: ImportRow; entries: EntryToSettle[] }> {
  const [first] = await queryRows<ImportRow & { next: EntryTuple[] | string | null }>(
    tx,
    sql`WITH locked AS (SELECT ${IMPORT_COLUMNS} FROM statement_imports WHERE id = ${importId} FOR UPDATE)
        SELECT l.*, (
          SELECT json_agg(json_build_array(position, kind, amount_cents, method, reference, order_ref, order_id, note,
                                           CASE WHEN kind = 'reversal' THEN facts END) ORDER BY position)
            FROM statement_entries
           WHERE import_id = l.id AND position >= l.settled AND position < l.settled + ${limit}) AS next
          FROM locked l`,
  )
  const { next, ...row } = first
  const tuples: EntryTuple[] = typeof next === 'string' ? JSON.parse(next) : (next ?? [])
  const entries = tuples.map(([position, kind, amountCents, method, reference, orderRef, orderId, note, facts]) => ({
    position,
    kind,
    amountCents,
    method,
    reference,
    orderRef,
    orderId,
    note,
    facts,
  }))
  return { row: withDates(row), entries }
}

/** Records a settled batch, in its transaction: its entries' results, and the import's progress and totals (settled when all are). */
export function recordBatchSql(row: ImportRow, results: readonly EntryResult[], now: Date): SQL[] {
  const count = (outcome: string) => results.filter((r) => r[0] === outcome).length
  const settled = row.settled + results.length
  return [
    sql`INSERT INTO statement_batches (import_id, first_position, count, results, settled_at)
        VALUES (${row.id}, ${row.settled}, ${results.length}, ${JSON.stringify(results)}::jsonb, ${now}::timestamptz)`,
    sql`UPDATE statement_imports SET settled = ${settled}, registered = registered + ${count('registered')}, held = held + ${count('held')},
           duplicates = duplicates + ${count('duplicate')}, ignored = ignored + ${count('ignored')},
           settled_at = ${settled >= row.entries ? now : null}::timestamptz
     WHERE id = ${row.id}`,
  ]
}

/** An entry as the operator sees it; `facts` as stored (a slip's report fields are there). */
export interface ReportedEntry {
  kind: StagedEntry['kind']
  entryRef: string
  amountCents: number
  facts: unknown
}

/** The import's entries in file order, and each settled batch's results (from `first`, in order). */
export async function readEntriesWithResults(
  db: Executor,
  importId: number,
  withFacts: boolean,
): Promise<{ entries: ReportedEntry[]; batches: Array<{ first: number; results: EntryResult[] }> }> {
  // one JSON array of arrays, as lockNextEntries reads a batch: not a row object per entry
  const [{ entries: all }] = await queryRows<{ entries: Array<[ReportedEntry['kind'], string, number, unknown]> | string | null }>(
    db,
    sql`SELECT json_agg(json_build_array(kind, entry_ref, amount_cents, ${withFacts ? sql`facts` : sql`NULL::jsonb`}) ORDER BY position) AS entries
          FROM statement_entries WHERE import_id = ${importId}`,
  )
  const tuples = typeof all === 'string' ? (JSON.parse(all) as Exclude<typeof all, string | null>) : (all ?? [])
  const entries = tuples.map(([kind, entryRef, amountCents, facts]): ReportedEntry => ({ kind, entryRef, amountCents, facts }))
  const batches = await queryRows<{ first: number; results: EntryResult[] }>(
    db,
    sql`SELECT first_position AS first, results FROM statement_batches WHERE import_id = ${importId} ORDER BY first_position`,
  )
  return { entries, batches }
}

/** The imports some entries of which are still to settle, oldest first. */
export async function unsettledImports(db: Executor): Promise<number[]> {
  const rows = await queryRows<{ id: number }>(db, sql`SELECT id FROM statement_imports WHERE settled_at IS NULL ORDER BY id`)
  return rows.map((r) => r.id)
}

// PGlite answers timestamps as Dates, node-postgres too; either may give a string through raw SQL
function withDates(row: ImportRow): ImportRow {
  return { ...row, stagedAt: new Date(row.stagedAt), settledAt: row.settledAt ? new Date(row.settledAt) : null }
}
