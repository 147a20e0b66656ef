import { eq, sql } from 'drizzle-orm'
import { DomainError } from '../../core/errors'
import { audit, type Actor } from '../../db/audit'
import { queryRows, type Tx } from '../../db/client'
import type { Deps } from '../../deps'
import { lockPayment } from '../reversal-queries'
import { paymentNotes, payments, type PaymentResolution } from '../schema'
import { TO_RESOLVE } from './list-held'

/** The longest reason or note kept (a paragraph: enough to explain, bounded). */
export const MAX_REASON_LENGTH = 2000

/** A reason an operator gives for an action (R9): required, trimmed, bounded. */
export function operatorReason(reason: string | undefined, code: 'reason_required' | 'note_required' | 'approval_reason_required' | 'rejection_reason_required' = 'reason_required'): string {
  const trimmed = (reason ?? '').trim()
  if (!trimmed) throw new DomainError(code)
  if (trimmed.length > MAX_REASON_LENGTH) throw new DomainError('invalid_input', `at most ${MAX_REASON_LENGTH} characters`)
  return trimmed
}

/**
 * Locks a payment to resolve (issue 11) and refuses one that is not, or no longer, to resolve: an
 * operator who clicks after another has resolved it is told so, and nothing changes.
 */
export async function lockPaymentToResolve(tx: Tx, paymentId: number) {
  const payment = await lockPayment(tx, paymentId)
  if (!payment) throw new DomainError('payment_not_found', String(paymentId))
  if (payment.resolution !== null || payment.refundStatus === 'refunded') throw new DomainError('payment_already_resolved', String(paymentId))
  const [row] = await queryRows<{ toResolve: boolean }>(tx, sql`SELECT ${TO_RESOLVE} AS "toResolve" FROM payments p WHERE p.id = ${paymentId}`)
  if (!row.toResolve) throw new DomainError('payment_not_to_resolve', String(paymentId))
  return payment
}

/** What resolving a held payment set on it: assigned (with what is left to refund) or not ours (all of it due back). */
export async function markResolved(
  tx: Tx,
  paymentId: number,
  resolution: PaymentResolution,
  values: { resolvedPaymentId?: number; refundCents?: number | null },
): Promise<void> {
  const refundDue = resolution === 'not_ours' || (values.refundCents ?? 0) > 0
  await tx
    .update(payments)
    .set({ resolution, resolvedPaymentId: values.resolvedPaymentId ?? null, refundStatus: refundDue ? 'due' : 'none', refundCents: values.refundCents ?? null })
    .where(eq(payments.id, paymentId))
}

export interface NotOursInput {
  paymentId: number
  reason: string
  actor: Actor
}

/**
 * Issue 11: a held or unmatched payment is not ours (a payer who meant someone else): it goes back to
 * the payer, so it becomes a refund due, all of it; audited with the operator and the reason.
 */
export async function markNotOurs(deps: Deps, input: NotOursInput): Promise<{ paymentId: number; refundCents: number }> {
  const reason = operatorReason(input.reason)
  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    const payment = await lockPaymentToResolve(tx, input.paymentId)
    await markResolved(tx, payment.id, 'not_ours', {})
    await audit(tx, {
      actor: input.actor,
      action: 'payment.not_ours',
      at: now,
      paymentId: payment.id,
      ...(payment.orderId ? { orderId: payment.orderId } : {}),
      reason,
      data: { amountCents: payment.amountCents, method: payment.method, reference: payment.reference, was: payment.reason ?? payment.outcome },
    })
    return { paymentId: payment.id, refundCents: payment.amountCents }
  })
}

/** Issue 11: an operator's note on a payment (what they found out), kept with it and audited. */
export async function addPaymentNote(deps: Deps, input: { paymentId: number; note: string; actor: Actor }): Promise<void> {
  const note = operatorReason(input.note, 'note_required')
  const now = deps.clock.now()
  await deps.db.transaction(async (tx) => {
    const payment = await lockPayment(tx, input.paymentId)
    if (!payment) throw new DomainError('payment_not_found', String(input.paymentId))
    await tx.insert(paymentNotes).values({ paymentId: payment.id, actor: input.actor, note, at: now })
    await audit(tx, { actor: input.actor, action: 'payment.noted', at: now, paymentId: payment.id, ...(payment.orderId ? { orderId: payment.orderId } : {}), reason: note })
  })
}
