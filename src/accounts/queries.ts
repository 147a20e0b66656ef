import { eq, inArray, isNotNull, sql, type SQL } from 'drizzle-orm'
import { queryRows, type Executor, type Tx } from '../db/client'
import { insertAuditRowsSql } from '../db/audit'
import { conventions } from '../catalog/schema'
import { normaliseIdentifier } from '../core/identifiers'
import type { MailboxRow } from './mailbox-csv'
import { accounts, mailboxes } from './schema'
import type { CalendarDate } from '../core/calendar'

export type Mailbox = typeof mailboxes.$inferSelect
export type Account = typeof accounts.$inferSelect

/** The stored mailbox for an address as typed (addresses are stored lower-case ASCII: normalised already). */
export async function findMailboxByAddress(db: Executor, address: string): Promise<Mailbox | undefined> {
  const [row] = await db
    .select()
    .from(mailboxes)
    .where(eq(mailboxes.address, normaliseIdentifier(address)))
  return row
}

/** Whether any mailbox lies outside `domain`: the demo refuses a database holding real mailboxes. */
export async function holdsMailboxesOutside(db: Executor, domain: string): Promise<boolean> {
  const rows = await queryRows<{ found: boolean }>(db, sql`SELECT EXISTS (SELECT 1 FROM mailboxes WHERE address NOT LIKE ${`%@${domain}`}) AS found`)
  return rows[0].found
}

/**
 * The account for an ID as typed. IDs are stored as issued (FNOM000001); the typed one matches an
 * account only when both normalise to the same spelling — the one the sign-in guard counts under,
 * so no variant of an ID (`ſIST0002`, full-width letters) reaches an account with fresh tries, and
 * none (`SıST0002`) reaches another account. The index finds the candidates, the spelling decides.
 */
export async function findAccountByIdentifier(db: Executor, typed: string): Promise<Account | undefined> {
  const key = normaliseIdentifier(typed)
  if (!key) return undefined
  const candidates = [...new Set([typed.trim(), key, key.toUpperCase()])]
  const rows = await db.select().from(accounts).where(inArray(accounts.id, candidates))
  const matching = rows.filter((row) => normaliseIdentifier(row.id) === key)
  return matching.find((row) => row.id === typed.trim()) ?? matching[0]
}

/** The account with exactly this stored ID (a mailbox's account). */
export async function findAccount(db: Executor, id: string): Promise<Account | undefined> {
  const [row] = await db.select().from(accounts).where(eq(accounts.id, id))
  return row
}

/** The holder's name as e-mails greet them, from the accounts row `a`. */
export function holderNameSql(a: SQL): SQL {
  return sql`${a}.first_name || ' ' || ${a}.last_name`
}

/** R4/R6: the mailbox's new expiry; a deactivated mailbox becomes active again. */
export async function renewMailbox(tx: Tx, mailboxId: number, renewal: { expiresOn: CalendarDate; reactivate: boolean; now: Date }): Promise<void> {
  await tx
    .update(mailboxes)
    .set({
      expiresOn: renewal.expiresOn,
      updatedAt: renewal.now,
      ...(renewal.reactivate ? { status: 'active' as const, deactivatedOn: null } : {}),
    })
    .where(eq(mailboxes.id, mailboxId))
}

/**
 * renewMailbox for the mailboxes a settlement batch renewed, in one UPDATE (a set-based writer's
 * CTE). The rows travel as JSON: the planner then probes the primary key per row (see markOrdersPaidSql).
 */
export function renewMailboxesSql(renewed: ReadonlyArray<{ id: number; expiresOn: string; reactivate: boolean }>, now: Date): SQL {
  return sql`UPDATE mailboxes m SET expires_on = v."expiresOn", updated_at = ${now}::timestamptz,
         status = CASE WHEN v.reactivate THEN 'active' ELSE m.status END,
         deactivated_on = CASE WHEN v.reactivate THEN NULL ELSE m.deactivated_on END
      FROM jsonb_to_recordset(${JSON.stringify(renewed)}::jsonb) AS v(id bigint, "expiresOn" date, reactivate boolean)
     WHERE m.id = v.id`
}

