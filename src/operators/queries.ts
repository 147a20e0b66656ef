import { eq } from 'drizzle-orm'
import { clearSignInFailures, type ClearedFailures } from '../accounts/sign-in-guard'
import { DomainError } from '../core/errors'
import { normaliseIdentifier } from '../core/identifiers'
import type { Executor, Tx } from '../db/client'
import { operators, operatorSessions, operatorSignInGuard } from './schema'

export type OperatorRow = typeof operators.$inferSelect

/** The username as the table keeps it and the sign-in guard counts it, from what was typed. */
export function storedUsername(typed: string): string {
  return normaliseIdentifier(typed)
}

/** The operator with this username as typed, or undefined. */
export async function findOperatorRow(db: Executor, typed: string): Promise<OperatorRow | undefined> {
  const [row] = await db.select().from(operators).where(eq(operators.username, storedUsername(typed)))
  return row
}

/** Some operators' password hashes: the decoy for an unknown username follows their scheme and cost. */
export async function sampleOperatorPasswordHashes(db: Executor, limit: number): Promise<string[]> {
  const rows = await db.select({ hash: operators.passwordHash }).from(operators).limit(limit)
  return rows.map((row) => row.hash)
}

/** The operator, or operator_not_found: for a command that needs one before it asks for anything else. */
export async function findOperator(db: Executor, typed: string): Promise<OperatorRow> {
  const row = await findOperatorRow(db, typed)
  if (!row) throw new DomainError('operator_not_found', storedUsername(typed))
  return row
}

/** The operator's row, locked until the transaction ends, so two administrators' changes queue; or operator_not_found. */
export async function lockOperator(tx: Tx, typed: string): Promise<OperatorRow> {
  const [row] = await tx.select().from(operators).where(eq(operators.username, storedUsername(typed))).for('update')
  if (!row) throw new DomainError('operator_not_found', storedUsername(typed))
  return row
}

/** Signs the operator out everywhere; returns how many sessions were open (or stored, expired, not yet swept). */
export async function closeAllOperatorSessions(tx: Executor, username: string): Promise<number> {
  const closed = await tx.delete(operatorSessions).where(eq(operatorSessions.username, username)).returning({ tokenHash: operatorSessions.tokenHash })
  return closed.length
}

/** Forgets the operator's failed sign-ins (a reached ceiling, clients' waits), so they can sign in at once; what was cleared, or null. */
export async function clearOperatorLockout(tx: Executor, username: string): Promise<ClearedFailures | null> {
  return clearSignInFailures(tx, username, operatorSignInGuard)
}
