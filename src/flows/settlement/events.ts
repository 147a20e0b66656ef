import { sql } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { eventWrites, mailboxDataSql, subscribedEventTypes } from '../../events/emit'
import { invoiceDataSql } from '../../events/invoice-events'
import type { NamedWrite } from '../../invoicing/issue'
import type { Write } from './write'

/**
 * Issue 15: the events of a settlement batch, as further CTEs of the writer's one statement, read
 * from `decided` (as write.ts builds it) and from the invoices it numbers (`invoices_issued`):
 * payment.registered for every payment stored, payment.held for one left to an operator (held, or
 * matching no order), mailbox.renewed and invoice.issued for one that pays its order. Nothing when
 * no endpoint subscribes (read once per batch).
 */
export async function settlementEventWrites(tx: Tx, writes: readonly Write[], now: Date): Promise<NamedWrite[]> {
  const subscribed = await subscribedEventTypes(tx)
  if (subscribed.size === 0) return []
  const decided = sql`decided d LEFT JOIN mailboxes m ON m.id = d."mailboxId" LEFT JOIN accounts a ON a.id = m.account_id`
  const payment = sql`jsonb_build_object('id', d.id, 'orderId', d."orderId", 'amountCents', d."amountCents", 'method', d.method,
    'reference', d.reference, 'outcome', CASE d.outcome WHEN 'unknownOrder' THEN 'unknown_order' ELSE d.outcome END, 'reason', d.reason)`
  const mailbox = sql`CASE WHEN m.id IS NULL THEN 'null'::jsonb ELSE ${mailboxDataSql({
    m: sql`m`,
    a: sql`a`,
    status: sql`CASE WHEN d.outcome = 'paid' THEN 'active' ELSE m.status END`,
    expiresOn: sql`coalesce(d."newExpiresOn", m.expires_on)`,
  })} END`
  const invoiced = writes.some((w) => 'name' in w && w.name === 'invoices_issued')
  return [
    ...eventWrites(subscribed, 'events_registered', {
      type: 'payment.registered',
      from: sql`${decided} ORDER BY d.n`,
      conventionCode: sql`m.convention_code`,
      data: sql`jsonb_build_object('payment', ${payment}, 'mailbox', ${mailbox})`,
    }, now),
    ...eventWrites(subscribed, 'events_held', {
      type: 'payment.held',
      from: sql`${decided} WHERE d.outcome IN ('held', 'unknownOrder') ORDER BY d.n`,
      conventionCode: sql`m.convention_code`,
      data: sql`jsonb_build_object('payment', ${payment}, 'mailbox', ${mailbox}, 'orderTotalCents', d."totalCents")`,
    }, now),
    ...eventWrites(subscribed, 'events_renewed', {
      type: 'mailbox.renewed',
      from: sql`${decided} WHERE d.outcome = 'paid' ORDER BY d.n`,
      conventionCode: sql`m.convention_code`,
      data: sql`jsonb_build_object('mailbox', ${mailbox}, 'renewal', jsonb_build_object('orderId', d."orderId", 'paymentId', d.id,
        'previousExpiresOn', d."expiredOn", 'expiresOn', d."newExpiresOn", 'years', d.years, 'reactivated', coalesce(d.reactivates, false)))`,
    }, now),
    ...(invoiced
      ? eventWrites(subscribed, 'events_invoiced', {
          type: 'invoice.issued',
          from: sql`invoices_issued i JOIN mailboxes m ON m.id = (SELECT o.mailbox_id FROM orders o WHERE o.id = i.order_id) JOIN accounts a ON a.id = m.account_id ORDER BY i.number`,
          conventionCode: sql`m.convention_code`,
          data: sql`jsonb_build_object('invoice', ${invoiceDataSql('i')}, 'mailbox', ${mailboxDataSql({ m: sql`m`, a: sql`a`, status: sql`'active'` })})`,
        }, now)
      : []),
  ]
}