/** Some stored password hashes of accounts, or of mailboxes: the decoy follows their scheme and cost. */
export async function samplePasswordHashes(db: Executor, of: 'accounts' | 'mailboxes', limit: number): Promise<Array<string | null>> {
  const table = of === 'accounts' ? accounts : mailboxes
  const rows = await db.select({ hash: table.passwordHash }).from(table).where(isNotNull(table.passwordHash)).limit(limit)
  return rows.map((row) => row.hash)
}

export interface AuditRow {
  id: number
  at: Date | string
  actor: string
  action: string
  reason: string | null
  data: unknown
}

/** R9: what happened to a mailbox and to its orders, oldest first. */
export async function mailboxHistory(db: Executor, mailboxId: number): Promise<AuditRow[]> {
  return queryRows<AuditRow>(
    db,
    sql`SELECT id, at, actor, action, reason, data FROM audit_log
        WHERE mailbox_id = ${mailboxId}
           OR order_id IN (SELECT id FROM orders WHERE mailbox_id = ${mailboxId})
        ORDER BY at, id`,
  )
}

/** Convention codes by their lower-case spelling, for matching an import's `convention` column. */
export async function conventionCodes(db: Executor): Promise<Map<string, string>> {
  const rows = await db.select({ code: conventions.code }).from(conventions)
  return new Map(rows.map(({ code }) => [code.toLowerCase(), code]))
}

const IMPORT_LOCK = 7_201_002 // advisory lock key: one mailbox import at a time

