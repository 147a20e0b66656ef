import { and, asc, eq, ilike, inArray, like, or, sql, type SQL } from 'drizzle-orm'
import { accounts, mailboxes } from '../accounts/schema'
import { parseOrderId, type OrderId } from '../core/order-id'
import type { Executor } from '../db/client'
import { oneSubstitutionAway } from '../payments/offline/order-reference'
import { orders } from '../renewals/schema'

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

/** What the search box took the text for: said on the page, so an operator knows why a row is there. */
export type SearchKind = 'order' | 'fiscal_code' | 'account' | 'address' | 'email' | 'name'

/**
 * Issue 11: one search box. The text is read as an order ID (a mistyped check digit or one wrong
 * character finds its candidates, as statements do), a codice fiscale or partita IVA, an account
 * ID, a mailbox address (by its first letters), a reference e-mail, else a holder's name (each
 * word the start of the first or last name). Identifiers are served by an index (equality, or a
 * prefix on a text_pattern_ops index); a name is matched by ILIKE, which scans the accounts.
 */
export async function findInOffice(db: Executor, typed: string): Promise<{ kind: SearchKind; results: FoundMailbox[] } | null> {
  const text = typed.trim()
  if (text.length < 2) return null
  const compact = text.replace(/[\s.\-_/]/g, '').toUpperCase()

  const orderIds = orderCandidates(compact)
  if (orderIds.length) {
    const rows = await select(db, inArray(orders.id, orderIds), true)
    if (rows.length) return { kind: 'order', results: rows }
  }
  if (/^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/.test(compact) || /^\d{11}$/.test(compact)) {
    return { kind: 'fiscal_code', results: await select(db, eq(accounts.fiscalCode, compact)) }
  }
  const byAccount = await select(db, eq(accounts.id, compact))
  if (byAccount.length) return { kind: 'account', results: byAccount }
  const lower = text.toLowerCase()
  if (lower.includes('@')) {
    const byAddress = await select(db, like(mailboxes.address, `${escapeLike(lower)}%`))
    if (byAddress.length) return { kind: 'address', results: byAddress }
    return { kind: 'email', results: await select(db, eq(sql`lower(${accounts.referenceEmail})`, lower)) }
  }
  const words = lower.split(/\s+/).filter(Boolean)
  // each word starts the first name, the surname, or a word of a compound surname (De Neri)
  const byName = await select(db, and(...words.map((w) => or(ilike(accounts.firstName, `${escapeLike(w)}%`), ilike(accounts.lastName, `${escapeLike(w)}%`), ilike(accounts.lastName, `% ${escapeLike(w)}%`))))!)
  if (byName.length) return { kind: 'name', results: byName }
  const byAddress = await select(db, like(mailboxes.address, `${escapeLike(lower)}%`))
  return { kind: byAddress.length ? 'address' : 'name', results: byAddress }
}

/** The order ID typed, or — when its check digits fail — the IDs one character away that pass (as statements read a causale). */
function orderCandidates(compact: string): OrderId[] {
  const exact = parseOrderId(compact)
  if (exact) return [exact]
  return /^[A-Z0-9]{8}\d{2}$/.test(compact) ? oneSubstitutionAway(compact) : []
}

async function select(db: Executor, where: SQL, withOrder = false): Promise<FoundMailbox[]> {
  const base = db
    .select({
      address: mailboxes.address,
      status: mailboxes.status,
      expiresOn: mailboxes.expiresOn,
      accountId: accounts.id,
      firstName: accounts.firstName,
      lastName: accounts.lastName,
      fiscalCode: accounts.fiscalCode,
      orderId: withOrder ? orders.id : sql<string | null>`null`,
    })
    .from(mailboxes)
    .innerJoin(accounts, eq(accounts.id, mailboxes.accountId))
  const joined = withOrder ? base.innerJoin(orders, eq(orders.mailboxId, mailboxes.id)) : base
  const rows = await joined.where(where).orderBy(asc(mailboxes.address)).limit(MAX_RESULTS)
  return rows.map((r) => ({ address: r.address, status: r.status, expiresOn: r.expiresOn, accountId: r.accountId, holder: `${r.firstName} ${r.lastName}`, fiscalCode: r.fiscalCode, orderId: r.orderId }))
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}
