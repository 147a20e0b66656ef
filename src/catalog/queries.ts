import { and, asc, desc, eq, getTableColumns, lte, sql } from 'drizzle-orm'
import type { CalendarDate } from '../core/calendar'
import { auditLog } from '../db/audit-schema'
import type { Executor, Tx } from '../db/client'
import type { ConventionSettings, PriceEntry } from './rules'
import { contractDocuments, contractVersions, conventionContractDocuments, conventions, prices } from './schema'

export type Convention = typeof conventions.$inferSelect
export type Price = typeof prices.$inferSelect

export async function findConvention(db: Executor, code: string): Promise<Convention | undefined> {
  const [row] = await db.select().from(conventions).where(eq(conventions.code, code))
  return row
}

/** Issue 11/R3: the price of `years` in force on `day` (the latest effective on or before it). */
export async function findPrice(db: Executor, conventionCode: string, years: number, day: CalendarDate): Promise<Price | undefined> {
  const [row] = await db
    .select()
    .from(prices)
    .where(and(eq(prices.conventionCode, conventionCode), eq(prices.years, years), lte(prices.effectiveFrom, day)))
    .orderBy(desc(prices.effectiveFrom))
    .limit(1)
  return row
}

/** A convention's whole price list, past prices included, by duration and day. */
export async function listPrices(db: Executor, conventionCode: string): Promise<Price[]> {
  return db.select().from(prices).where(eq(prices.conventionCode, conventionCode)).orderBy(asc(prices.years), asc(prices.effectiveFrom))
}

export async function listConventions(db: Executor): Promise<Convention[]> {
  return db.select().from(conventions).orderBy(asc(conventions.code))
}

/** The convention's row locked for a change, so two operators' changes take turns. */
export async function lockConvention(tx: Tx, code: string): Promise<Convention | undefined> {
  const [row] = await tx.select().from(conventions).where(eq(conventions.code, code)).for('update')
  return row
}

export async function writeConventionSettings(tx: Tx, settings: ConventionSettings): Promise<void> {
  const { code, ...rest } = settings
  await tx.insert(conventions).values(settings).onConflictDoUpdate({ target: conventions.code, set: rest })
}

/** A new convention; false when its code is taken (another transaction created it first). */
export async function insertConvention(tx: Tx, settings: ConventionSettings): Promise<boolean> {
  const rows = await tx.insert(conventions).values(settings).onConflictDoNothing().returning({ code: conventions.code })
  return rows.length > 0
}

/** Adds a price row, or corrects one not yet in force (the rules decided which). */
export async function writePrice(tx: Tx, conventionCode: string, price: PriceEntry): Promise<void> {
  const { years, effectiveFrom, netCents, vatBasisPoints } = price
  await tx
    .insert(prices)
    .values({ conventionCode, years, effectiveFrom, netCents, vatBasisPoints })
    .onConflictDoUpdate({ target: [prices.conventionCode, prices.years, prices.effectiveFrom], set: { netCents, vatBasisPoints, isDemo: false } })
}

export interface ConventionChange {
  at: Date
  actor: string
  action: string
  reason: string | null
  data: unknown
}

/** The audit trail of a convention's settings, prices and contract versions, newest first. */
export async function conventionHistory(db: Executor, code: string, limit = 50): Promise<ConventionChange[]> {
  return db
    .select({ at: auditLog.at, actor: auditLog.actor, action: auditLog.action, reason: auditLog.reason, data: auditLog.data })
    .from(auditLog)
    .where(
      sql`((${auditLog.action} like 'convention.%' and ${auditLog.data}->>'convention' = ${code})
           or (${auditLog.action} = 'contract.version_added' and ${auditLog.data}->'conventions' @> jsonb_build_array(${code}::text)))`,
    )
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(limit)
}

export type ContractDocument = typeof contractDocuments.$inferSelect
export type ContractVersion = typeof contractVersions.$inferSelect

/** A contract document with the conventions whose holders accept it (issue 11). */
export interface ConventionDocument extends ContractDocument {
  conventions: string[]
}

/** The documents a convention's holders accept, each with every convention that shares it. */
export async function listContractDocuments(db: Executor, conventionCode: string): Promise<ConventionDocument[]> {
  return db
    .select({
      code: contractDocuments.code,
      titleIt: contractDocuments.titleIt,
      titleEn: contractDocuments.titleEn,
      onerous: contractDocuments.onerous,
      conventions: sql<string[]>`array(select cc.convention_code from ${conventionContractDocuments} cc where cc.document_code = ${contractDocuments.code} order by 1)`,
    })
    .from(contractDocuments)
    .innerJoin(conventionContractDocuments, eq(conventionContractDocuments.documentCode, contractDocuments.code))
    .where(eq(conventionContractDocuments.conventionCode, conventionCode))
    .orderBy(asc(contractDocuments.onerous), asc(contractDocuments.code))
}

