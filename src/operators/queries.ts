import { eq } from 'drizzle-orm'
import { clearSignInFailures } from '../accounts/sign-in-guard'
import { DomainError } from '../core/errors'
import type { Executor, Tx } from '../db/client'
import { operators, operatorSessions, operatorSignInFailures } from './schema'

export type OperatorRow = typeof operators.$inferSelect

/** The username as the table keeps it, from what was typed: trimmed, lower case. */
export function storedUsername(typed: string): string {
  return typed.trim().toLowerCase()
}

/** The operator, or operator_not_found: for a command that needs one before it asks for anything else. */
export async function findOperator(db: Executor, typed: string): Promise<OperatorRow> {
  const [row] = await db.select().from(operators).where(eq(operators.username, storedUsername(typed)))
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

/** Lifts a sign-in lockout on the operator, so they can sign in at once. */
export async function clearOperatorLockout(tx: Executor, username: string): Promise<void> {
  await clearSignInFailures(tx, username, operatorSignInFailures)
}