/** Serialises imports: two at once would race on the same addresses. Released at commit. */
export async function lockMailboxImport(tx: Tx): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${IMPORT_LOCK})`)
}

/**
 * Scratch tables for one import, in the importing transaction (dropped at its end): the addresses
 * and accounts already accepted, so a file of a million rows is checked without holding it.
 */
export async function createImportScratch(tx: Tx): Promise<void> {
  await tx.execute(sql`CREATE TEMP TABLE import_addresses (address text PRIMARY KEY, line integer NOT NULL) ON COMMIT DROP`)
  await tx.execute(
    sql`CREATE TEMP TABLE import_accounts (id text PRIMARY KEY, line integer NOT NULL, holder text NOT NULL) ON COMMIT DROP`,
  )
}

export interface EarlierRows {
  /** address → line of the accepted row with that address */
  addresses: Map<string, number>
  /** account ID → line and holder data of the first accepted row of that account */
  accounts: Map<string, { line: number; holder: string }>
}

/** What earlier batches of the import accepted for these addresses and accounts. */
export async function findEarlierRows(tx: Tx, addresses: string[], accountIds: string[]): Promise<EarlierRows> {
  const found = await queryRows<{ kind: 'address' | 'account'; key: string; line: number; holder: string | null }>(
    tx,
    sql`SELECT 'address' AS kind, address AS key, line, NULL AS holder FROM import_addresses
        WHERE address = ANY(${sql.param(addresses)}::text[])
        UNION ALL
        SELECT 'account', id, line, holder FROM import_accounts WHERE id = ANY(${sql.param(accountIds)}::text[])`,
  )
  const earlier: EarlierRows = { addresses: new Map(), accounts: new Map() }
  for (const row of found) {
    if (row.kind === 'address') earlier.addresses.set(row.key, row.line)
    else earlier.accounts.set(row.key, { line: row.line, holder: row.holder! })
  }
  return earlier
}

/** Remembers the rows a batch accepted: their addresses, and the accounts seen for the first time. */
export async function rememberAcceptedRows(
  tx: Tx,
  rows: Array<{ address: string; line: number }>,
  newAccounts: Array<{ id: string; line: number; holder: string }>,
): Promise<void> {
  await tx.execute(
    sql`WITH accounts AS (
          INSERT INTO import_accounts (id, line, holder)
          SELECT * FROM unnest(${column(newAccounts, (a) => a.id)}::text[], ${sql.param(newAccounts.map((a) => a.line))}::int[],
                               ${column(newAccounts, (a) => a.holder)}::text[])
        )
        INSERT INTO import_addresses (address, line)
        SELECT * FROM unnest(${column(rows, (r) => r.address)}::text[], ${sql.param(rows.map((r) => r.line))}::int[])`,
  )
}

/** Arrays travel as one parameter each (unnest), not as thousands of placeholders. */
function column<T>(rows: readonly T[], pick: (row: T) => string | null) {
  return sql.param(rows.map(pick))
}

/**
 * Creates or updates the accounts of a batch (one row per account ID) and returns the IDs of the
 * existing accounts it changed. Blank optional values (language, password) keep what is stored.
 */
export async function upsertAccounts(tx: Tx, rows: readonly MailboxRow[], now: Date): Promise<Set<string>> {
  const changed = await queryRows<{ id: string }>(
    tx,
    sql`WITH input AS (
          SELECT * FROM unnest(
            ${column(rows, (r) => r.accountId)}::text[], ${column(rows, (r) => r.firstName)}::text[],
            ${column(rows, (r) => r.lastName)}::text[], ${column(rows, (r) => r.fiscalCode)}::text[],
            ${column(rows, (r) => r.referenceEmail)}::text[], ${column(rows, (r) => r.language)}::text[],
            ${column(rows, (r) => r.accountPasswordHash)}::text[]
          ) AS i(id, first_name, last_name, fiscal_code, reference_email, language, password_hash)
        ),
        updated AS (
          UPDATE accounts a SET
            first_name = i.first_name, last_name = i.last_name, fiscal_code = i.fiscal_code,
            reference_email = i.reference_email, language = coalesce(i.language, a.language),
            password_hash = coalesce(i.password_hash, a.password_hash), updated_at = ${now.toISOString()}::timestamptz
          FROM input i
          WHERE a.id = i.id
            AND (a.first_name, a.last_name, a.fiscal_code, a.reference_email, a.language, a.password_hash)
                IS DISTINCT FROM
                (i.first_name, i.last_name, i.fiscal_code, i.reference_email,
                 coalesce(i.language, a.language), coalesce(i.password_hash, a.password_hash))
          RETURNING a.id
        ),
        inserted AS (
          INSERT INTO accounts (id, first_name, last_name, fiscal_code, reference_email, language, password_hash, created_at, updated_at)
          SELECT i.id, i.first_name, i.last_name, i.fiscal_code, i.reference_email, coalesce(i.language, 'it'),
                 i.password_hash, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
          FROM input i
          ON CONFLICT (id) DO NOTHING -- the stored ones: the arbiter index finds them, one probe each
        )
        SELECT id FROM updated`,
  )
  return new Set(changed.map((row) => row.id))
}

export interface MailboxWrite {
  /** Addresses of the mailboxes created. */
  inserted: string[]
  /** Addresses of the stored mailboxes changed. */
  updated: string[]
}

export interface AuditStamp {
  at: Date
  actor: string
  reason: string
}

/**
 * Creates or updates the mailboxes of a batch (unique addresses) and, in the same statement, writes
 * one audit row per mailbox created (mailbox.imported, its fields) or changed (mailbox.updated, each
 * changed field as {from, to}) — R9. Identical rows are left alone. Blank status, register or
 * password keep what is stored; back to `active` clears the deactivation and cessation dates.
 */
export async function upsertMailboxes(tx: Tx, rows: readonly MailboxRow[], stamp: AuditStamp): Promise<MailboxWrite> {
  const differs = sql`(m.account_id, m.convention_code, m.activated_on, m.expires_on, m.status, m.register, m.password_hash)
    IS DISTINCT FROM
    (i.account_id, i.convention_code, i.activated_on, i.expires_on, coalesce(i.status, m.status),
     coalesce(i.register, m.register), coalesce(i.password_hash, m.password_hash))`
  const result = await queryRows<{ address: string; inserted: boolean }>(
    tx,
    sql`WITH input AS (
          SELECT * FROM unnest(
            ${column(rows, (r) => r.address)}::text[], ${column(rows, (r) => r.accountId)}::text[],
            ${column(rows, (r) => r.conventionCode)}::text[], ${column(rows, (r) => r.activatedOn)}::date[],
            ${column(rows, (r) => r.expiresOn)}::date[], ${column(rows, (r) => r.status)}::text[],
            ${column(rows, (r) => r.register)}::text[], ${column(rows, (r) => r.mailboxPasswordHash)}::text[]
          ) AS i(address, account_id, convention_code, activated_on, expires_on, status, register, password_hash)
        ),
        old AS ( -- the stored mailboxes this batch changes, locked; identical ones are not touched
          SELECT m.id, m.address, m.account_id, m.convention_code, m.activated_on, m.expires_on, m.status, m.register, m.password_hash
          FROM mailboxes m JOIN input i ON i.address = m.address
          WHERE ${differs}
          FOR UPDATE OF m
        ),
        updated AS (
          UPDATE mailboxes m SET
            account_id = i.account_id, convention_code = i.convention_code,
            activated_on = i.activated_on, expires_on = i.expires_on,
            status = coalesce(i.status, m.status), register = coalesce(i.register, m.register),
            password_hash = coalesce(i.password_hash, m.password_hash),
            deactivated_on = CASE WHEN coalesce(i.status, m.status) = 'active' THEN NULL ELSE m.deactivated_on END,
            ceased_on = CASE WHEN coalesce(i.status, m.status) = 'ceased' THEN m.ceased_on END,
            updated_at = ${stamp.at.toISOString()}::timestamptz
          FROM old o JOIN input i ON i.address = o.address -- through old: locked before it is changed
          WHERE m.id = o.id AND ${differs}
          RETURNING m.id, m.address, m.account_id, m.convention_code, m.activated_on, m.expires_on, m.status,
                    m.register, m.password_hash
        ),
        inserted AS (
          INSERT INTO mailboxes (address, account_id, convention_code, activated_on, expires_on, status, register, password_hash, updated_at)
          SELECT i.address, i.account_id, i.convention_code, i.activated_on, i.expires_on,
                 coalesce(i.status, 'active'), coalesce(i.register, 'none'), i.password_hash, ${stamp.at.toISOString()}::timestamptz
          FROM input i
          ON CONFLICT (address) DO NOTHING -- the stored ones
          RETURNING id, address, account_id, convention_code, activated_on, expires_on, status, register
        ),
        audited AS (
          ${insertAuditRowsSql(
            { at: stamp.at, actor: stamp.actor },
            {
              from: sql`inserted n`,
              action: 'mailbox.imported',
              mailboxId: sql`n.id`,
              reason: stamp.reason,
              data: sql`jsonb_build_object('address', n.address, 'accountId', n.account_id, 'convention', n.convention_code,
                                           'activatedOn', n.activated_on, 'expiresOn', n.expires_on, 'status', n.status,
                                           'register', n.register)`,
            },
            {
              from: sql`updated u JOIN old o ON o.id = u.id`,
              action: 'mailbox.updated',
              mailboxId: sql`u.id`,
              reason: stamp.reason,
              data: sql`${changed('accountId', 'account_id')} || ${changed('convention', 'convention_code')}
                        || ${changed('activatedOn', 'activated_on')} || ${changed('expiresOn', 'expires_on')}
                        || ${changed('status', 'status')} || ${changed('register', 'register')}
                        || CASE WHEN o.password_hash IS DISTINCT FROM u.password_hash
                                THEN jsonb_build_object('passwordHash', 'changed') ELSE '{}'::jsonb END`,
            },
          )}
        )
        SELECT address, true AS inserted FROM inserted
        UNION ALL
        SELECT address, false AS inserted FROM updated`,
  )
  const write: MailboxWrite = { inserted: [], updated: [] }
  for (const row of result) (row.inserted ? write.inserted : write.updated).push(row.address)
  return write
}

/** {"status": {"from": "active", "to": "deactivated"}} when the column changed, else {}. */
function changed(key: string, columnName: string) {
  const name = sql.raw(columnName)
  return sql`CASE WHEN o.${name} IS DISTINCT FROM u.${name}
                  THEN jsonb_build_object(${key}::text, jsonb_build_object('from', o.${name}, 'to', u.${name}))
                  ELSE '{}'::jsonb END`
}
