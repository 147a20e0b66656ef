import { findConvention } from '../catalog/queries'
import type { Tx } from '../db/client'
import { enqueueMail } from '../notifications/outbox'
import type { PlacedOrder } from '../renewals/place-order'
import { findAccount, findMailbox, findOrder } from '../renewals/queries'
import { openOrderFacts } from '../renewals/rules'

// What the order summary repeats: a change to any of these sends it again.
const SUMMARY_FIELDS = ['years', 'totalCents', 'method']

/**
 * The order e-mails, in the account's language (R8: queued with the order, never twice): a new
 * order gets the summary (how to pay) and the confirmation; a resumed order whose duration, amount
 * or method changed gets an updated summary; an unchanged one nothing.
 */
export async function queueOrderMails(tx: Tx, placed: PlacedOrder, changedFields: string[], now: Date): Promise<void> {
  const updated = placed.resumed
  if (updated && !changedFields.some((f) => SUMMARY_FIELDS.includes(f))) return
  const order = (await findOrder(tx, placed.orderId))!
  const mailbox = (await findMailbox(tx, order.mailboxId))!
  const account = (await findAccount(tx, order.accountId))!
  const convention = (await findConvention(tx, mailbox.conventionCode))!
  const holderName = `${account.firstName} ${account.lastName}`
  const common = { language: account.language, recipient: account.referenceEmail, mailboxId: mailbox.id, orderId: order.id }
  await enqueueMail(
    tx,
    {
      ...common,
      template: 'order_summary',
      params: {
        holderName,
        mailbox: mailbox.address,
        accountId: account.id,
        years: order.years,
        netCents: order.netCents,
        vatCents: order.vatCents,
        order: openOrderFacts(order, mailbox, convention),
        extendsFrom: placed.extendsFrom,
        newExpiresOn: placed.newExpiresOn,
        updated,
      },
    },
    now,
  )
  if (updated) return
  await enqueueMail(
    tx,
    {
      ...common,
      template: 'order_confirmation',
      params: {
        holderName,
        mailbox: mailbox.address,
        accountId: account.id,
        orderId: order.id,
        placedOn: order.placedOn,
        years: order.years,
        totalCents: order.totalCents,
      },
    },
    now,
  )
}