/** The conventions whose holders accept a document (none when it does not exist). */
export async function conventionsOfDocument(db: Executor, documentCode: string): Promise<string[]> {
  const rows = await db
    .select({ code: conventionContractDocuments.conventionCode })
    .from(conventionContractDocuments)
    .where(eq(conventionContractDocuments.documentCode, documentCode))
    .orderBy(asc(conventionContractDocuments.conventionCode))
  return rows.map((r) => r.code)
}

export async function linkContractDocument(tx: Tx, conventionCode: string, documentCode: string): Promise<void> {
  await tx.insert(conventionContractDocuments).values({ conventionCode, documentCode }).onConflictDoNothing()
}

export async function findContractDocument(db: Executor, code: string): Promise<ContractDocument | undefined> {
  const [row] = await db.select().from(contractDocuments).where(eq(contractDocuments.code, code))
  return row
}

/** Every version of a convention's documents, oldest first: none is ever removed (orders cite them). */
export async function listContractVersions(db: Executor, conventionCode: string): Promise<ContractVersion[]> {
  return db
    .select({ ...getTableColumns(contractVersions) })
    .from(contractVersions)
    .innerJoin(conventionContractDocuments, eq(conventionContractDocuments.documentCode, contractVersions.documentCode))
    .where(eq(conventionContractDocuments.conventionCode, conventionCode))
    .orderBy(asc(contractVersions.documentCode), asc(contractVersions.effectiveFrom), asc(contractVersions.id))
}

export async function findContractVersion(db: Executor, documentCode: string, version: string): Promise<ContractVersion | undefined> {
  const [row] = await db
    .select()
    .from(contractVersions)
    .where(and(eq(contractVersions.documentCode, documentCode), eq(contractVersions.version, version)))
  return row
}

export async function insertContractDocument(tx: Tx, document: typeof contractDocuments.$inferInsert): Promise<void> {
  await tx.insert(contractDocuments).values(document).onConflictDoNothing()
}

/** A new version; undefined when the version already exists (a twin request inserted it first). */
export async function insertContractVersion(tx: Tx, version: typeof contractVersions.$inferInsert): Promise<ContractVersion | undefined> {
  const [row] = await tx.insert(contractVersions).values(version).onConflictDoNothing().returning()
  return row
}

export interface ConventionSetup {
  convention: typeof conventions.$inferInsert
  prices: Array<Omit<typeof prices.$inferInsert, 'conventionCode'>>
}

/** Creates or updates a convention and its price list (demo data, operator setup, tests). */
export async function saveConvention(db: Executor, setup: ConventionSetup): Promise<void> {
  const { code, ...rest } = setup.convention
  await db.insert(conventions).values(setup.convention).onConflictDoUpdate({ target: conventions.code, set: rest })
  for (const price of setup.prices) {
    const row = { ...price, conventionCode: code }
    await db
      .insert(prices)
      .values(row)
      .onConflictDoUpdate({ target: [prices.conventionCode, prices.years, prices.effectiveFrom], set: price })
  }
}

export interface ContractSetup {
  document: typeof contractDocuments.$inferInsert
  versions: Array<Omit<typeof contractVersions.$inferInsert, 'documentCode'>>
  /** The conventions whose holders accept it; every convention stored when left out (demo, tests). */
  conventions?: string[]
}

export async function saveContract(db: Executor, setup: ContractSetup): Promise<void> {
  const { code, ...rest } = setup.document
  await db.insert(contractDocuments).values(setup.document).onConflictDoUpdate({ target: contractDocuments.code, set: rest })
  const owners = setup.conventions ?? (await listConventions(db)).map((c) => c.code)
  for (const conventionCode of owners) await db.insert(conventionContractDocuments).values({ conventionCode, documentCode: code }).onConflictDoNothing()
  for (const version of setup.versions) {
    await db
      .insert(contractVersions)
      .values({ ...version, documentCode: code })
      .onConflictDoNothing()
  }
}

/** The FNOMCEO convention with demo prices: 10.00 € + VAT a year, less for longer terms. */
export const FNOMCEO_DEMO: ConventionSetup = {
  convention: {
    code: 'FNOMCEO',
    name: 'Convenzione FNOMCEO (pagamento a carico dell’Iscritto)',
    payer: 'member',
    durationsYears: [1, 2, 3],
    reminderOffsetsDays: [60, 30, 15, 7, 1],
    registerWarningDays: 30,
    renewableWindowDays: 90,
    lateRenewalFrom: 'expiry',
  },
  prices: [
    { years: 1, netCents: 1000, vatBasisPoints: 2200, isDemo: true },
    { years: 2, netCents: 1800, vatBasisPoints: 2200, isDemo: true },
    { years: 3, netCents: 2500, vatBasisPoints: 2200, isDemo: true },
  ],
}
