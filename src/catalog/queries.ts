import { and, eq } from 'drizzle-orm'
import type { Executor } from '../db/client'
import { contractDocuments, contractVersions, conventions, prices } from './schema'

export type Convention = typeof conventions.$inferSelect
export type Price = typeof prices.$inferSelect

export async function findConvention(db: Executor, code: string): Promise<Convention | undefined> {
  const [row] = await db.select().from(conventions).where(eq(conventions.code, code))
  return row
}

export async function findPrice(db: Executor, conventionCode: string, years: number): Promise<Price | undefined> {
  const [row] = await db
    .select()
    .from(prices)
    .where(and(eq(prices.conventionCode, conventionCode), eq(prices.years, years)))
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
      .onConflictDoUpdate({ target: [prices.conventionCode, prices.years], set: price })
  }
}

export interface ContractSetup {
  document: typeof contractDocuments.$inferInsert
  versions: Array<Omit<typeof contractVersions.$inferInsert, 'documentCode'>>
}

export async function saveContract(db: Executor, setup: ContractSetup): Promise<void> {
  const { code, ...rest } = setup.document
  await db.insert(contractDocuments).values(setup.document).onConflictDoUpdate({ target: contractDocuments.code, set: rest })
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
