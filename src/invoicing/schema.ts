import { sql } from 'drizzle-orm'
import { bigint, boolean, check, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uniqueIndex } from 'drizzle-orm/pg-core'

/** An invoice (TD01) or a credit note (TD04, issued when an invoiced payment is reversed). */
export const INVOICE_KINDS = ['invoice', 'credit_note'] as const
export type InvoiceKind = (typeof INVOICE_KINDS)[number]

/**
 * Where a document stands:
 * - issued: numbered (in the payment's transaction); its file is made, or about to be;
 * - invalid: its file failed the FatturaPA schema (the message is kept): it never left;
 * - sent: handed to the SdI (through the PEC adapter) or exported for an intermediary;
 * - delivered: the SdI's ricevuta di consegna (RC);
 * - undelivered: mancata consegna (MC): issued all the same, the buyer finds it in their cassetto fiscale;
 * - rejected: the SdI's notifica di scarto (NS), with its error codes: corrected and sent again
 *   under a new file progressive, same number.
 */
export const INVOICE_STATES = ['issued', 'invalid', 'sent', 'delivered', 'undelivered', 'rejected'] as const
export type InvoiceState = (typeof INVOICE_STATES)[number]

/**
 * R11: the last number given per calendar year and series (sezionale). A payment's transaction
 * takes its numbers by updating this row (UPDATE … RETURNING): the row stays locked until commit,
 * so numbers follow the commits, and a transaction that rolls back gives its numbers back.
 */
export const invoiceCounters = pgTable(
  'invoice_counters',
  {
    year: integer('year').notNull(),
    series: text('series').notNull(),
    lastNumber: integer('last_number').notNull(),
  },
  (t) => [primaryKey({ columns: [t.year, t.series] })],
)

/** R11: every invoice and credit note, numbered per year and series with no gap and no duplicate. */
export const invoices = pgTable(
  'invoices',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    kind: text('kind', { enum: INVOICE_KINDS }).notNull(),
    year: integer('year').notNull(),
    series: text('series').notNull(),
    number: integer('number').notNull(),
    issuedOn: date('issued_on', { mode: 'string' }).notNull(), // the payment's (or the reversal's) date, Europe/Rome
    orderId: text('order_id').notNull(),
    /** The payment invoiced, or the reversed payment a credit note gives back. */
    paymentId: bigint('payment_id', { mode: 'number' }).notNull(),
    /** A credit note's invoice. */
    refersTo: bigint('refers_to', { mode: 'number' }),
    method: text('method').notNull(), // how the money came: card, paypal, bollettino, bonifico
    /** The buyer as the order's billing snapshot had it (InvoiceBilling, or the older BillingData). */
    buyer: jsonb('buyer').notNull(),
    /** One per renewal: the mailbox and the period it pays for. */
    lines: jsonb('lines').$type<InvoiceLine[]>().notNull(),
    netCents: integer('net_cents').notNull(),
    vatCents: integer('vat_cents').notNull(),
    totalCents: integer('total_cents').notNull(),
    state: text('state', { enum: INVOICE_STATES }).notNull().default('issued'),
    /** The file that stands for it now (invoice_files.id); null while a file is to be made (new, or to send again). */
    fileId: bigint('file_id', { mode: 'number' }),
    /** Why invalid (the schema's messages) or rejected (the SdI's error codes and texts). */
    problems: jsonb('problems').$type<InvoiceProblem[]>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    unique('invoices_number').on(t.year, t.series, t.number),
    // R8/R11: a payment is invoiced once, and an invoice credited once
    uniqueIndex('invoices_one_per_payment').on(t.paymentId).where(sql`kind = 'invoice'`),
    uniqueIndex('invoices_one_credit_note').on(t.refersTo).where(sql`kind = 'credit_note'`),
    index('invoices_issued_on').on(t.issuedOn),
    index('invoices_order').on(t.orderId),
    index('invoices_to_make').on(t.id).where(sql`file_id IS NULL`),
    check('invoices_total', sql`${t.totalCents} = ${t.netCents} + ${t.vatCents}`),
  ],
)

/**
 * Every FatturaPA file ever made, one per transmission: its id is the file's progressive
 * (IT<IdCodice>_<progressive>.xml, base 36 on 5 characters), unique across every file ever sent;
 * a rejected invoice sent again gets a new file, under the same number.
 */
export const invoiceFiles = pgTable(
  'invoice_files',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    invoiceId: bigint('invoice_id', { mode: 'number' }).notNull().references(() => invoices.id),
    fileName: text('file_name').notNull(),
    xml: text('xml').notNull(),
    valid: boolean('valid').notNull(), // the schema accepted it
    /** The SdI's identifier of the file, from its receipts. */
    sdiId: text('sdi_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [unique('invoice_files_name').on(t.fileName), index('invoice_files_invoice').on(t.invoiceId)],
)

/** A renewal as invoiced: the mailbox, the period it pays for (from the day after the old expiry), its years and net price. */
export interface InvoiceLine {
  mailbox: string
  from: string
  to: string
  years: number
  netCents: number
}

/** A schema message, or an SdI error (code and text). */
export interface InvoiceProblem {
  source: 'schema' | 'data' | 'sdi'
  code?: string
  message: string
}
