import { sql, type SQL } from 'drizzle-orm'
import type { CalendarDate } from '../core/calendar'
import { queryRows, type Tx } from '../db/client'
import { DEFAULT_SERIES } from './config'

// R11: numbering. Each invoice and credit note takes the next number of its calendar year and
// series from its counter row, in the transaction of the payment (or reversal) it documents: the
// counter row stays locked until that transaction ends, so two payments never take one number,
// and a payment that rolls back gives its number back (no gap). Holding the row is the last
// thing a settlement does, just before commit, so payments on several nodes queue on it briefly.

/** A data-modifying statement a writer runs as a named CTE (the next ones may read what it returns). */
export interface NamedWrite {
  name: string
  sql: SQL
}

export interface InvoiceIssue {
  /** The payment's date (Europe/Rome): the invoice's date, and the year it is numbered in. */
  issuedOn: CalendarDate
  series?: string
  now: Date
}

/**
 * R11: the invoices of the orders a settlement pays, as two CTEs of its one statement: the
 * counter of the year and series moved by the number of invoices, then one invoice per paying
 * payment, numbered in the batch's order. `paid` is a query over the CTE `decided` (as d) giving,
 * for each paying payment, d.id, d."orderId", d."mailboxId", d.method, d."extendedFrom",
 * d."newExpiresOn", d.years and d.n. The buyer and the price come from the order's snapshot, the
 * line from the renewal: the mailbox and the period it pays for, from the day after the expiry it
 * extends from to the new expiry.
 */
export function issueInvoicesSql(paid: SQL, issue: InvoiceIssue): NamedWrite[] {
  const year = Number(issue.issuedOn.slice(0, 4))
  const series = issue.series ?? DEFAULT_SERIES
  return [
    {
      name: 'invoice_numbers',
      sql: sql`INSERT INTO invoice_counters (year, series, last_number)
        SELECT ${year}::int, ${series}::text, count(*)::int FROM (${paid}) d HAVING count(*) > 0
        ON CONFLICT (year, series) DO UPDATE SET last_number = invoice_counters.last_number + excluded.last_number
        RETURNING last_number`,
    },
    {
      name: 'invoices_issued',
      sql: sql`INSERT INTO invoices (kind, year, series, number, issued_on, order_id, payment_id, method, buyer, lines, net_cents, vat_cents, total_cents, state, created_at, updated_at)
        SELECT 'invoice', ${year}::int, ${series}::text, c.last_number - p.taken + p.rank, ${issue.issuedOn}::date, p."orderId", p.id, p.method, o.billing,
               jsonb_build_array(jsonb_build_object('mailbox', m.address, 'from', (p."extendedFrom" + 1)::text, 'to', p."newExpiresOn"::text, 'years', p.years, 'netCents', o.net_cents)),
               o.net_cents, o.vat_cents, o.total_cents, 'issued', ${issue.now}::timestamptz, ${issue.now}::timestamptz
          FROM (SELECT d.*, row_number() OVER (ORDER BY d.n)::int AS rank, count(*) OVER ()::int AS taken FROM (${paid}) d) p
          JOIN orders o ON o.id = p."orderId" JOIN mailboxes m ON m.id = p."mailboxId" CROSS JOIN invoice_numbers c
         ORDER BY p.rank
        RETURNING id, kind, number, year, series, issued_on, order_id, payment_id, refers_to, net_cents, vat_cents, total_cents`,
    },
  ]
}

/**
 * R11: a credit note (TD04) for the invoice of a payment being reversed, in the reversal's
 * transaction, numbered in the invoice's series and the reversal's year; it gives back the whole
 * invoice. Returns its id, or null when the payment was never invoiced (paid before invoicing
 * existed); a payment is reversed once, so it is credited once (and a unique key says so).
 */
export async function issueCreditNote(tx: Tx, paymentId: number, issue: InvoiceIssue): Promise<{ id: number; number: number; year: number; series: string } | null> {
  const year = Number(issue.issuedOn.slice(0, 4))
  const [row] = await queryRows<{ id: number; number: number; year: number; series: string }>(
    tx,
    sql`WITH original AS (
          SELECT * FROM invoices WHERE payment_id = ${paymentId} AND kind = 'invoice'
        ),
        numbers AS (
          INSERT INTO invoice_counters (year, series, last_number) SELECT ${year}::int, series, 1 FROM original
          ON CONFLICT (year, series) DO UPDATE SET last_number = invoice_counters.last_number + 1
          RETURNING last_number, series
        )
        INSERT INTO invoices (kind, year, series, number, issued_on, order_id, payment_id, refers_to, method, buyer, lines, net_cents, vat_cents, total_cents, state, created_at, updated_at)
        SELECT 'credit_note', ${year}::int, n.series, n.last_number, ${issue.issuedOn}::date, o.order_id, o.payment_id, o.id, o.method, o.buyer, o.lines,
               o.net_cents, o.vat_cents, o.total_cents, 'issued', ${issue.now}::timestamptz, ${issue.now}::timestamptz
          FROM original o CROSS JOIN numbers n
        RETURNING id::int, number, year, series`,
  )
  return row ?? null
}
