import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import type { CalendarDate } from '../core/calendar'
import { DomainError } from '../core/errors'
import { queryRows, type Db } from '../db/client'

// The folder adapter of the transmission port: the files of a period written into a folder, for
// the operator or an intermediary to pick up and send to the SdI. An invoice handed over this way
// is 'sent' (its file's sent_at says when); an invalid one is never written, and listed instead.

export interface ExportResult {
  invoices: number
  creditNotes: number
  /** The files in the folder for the period (written now, or there already with the same content). */
  files: string[]
  /** Invoices of the period whose file the schema refused (or still to make): not exported. */
  invalid: Array<{ id: number; fileName: string | null }>
}

/**
 * Writes the XML files of the invoices and credit notes dated from…to (inclusive) into `dir`. A
 * file already there with the same content is left; one with different content is never
 * overwritten: nothing is written and the export is refused (file_exists_different).
 */
export async function exportInvoices(db: Db, period: { from: CalendarDate; to: CalendarDate; dir: string }, now: Date): Promise<ExportResult> {
  const rows = await queryRows<{ id: number; kind: string; fileName: string | null; xml: string | null; valid: boolean | null; state: string }>(
    db,
    sql`SELECT i.id::int, i.kind, f.file_name AS "fileName", f.xml, f.valid, i.state
          FROM invoices i LEFT JOIN invoice_files f ON f.id = i.file_id
         WHERE i.issued_on BETWEEN ${period.from}::date AND ${period.to}::date ORDER BY i.issued_on, i.year, i.series, i.number`,
  )
  const ready = rows.filter((r) => r.valid && r.state !== 'invalid')
  const invalid = rows.filter((r) => !(r.valid && r.state !== 'invalid')).map((r) => ({ id: r.id, fileName: r.fileName }))
  mkdirSync(period.dir, { recursive: true })
  const toWrite: typeof ready = []
  for (const row of ready) {
    const path = join(period.dir, row.fileName!)
    if (!existsSync(path)) toWrite.push(row)
    else if (readFileSync(path, 'utf8') !== row.xml) throw new DomainError('file_exists_different', path)
  }
  for (const row of toWrite) writeFileSync(join(period.dir, row.fileName!), row.xml!, { flag: 'wx' })
  const ids = ready.map((r) => r.id)
  if (ids.length) {
    await db.execute(sql`WITH handed AS (
        UPDATE invoices SET state = 'sent', updated_at = ${now}::timestamptz WHERE id = ANY(${sql.param(ids)}::bigint[]) AND state = 'issued' RETURNING file_id
      ) UPDATE invoice_files SET sent_at = ${now}::timestamptz WHERE id IN (SELECT file_id FROM handed) AND sent_at IS NULL`)
  }
  return {
    invoices: ready.filter((r) => r.kind === 'invoice').length,
    creditNotes: ready.filter((r) => r.kind === 'credit_note').length,
    files: ready.map((r) => r.fileName!),
    invalid,
  }
}
