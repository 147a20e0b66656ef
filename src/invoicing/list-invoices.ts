import type { CalendarDate } from '../core/calendar'
import { sql } from 'drizzle-orm'
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
  const rows = await queryRows<Omit<InvoiceListing, 'number' | 'refersTo'> & { year: number; series: string; n: number; ref: { year: number; series: string; number: number } | null }>(
    db,
    sql`SELECT i.id::int, i.kind, i.year, i.series, i.number AS n, i.issued_on::text AS "issuedOn", i.order_id AS "orderId", i.payment_id::int AS "paymentId",
               i.buyer ->> 'name' AS buyer, i.total_cents AS "totalCents", i.state, f.file_name AS "fileName", i.problems,
               (SELECT json_build_object('year', r.year, 'series', r.series, 'number', r.number) FROM invoices r WHERE r.id = i.refers_to) AS ref
          FROM invoices i LEFT JOIN invoice_files f ON f.id = i.file_id
         WHERE (${filter.year ?? null}::int IS NULL OR i.year = ${filter.year ?? null}::int)
           AND (${filter.state ?? null}::text IS NULL OR i.state = ${filter.state ?? null}::text)
         ORDER BY i.year, i.series, i.number`,
  )
  return rows.map(({ year, series, n, ref, ...row }) => ({
    ...row,
    number: invoiceNumber(year, n, series),
    refersTo: ref ? invoiceNumber(ref.year, ref.number, ref.series) : null,
  }))
}
