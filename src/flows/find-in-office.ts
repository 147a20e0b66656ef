import { and, desc, eq, inArray, like, or, sql, type SQL } from 'drizzle-orm'
import { accounts, mailboxes } from '../accounts/schema'
import { foldName, nameWordPlaces } from '../accounts/name-search'
import { checkedIban } from '../core/iban'
import { formatOrderId, parseOrderId, type OrderId } from '../core/order-id'
import { asQuickLookup, queryRows, type Executor } from '../db/client'
import { oneSubstitutionAway } from '../payments/offline/order-reference'
import { payments } from '../payments/schema'
import { orders, PAYMENT_METHODS } from '../renewals/schema'

export const MAX_RESULTS = 50

export interface FoundMailbox {
  address: string
  status: string
  expiresOn: string
  accountId: string
  holder: string
  fiscalCode: string
  /** The order that led here, when the search was an order ID. */
  orderId: string | null
}

/** A payment found by its reference or by the payer's IBAN. */
export interface FoundPayment {
  id: number
  method: string
  reference: string
  amountCents: number
  receivedAt: string
  /** paid, duplicate, held, unknownOrder, as the settlement left it. */
  outcome: string
  refundStatus: string
  resolution: string | null
  payer: string | null
  debtorIban: string | null
  /** The order it paid or names (formatted), else null. */
  orderId: string | null
  mailbox: string | null
}

/** What the search box took the text for: said on the page, so an operator knows why a row is there. */
export type SearchKind = 'order' | 'fiscal_code' | 'account' | 'address' | 'email' | 'name' | 'payment_reference' | 'iban'

export interface SearchResult {
  kind: SearchKind
  results: FoundMailbox[]
  /** payment_reference and iban: the payments found (results is then empty). */
  payments: FoundPayment[]
}

/**
 * Issue 11: one search box. The text is read as an order ID (a mistyped check digit or one wrong
 * character finds its candidates, as statements do), a codice fiscale or partita IVA, an account
 * ID, an IBAN (the payments from it), a payment reference (the bank's, the gateway's, the slip's,
 * or the payer's end-to-end ID), a mailbox address (by its first letters), a reference e-mail,
 * else a holder's name: each word the start of the first name, of the surname, or of the second or
 * third word of a compound surname, without case, accents or apostrophes (name-search). A text
 * with a digit is no name; one with a space or an @ is no reference. Every kind is served by an
 * index (equality, or a prefix on a text_pattern_ops index), the same SQL on PostgreSQL and on the
 * embedded database, in one transaction without JIT or parallel workers (asQuickLookup);
 * bench/search measures each at a million mailboxes.
 */
export async function findInOffice(db: Executor, typed: string, within: SearchScope = {}): Promise<SearchResult | null> {
  const text = typed.trim()
  if (text.length < 2) return null
  return asQuickLookup(db, (tx) => find(tx, text, within))
}

/**
 * Where the mailboxes are looked for: one convention (a partner's API token), one status. In the
 * query, not after it: filtered after the cap, a partner could see fewer of its mailboxes than exist.
 */
export interface SearchScope {
  conventionCode?: string | null
  status?: (typeof mailboxes.$inferSelect)['status'] | null
}

async function find(db: Executor, text: string, within: SearchScope): Promise<SearchResult> {
  const scope = [
    within.conventionCode ? eq(mailboxes.conventionCode, within.conventionCode) : undefined,
    within.status ? eq(mailboxes.status, within.status) : undefined,
  ]
  const select = (tx: Executor, where: SQL, withOrder = false) => selectMailboxes(tx, and(where, ...scope)!, withOrder)
  const compact = text.replace(/[\s.\-_/]/g, '').toUpperCase()
  const mailboxesBy = (kind: SearchKind, results: FoundMailbox[]): SearchResult => ({ kind, results, payments: [] })

  const orderIds = orderCandidates(compact)
  if (orderIds.length) {
    const rows = await select(db, inArray(orders.id, orderIds), true)
    if (rows.length) return mailboxesBy('order', rows)
  }
  if (/^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/.test(compact) || /^\d{11}$/.test(compact)) {
    return mailboxesBy('fiscal_code', await select(db, eq(accounts.fiscalCode, compact)))
  }
  const byAccount = await select(db, eq(accounts.id, compact))
  if (byAccount.length) return mailboxesBy('account', byAccount)
  const iban = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact) ? checkedIban(compact) : null
  if (iban) return { kind: 'iban', results: [], payments: await selectPayments(db, sql`${payments.raw} ->> 'debtorIban' = ${iban}`) }
  // a reference is one token with a digit in it (a name or an address prefix has none, or has an @)
  if (/^\S+$/.test(text) && /\d/.test(text) && !text.includes('@')) {
    // the (method, reference) key of every method, a statement entry's reference as the bank
    // prints it, the payer's end-to-end ID: each by its index, the bitmaps ORed
    const byReference = await selectPayments(
      db,
      or(
        and(inArray(payments.method, [...PAYMENT_METHODS]), eq(payments.reference, text)),
        sql`${payments.raw} ->> 'entryRef' = ${text}`,
        sql`${payments.raw} ->> 'endToEndId' = ${text}`,
      )!,
    )
    if (byReference.length) return { kind: 'payment_reference', results: [], payments: byReference }
  }
  const lower = text.toLowerCase()
  if (lower.includes('@')) {
    const byAddress = await select(db, like(mailboxes.address, `${escapeLike(lower)}%`))
    if (byAddress.length) return mailboxesBy('address', byAddress)
    return mailboxesBy('email', await select(db, eq(sql`lower(${accounts.referenceEmail})`, lower)))
  }
  // a name has no digit: a text with one is an address's first letters or nothing
  const words = foldName(lower).split(/\s+/).filter(Boolean)
  if (words.length && !/\d/.test(lower)) {
    const byName = await select(db, and(...words.map(nameWord))!)
    if (byName.length) return mailboxesBy('name', byName)
  }
  const byAddress = await select(db, like(mailboxes.address, `${escapeLike(lower)}%`))
  return mailboxesBy(byAddress.length ? 'address' : 'name', byAddress)
}

