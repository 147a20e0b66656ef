import type { CalendarDate } from '../core/calendar'
import { sql, type SQL } from 'drizzle-orm'
import { queryRows, type Db } from '../db/client'
import { invoiceNumber } from './config'
import type { InvoiceKind, InvoiceProblem, InvoiceState } from './schema'

/** An invoice or credit note as the command line and the back office list it. */
export interface InvoiceListing {
  id: number
  kind: InvoiceKind
  number: string
  issuedOn: CalendarDate
  orderId: string
  paymentId: number
  buyer: string
  totalCents: number
  state: InvoiceState
  fileName: string | null
  problems: InvoiceProblem[] | null
  /** A credit note's invoice (its number). */
  refersTo: string | null
}

/** Every invoice and credit note of a year (default: all), in number order, optionally in one state. */
export async function listInvoices(db: Db, filter: { year?: number; state?: InvoiceState } = {}): Promise<InvoiceListing[]> {
  return listInvoicesWhere(
    db,
    sql`(${filter.year ?? null}::int IS NULL OR i.year = ${filter.year ?? null}::int) AND (${filter.state ?? null}::text IS NULL OR i.state = ${filter.state ?? null}::text)`,
  )
}

async function listInvoicesWhere(db: Db, where: SQL, order: SQL = sql`ORDER BY i.year, i.series, i.number`): Promise<InvoiceListing[]> {
  const rows = await queryRows<Omit<InvoiceListing, 'number' | 'refersTo'> & { year: number; series: string; n: number; ref: { year: number; series: string; number: number } | null }>(
    db,
    sql`SELECT i.id::int, i.kind, i.year, i.series, i.number AS n, i.issued_on::text AS "issuedOn", i.order_id AS "orderId", i.payment_id::int AS "paymentId",
               i.buyer ->> 'name' AS buyer, i.total_cents AS "totalCents", i.state, f.file_name AS "fileName", i.problems,
               (SELECT json_build_object('year', r.year, 'series', r.series, 'number', r.number) FROM invoices r WHERE r.id = i.refers_to) AS ref
          FROM invoices i LEFT JOIN invoice_files f ON f.id = i.file_id
         WHERE ${where} ${order}`,
  )
  return rows.map(({ year, series, n, ref, ...row }) => ({
    ...row,
    number: invoiceNumber(year, n, series),
    refersTo: ref ? invoiceNumber(ref.year, ref.number, ref.series) : null,
  }))
}

/** An invoice's number in a URL or a file name: 2027-000123-PEC (its slashes are dashes). */
export function invoiceSlug(number: string): string {
  return number.replace(/\//g, '-')
}

/** The year, number and series a slug names; null when it names none. */
export function parseInvoiceSlug(slug: string): { year: number; number: number; series: string } | null {
  const m = /^(\d{4})-(\d{6})(?:-([A-Z0-9-]{1,8}))?$/.exec(slug)
  return m ? { year: Number(m[1]), number: Number(m[2]), series: m[3] ?? '' } : null
}

/** The id of the invoice or credit note with this number (year, number, series); undefined when none. */
export async function findInvoiceIdByNumber(db: Db, key: { year: number; number: number; series: string }): Promise<number | undefined> {
  const [row] = await queryRows<{ id: number }>(db, sql`SELECT id::int FROM invoices WHERE year = ${key.year} AND number = ${key.number} AND series = ${key.series}`)
  return row?.id
}

/** A file made for an invoice: one per transmission, the newest first. */
export interface InvoiceFileListing {
  id: number
  fileName: string
  valid: boolean
  sdiId: string | null
  createdAt: Date
  sentAt: Date | null
  /** The one the invoice stands on now. */
  current: boolean
}

export interface InvoiceDetail extends InvoiceListing {
  buyerData: Record<string, string>
  files: InvoiceFileListing[]
}

/** An invoice with its buyer as the file shows it and every file made for it; undefined when none has this id. */
export async function findInvoiceDetail(db: Db, id: number): Promise<InvoiceDetail | undefined> {
  const [listing] = await listInvoicesWhere(db, sql`i.id = ${id}`)
  if (!listing) return undefined
  const [{ buyer }] = await queryRows<{ buyer: Record<string, string> }>(db, sql`SELECT buyer FROM invoices WHERE id = ${id}`)
  const files = await queryRows<InvoiceFileListing>(
    db,
    sql`SELECT f.id::int, f.file_name AS "fileName", f.valid, f.sdi_id AS "sdiId", f.created_at AS "createdAt", f.sent_at AS "sentAt", (f.id = i.file_id) IS TRUE AS current
          FROM invoice_files f JOIN invoices i ON i.id = f.invoice_id WHERE f.invoice_id = ${id} ORDER BY f.id DESC`,
  )
  return { ...listing, buyerData: buyer, files: files.map((f) => ({ ...f, createdAt: new Date(f.createdAt), sentAt: f.sentAt && new Date(f.sentAt) })) }
}

/** The back office's queue (R11): invoices whose file the schema refused and those the SdI rejected, oldest first. */
export async function invoicesToCorrect(db: Db): Promise<InvoiceListing[]> {
  return listInvoicesWhere(db, sql`i.state IN ('invalid', 'rejected')`, sql`ORDER BY i.issued_on, i.id`)
}

/** How many wait in that queue, for the home page's count. */
export async function countInvoicesToCorrect(db: Db): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM invoices WHERE state IN ('invalid', 'rejected')`)
  return row.n
}

/** The invoices and credit notes of these orders, in number order. */
export async function invoicesOfOrders(db: Db, orderIds: readonly string[]): Promise<InvoiceListing[]> {
  if (!orderIds.length) return []
  return listInvoicesWhere(db, sql`i.order_id = ANY(${sql.param([...orderIds])}::text[])`)
}

/** The documents dated from…to (inclusive), in number order. */
export async function invoicesOfPeriod(db: Db, period: { from: CalendarDate; to: CalendarDate }): Promise<InvoiceListing[]> {
  return listInvoicesWhere(db, sql`i.issued_on BETWEEN ${period.from}::date AND ${period.to}::date`)
}

/** The FatturaPA file an invoice stands on now (or its latest, while it waits for a new one); undefined when none was made. */
export async function findInvoiceXml(db: Db, invoiceId: number): Promise<{ fileName: string; xml: string } | undefined> {
  const [file] = await queryRows<{ fileName: string; xml: string }>(
    db,
    sql`SELECT f.file_name AS "fileName", f.xml FROM invoice_files f JOIN invoices i ON i.id = f.invoice_id
         WHERE f.invoice_id = ${invoiceId} ORDER BY (f.id = i.file_id) IS TRUE DESC, f.id DESC LIMIT 1`,
  )
  return file
}
