import { sql } from 'drizzle-orm'
import { insertAuditRowsSql } from '../db/audit'
import { queryRows, type Db } from '../db/client'
import { invoiceNumber, type InvoicingConfig } from './config'
import { buildFatturaPA, fileProgressive, type Buyer, type InvoiceDocument } from './fatturapa'
import type { InvoiceKind, InvoiceLine, InvoiceProblem } from './schema'
import type { FatturaValidator } from './validate'

// R11: the FatturaPA file of every numbered invoice and credit note, made after the payment's
// transaction (the number and date were fixed there; the file only writes them out), validated
// against the schema before anything can send it. A file the schema refuses is kept with the
// schema's messages and its invoice turns 'invalid': it appears in the queue, and never leaves.

export const FILES_PER_BATCH = 200

interface ToMake {
  id: number
  kind: InvoiceKind
  year: number
  series: string
  number: number
  issuedOn: string
  method: string
  buyer: Buyer
  lines: InvoiceLine[]
  netCents: number
  vatCents: number
  totalCents: number
  refersTo: { year: number; series: string; number: number; issuedOn: string } | null
  orderId: string
  paymentId: number
}

export interface MadeFiles {
  made: number
  invalid: number
}

export interface MakeOptions {
  /** Only these invoices (a correction made in the back office); default every one waiting. */
  invoiceIds?: readonly number[]
  /** Told after each batch is committed, with the totals so far (the job logs it). */
  progress?: (sofar: MadeFiles) => void
}

/**
 * Makes the files of the invoices waiting for one (new, or to send again), in batches, each its
 * own transaction: the invoices are taken with SKIP LOCKED, so several nodes share the work; the
 * files' ids (their progressives) come from the table's identity, never reused.
 */
export async function makeInvoiceFiles(
  db: Db,
  config: Pick<InvoicingConfig, 'seller' | 'transmitter'>,
  validator: FatturaValidator,
  now: Date,
  options: MakeOptions = {},
): Promise<MadeFiles> {
  const total: MadeFiles = { made: 0, invalid: 0 }
  const only = options.invoiceIds ? sql`AND i.id = ANY(${sql.param([...options.invoiceIds])}::bigint[])` : sql``
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      const rows = await queryRows<ToMake>(
        tx,
        sql`SELECT ${DOCUMENT_COLUMNS}
              FROM invoices i WHERE i.file_id IS NULL AND i.state IN ('issued', 'rejected', 'invalid') ${only} ORDER BY i.id LIMIT ${FILES_PER_BATCH} FOR UPDATE SKIP LOCKED`,
      )
      if (rows.length === 0) return null
      const ids = await queryRows<{ id: number }>(tx, sql`SELECT nextval(pg_get_serial_sequence('invoice_files', 'id'))::int AS id FROM generate_series(1, ${rows.length})`)
      const built = rows.map((row, i) => buildFatturaPA(documentOf(row), config, fileProgressive(ids[i].id)))
      const verdicts = await validator.validate(built)
      const files = rows.map((row, i) => {
        const problems: InvoiceProblem[] = [...built[i].problems, ...verdicts[i].errors.map((message) => ({ source: 'schema' as const, message }))]
        return { id: ids[i].id, invoiceId: row.id, fileName: built[i].fileName, xml: built[i].xml, valid: problems.length === 0, problems, orderId: row.orderId, paymentId: row.paymentId }
      })
      await tx.execute(sql`WITH f AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(files)}::jsonb) AS f(id bigint, "invoiceId" bigint, "fileName" text, xml text, valid boolean, problems jsonb, "orderId" text, "paymentId" bigint)
        ),
        files AS (
          INSERT INTO invoice_files (id, invoice_id, file_name, xml, valid, created_at) OVERRIDING SYSTEM VALUE
          SELECT f.id, f."invoiceId", f."fileName", f.xml, f.valid, ${now}::timestamptz FROM f ORDER BY f.id
        ),
        audit AS (${insertAuditRowsSql(
          { at: now, actor: 'system' },
          { from: sql`f WHERE NOT f.valid ORDER BY f.id`, action: sql`'invoice.invalid'`, orderId: sql`f."orderId"`, paymentId: sql`f."paymentId"`, data: sql`jsonb_build_object('fileName', f."fileName", 'problems', f.problems)` },
        )})
        UPDATE invoices i SET file_id = f.id, updated_at = ${now}::timestamptz,
               state = CASE WHEN f.valid THEN 'issued' ELSE 'invalid' END,
               problems = CASE WHEN f.valid THEN NULL ELSE f.problems END
          FROM f WHERE i.id = f."invoiceId"`)
      return { made: files.length, invalid: files.filter((f) => !f.valid).length }
    })
    if (!batch) return total
    total.made += batch.made
    total.invalid += batch.invalid
    options.progress?.({ ...total })
  }
}

/** What a document's file or courtesy copy is built from, for `invoices i`. */
const DOCUMENT_COLUMNS = sql`i.id::int, i.kind, i.year, i.series, i.number, i.issued_on::text AS "issuedOn", i.method, i.buyer, i.lines, i.net_cents AS "netCents",
                   i.vat_cents AS "vatCents", i.total_cents AS "totalCents", i.order_id AS "orderId", i.payment_id::int AS "paymentId",
                   (SELECT json_build_object('year', r.year, 'series', r.series, 'number', r.number, 'issuedOn', r.issued_on::text) FROM invoices r WHERE r.id = i.refers_to) AS "refersTo"`

/** An invoice or credit note as its file and its courtesy copy show it; undefined when there is none with that id. */
export async function findInvoiceDocument(db: Db, id: number): Promise<InvoiceDocument | undefined> {
  const [row] = await queryRows<ToMake>(db, sql`SELECT ${DOCUMENT_COLUMNS} FROM invoices i WHERE i.id = ${id}`)
  return row ? documentOf(row) : undefined
}

function documentOf(row: ToMake): InvoiceDocument {
  return {
    kind: row.kind,
    number: invoiceNumber(row.year, row.number, row.series),
    issuedOn: row.issuedOn,
    method: row.method,
    buyer: row.buyer,
    lines: row.lines,
    netCents: row.netCents,
    vatCents: row.vatCents,
    totalCents: row.totalCents,
    ...(row.refersTo ? { refersTo: { number: invoiceNumber(row.refersTo.year, row.refersTo.number, row.refersTo.series), issuedOn: row.refersTo.issuedOn } } : {}),
  }
}
