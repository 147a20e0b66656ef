import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { zipSync } from 'fflate'
import type { CalendarDate } from '../core/calendar'
import { DomainError } from '../core/errors'
import { queryRows, type Db } from '../db/client'

// The folder adapter of the transmission port: the files of a period written into a folder, one
// by one or as one ZIP, for the operator or an intermediary to pick up and send to the SdI. An
// invoice handed over this way is 'sent' (its file's sent_at says when); an invalid one is never
// written, and listed instead.

export interface ExportResult {
  invoices: number
  creditNotes: number
  /** The files of the period (written now, or there already with the same content; inside the ZIP with --zip). */
  files: string[]
  /** Invoices of the period whose file the schema refused, the SdI rejected, or is still to make: not exported. */
  invalid: Array<{ id: number; fileName: string | null }>
  /** With zip: the archive's name in the folder. */
  zip?: string
}

interface PeriodFile {
  id: number
  kind: string
  fileName: string
  xml: string
  issuedOn: string
}

export interface PeriodFiles {
  /** The valid files standing for the period's invoices and credit notes now, in number order. */
  ready: PeriodFile[]
  invalid: ExportResult['invalid']
}

export interface Period {
  from: CalendarDate
  to: CalendarDate
}

/**
 * The files of the invoices and credit notes dated from…to (inclusive): each one's current file
 * when the schema accepted it and the SdI has not rejected it; the others are listed as invalid
 * (to correct in the back office's queue, or still to make).
 */
export async function periodFiles(db: Db, period: Period): Promise<PeriodFiles> {
  const rows = await queryRows<{ id: number; kind: string; fileName: string | null; xml: string | null; valid: boolean | null; state: string; issuedOn: string }>(
    db,
    sql`SELECT i.id::int, i.kind, f.file_name AS "fileName", f.xml, f.valid, i.state, i.issued_on::text AS "issuedOn"
          FROM invoices i LEFT JOIN invoice_files f ON f.id = i.file_id
         WHERE i.issued_on BETWEEN ${period.from}::date AND ${period.to}::date ORDER BY i.issued_on, i.year, i.series, i.number`,
  )
  const isReady = (r: (typeof rows)[number]) => r.valid === true && r.state !== 'invalid' && r.state !== 'rejected'
  return {
    ready: rows.filter(isReady).map((r) => ({ id: r.id, kind: r.kind, fileName: r.fileName!, xml: r.xml!, issuedOn: r.issuedOn })),
    invalid: rows.filter((r) => !isReady(r)).map((r) => ({ id: r.id, fileName: r.fileName })),
  }
}

/** The ZIP's name for a period: fatture_2027-01-01_2027-01-31.zip. */
export const periodZipName = (period: Period) => `fatture_${period.from}_${period.to}.zip`

/**
 * The period's files as one ZIP, the same bytes for the same files (each entry dated its
 * document's day at noon), so that writing it again is recognised as the same archive.
 */
export function zipOf(files: readonly PeriodFile[]): Buffer {
  const entries = Object.fromEntries(files.map((f) => [f.fileName, [Buffer.from(f.xml, 'utf8'), { mtime: new Date(`${f.issuedOn}T12:00:00`) }] as const]))
  return Buffer.from(zipSync(entries as never, { level: 6 }))
}

/**
 * Writes the XML files of the invoices and credit notes dated from…to (inclusive) into `dir`, one
 * by one or (zip) as one archive. A file already there with the same content is left; one with
 * different content is never overwritten: nothing is written and the export is refused
 * (file_exists_different). What is written is handed over: its invoices turn 'sent'.
 */
export async function exportInvoices(db: Db, period: Period & { dir: string; zip?: boolean }, now: Date): Promise<ExportResult> {
  const { ready, invalid } = await periodFiles(db, period)
  mkdirSync(period.dir, { recursive: true })
  const outputs = period.zip ? [{ name: periodZipName(period), content: zipOf(ready) }] : ready.map((r) => ({ name: r.fileName, content: Buffer.from(r.xml, 'utf8') }))
  const toWrite: typeof outputs = []
  for (const output of outputs) {
    const path = join(period.dir, output.name)
    if (!existsSync(path)) toWrite.push(output)
    else if (!readFileSync(path).equals(output.content)) throw new DomainError('file_exists_different', path)
  }
  for (const output of toWrite) writeFileSync(join(period.dir, output.name), output.content, { flag: 'wx' })
  await markHandedOver(db, ready.map((r) => r.id), now)
  return {
    invoices: ready.filter((r) => r.kind === 'invoice').length,
    creditNotes: ready.filter((r) => r.kind === 'credit_note').length,
    files: ready.map((r) => r.fileName),
    invalid,
    ...(period.zip ? { zip: outputs[0].name } : {}),
  }
}

/** The invoices whose files were handed over (exported): 'sent', their files' sent_at set once. */
async function markHandedOver(db: Db, ids: number[], now: Date): Promise<void> {
  if (!ids.length) return
  await db.execute(sql`WITH handed AS (
      UPDATE invoices SET state = 'sent', updated_at = ${now}::timestamptz WHERE id = ANY(${sql.param(ids)}::bigint[]) AND state = 'issued' RETURNING file_id
    ) UPDATE invoice_files SET sent_at = ${now}::timestamptz WHERE id IN (SELECT file_id FROM handed) AND sent_at IS NULL`)
}