/**
 * A word of a holder's name, folded as the names are (case, accents, apostrophes): the start of
 * the first name, of the surname, or of the second or third word of a compound surname. Each arm
 * is written as its index is, so the planner reads each by its index and ORs the bitmaps.
 */
function nameWord(word: string): SQL {
  const prefix = `${escapeLike(word)}%`
  return or(...nameWordPlaces(accounts.firstNameFolded, accounts.lastNameFolded).map((place) => sql`${place.key} LIKE ${prefix}`))!
}

/** The order ID typed, or — when its check digits fail — the IDs one character away that pass (as statements read a causale). */
function orderCandidates(compact: string): OrderId[] {
  const exact = parseOrderId(compact)
  if (exact) return [exact]
  return /^[A-Z0-9]{8}\d{2}$/.test(compact) ? oneSubstitutionAway(compact) : []
}

/**
 * The matches are found first, by their own index, and only then put in address order: under a
 * plain ORDER BY address LIMIT, a planner that misjudges how few rows match walks every mailbox
 * in address order instead (seconds at a million). At most MATCH_CAP matches are ordered: past
 * MAX_RESULTS the page asks to narrow the search anyway.
 */
export const MATCH_CAP = 500

async function selectMailboxes(db: Executor, where: SQL, withOrder = false): Promise<FoundMailbox[]> {
  const rows = await queryRows<FoundRow>(
    db,
    sql`WITH hit AS MATERIALIZED (
          SELECT ${mailboxes.address} AS address, ${mailboxes.status} AS status, ${mailboxes.expiresOn}::text AS "expiresOn",
                 ${accounts.id} AS "accountId", ${accounts.firstName} AS "firstName", ${accounts.lastName} AS "lastName",
                 ${accounts.fiscalCode} AS "fiscalCode", ${withOrder ? sql`${orders.id}` : sql`NULL::text`} AS "orderId"
            FROM ${mailboxes} JOIN ${accounts} ON ${accounts.id} = ${mailboxes.accountId}
                 ${withOrder ? sql`JOIN ${orders} ON ${orders.mailboxId} = ${mailboxes.id}` : sql``}
           WHERE ${where}
           LIMIT ${MATCH_CAP})
        SELECT * FROM hit ORDER BY address LIMIT ${MAX_RESULTS}`,
  )
  return rows.map((r) => ({ address: r.address, status: r.status, expiresOn: r.expiresOn, accountId: r.accountId, holder: `${r.firstName} ${r.lastName}`, fiscalCode: r.fiscalCode, orderId: r.orderId }))
}

interface FoundRow {
  address: string
  status: string
  expiresOn: string
  accountId: string
  firstName: string
  lastName: string
  fiscalCode: string
  orderId: string | null
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}

async function selectPayments(db: Executor, where: SQL): Promise<FoundPayment[]> {
  const rows = await db
    .select({
      id: payments.id,
      method: payments.method,
      // as the bank printed it (a statement entry's key adds our account), else the reference itself
      reference: sql<string>`coalesce(${payments.raw} ->> 'entryRef', ${payments.reference})`,
      amountCents: payments.amountCents,
      receivedAt: payments.receivedAt,
      outcome: payments.outcome,
      refundStatus: payments.refundStatus,
      resolution: payments.resolution,
      payer: sql<string | null>`coalesce(${payments.raw} ->> 'debtorName', ${payments.raw} ->> 'payerName')`,
      debtorIban: sql<string | null>`${payments.raw} ->> 'debtorIban'`,
      orderId: payments.orderId,
      mailbox: mailboxes.address,
    })
    .from(payments)
    .leftJoin(orders, eq(orders.id, payments.orderId))
    .leftJoin(mailboxes, eq(mailboxes.id, orders.mailboxId))
    .where(where)
    .orderBy(desc(payments.receivedAt), desc(payments.id))
    .limit(MAX_RESULTS)
  return rows.map((r) => ({ ...r, receivedAt: new Date(r.receivedAt).toISOString(), orderId: r.orderId && formatOrderId(r.orderId as OrderId) }))
}
