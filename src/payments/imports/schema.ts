import { bigint, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core'
import { PAYMENT_METHODS } from '../../renewals/schema'
import type { OrderId } from '../../core/order-id'

/** The files an import stores first: bank statements (camt.053, CBI RH) and Poste's slips reports. */
export const IMPORT_FORMATS = ['camt053', 'cbi-rh', 'poste'] as const
export type ImportFormat = (typeof IMPORT_FORMATS)[number]

/**
 * One imported file (issue 10): stored first, whole, then settled in short batches. `digest` names
 * the file's content (and the options that change how it reads), so importing the same file again
 * finds this import and resumes it or reports it. `settled` is how many entries, in position order,
 * are settled: the next run starts there (R8: nothing twice).
 */
export const statementImports = pgTable('statement_imports', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  digest: text('digest').notNull().unique(),
  format: text('format', { enum: IMPORT_FORMATS }).notNull(),
  fileName: text('file_name').notNull(),
  actor: text('actor').notNull(), // operator:NAME: who imported it (R9), and the payments' source
  entries: integer('entries').notNull(),
  settled: integer('settled').notNull().default(0),
  registered: integer('registered').notNull().default(0),
  held: integer('held').notNull().default(0),
  duplicates: integer('duplicates').notNull().default(0),
  ignored: integer('ignored').notNull().default(0),
  stagedAt: timestamp('staged_at', { withTimezone: true }).notNull(),
  settledAt: timestamp('settled_at', { withTimezone: true }), // null while entries remain to settle
})

/** payment: money for an order; reversal: the bank took a credit back; ignored: decided when stored (`note` says why). */
export const ENTRY_KINDS = ['payment', 'reversal', 'ignored'] as const
export type EntryKind = (typeof ENTRY_KINDS)[number]

/**
 * An entry of an imported file, in file order, with what settling it needs: its R8 key (method,
 * reference), the order its text names and the payment's facts (`facts` becomes payments.raw).
 * `note`: for an ignored entry why; for a payment what to report if no order matches
 * (unknown_order:ID, probable_typo:ID, no_order_id …). Written once, never changed.
 */
export const statementEntries = pgTable(
  'statement_entries',
  {
    // no foreign key: its check, a lookup per row, would cost the one-pass store of a 100,000-entry
    // file as much again; the entries are written in their import's transaction, and never alone
    importId: bigint('import_id', { mode: 'number' }).notNull(),
    position: integer('position').notNull(),
    kind: text('kind', { enum: ENTRY_KINDS }).notNull(),
    entryRef: text('entry_ref').notNull(), // shown to the operator
    amountCents: bigint('amount_cents', { mode: 'number' }).notNull(), // a debit we ignore may exceed a payment's range
    method: text('method', { enum: PAYMENT_METHODS }),
    reference: text('reference'),
    orderRef: text('order_ref'), // the order ID as registration reads it (the quoted text when none matched)
    orderId: text('order_id').$type<OrderId>(), // the order the text names, check digits verified (R3)
    note: text('note'),
    facts: jsonb('facts'),
  },
  (t) => [primaryKey({ columns: [t.importId, t.position] })],
)

/**
 * A batch of entries settled in one transaction (positions first … first + count − 1), with each
 * entry's result as decided then: [outcome, reason, orderId, paymentId]. Written in the batch's own
 * transaction, with the import's progress: a crash loses no result and repeats none.
 */
export const statementBatches = pgTable(
  'statement_batches',
  {
    importId: bigint('import_id', { mode: 'number' })
      .notNull()
      .references(() => statementImports.id),
    first: integer('first_position').notNull(),
    count: integer('count').notNull(),
    results: jsonb('results').notNull(),
    settledAt: timestamp('settled_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.importId, t.first] })],
)
