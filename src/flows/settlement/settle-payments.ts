import type { SQL } from 'drizzle-orm'
import { businessDate } from '../../core/calendar'
import type { Tx } from '../../db/client'
import { PAYMENT_KEY_CONSTRAINT } from '../../payments/queries'
import { uniqueViolation } from '../../renewals/queries'
import { claimPayments } from './claim'
import type { CheckedPayment, PaymentRegistration } from './payment'
import { settleBatch } from './settle-batch'
import { settlementEventWrites } from './events'
import { settlementWrites, writeAll } from './write'

/**
 * R4/R6/R8: settles a batch of payments in the caller's transaction, the same way for every channel
 * (a webhook and `payment register` are batches of one): claim (locks, then reads), decide (pure),
 * write (one statement). Settles the payments from the first up to the first whose order another
 * transaction holds, and answers for those; the caller settles the rest in its next batch. The
 * first payment's rows are waited for unless `waitForFirst` is false (a caller holding other rows).
 * `invoiceSeries` is the sezionale its invoices are numbered in (R11). `alsoWrite` adds the caller's own rows to the statement (an import's progress). Should another
 * transaction store one of these payments meanwhile, the statement fails on the unique key
 * (worthRetrying): the caller rolls back and settles the batch again, which then finds it stored.
 */
export async function settlePayments(
  tx: Tx,
  payments: readonly CheckedPayment[],
  // invoiceSeries is required so that no channel forgets its invoices: undefined only where invoicing is not configured
  at: { now: Date; timeZone?: string; waitForFirst?: boolean; invoiceSeries: string | undefined },
  alsoWrite: (registrations: PaymentRegistration[]) => SQL[] = () => [],
): Promise<PaymentRegistration[]> {
  const claim = await claimPayments(tx, payments, at.waitForFirst ?? true)
  const settling = payments.slice(0, claim.settleable)
  const today = businessDate(at.now, at.timeZone)
  const decisions = settleBatch(settling, claim, today)
  // R11: a payment that pays its order is invoiced on the day it is registered
  const { registrations, decided, writes } = settlementWrites(settling, decisions, claim.paymentIds, at.now, { issuedOn: today, series: at.invoiceSeries })
  const events = decided ? await settlementEventWrites(tx, writes, at.now) : [] // issue 15: webhooks' events, one call per batch
  await writeAll(tx, [...writes, ...events, ...alsoWrite(registrations)], decided)
  return registrations
}

/** Whether `error` asks for the transaction to be tried again: a deadlock victim, or a payment stored meanwhile (R8). */
export function worthRetrying(error: unknown): boolean {
  if (uniqueViolation(error) === PAYMENT_KEY_CONSTRAINT) return true
  for (let e = error as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '40P01') return true
  }
  return false
}
