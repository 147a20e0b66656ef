import { businessDate, type CalendarDate } from '../core/calendar'
import { DomainError } from '../core/errors'
import { newOrderId, type OrderId } from '../core/order-id'
import type { Tx } from '../db/client'
import { audit, type Actor } from '../db/audit'
import type { Deps } from '../deps'
import { findConvention, findPrice } from '../catalog/queries'
import * as queries from './queries'
import { extendedExpiry, isRenewable, priceOrder, renewalBase } from './rules'
import { PAYMENT_METHODS, type AcceptedContract, type BillingData, type OrderStatus, type PaymentMethod } from './schema'

export { findOpenOrder } from './queries'

export interface PlaceOrderInput {
  mailboxId: number
  years: number
  method: PaymentMethod
  actor: Actor // holder:ACCOUNT or operator:NAME
  /** Absent: a snapshot of the account holder (name, fiscal code, reference e-mail). */
  billing?: BillingData
  acceptedContracts?: AcceptedContract[]
  /** A holder's own account: the mailbox must belong to it, else mailbox_not_found. */
  accountId?: string
  /** Why an operator placed or changed it (issue 11: an order on the phone), kept in the audit row (R9). */
  reason?: string
}

export interface PlacedOrder {
  orderId: OrderId
  mailboxAddress: string
  accountId: string
  years: number
  netCents: number
  vatCents: number
  totalCents: number
  method: PaymentMethod
  status: OrderStatus
  /** R4/R6: the projection if the order were paid today. */
  extendsFrom: CalendarDate
  newExpiresOn: CalendarDate
  /** R3: an open order already existed and was taken up again. */
  resumed: boolean
}

/** Extra work done inside the order's own transaction (issue 3: the wizard's e-mails). */
export interface PlaceOrderHooks {
  /**
   * Runs in the order's transaction once it is placed or resumed, with the fields a resumed order
   * changed (none for a new order or an unchanged resume), so e-mails about it are queued with it
   * (R8). Throwing rolls the order back.
   */
  onPlaced?: (tx: Tx, order: PlacedOrder, changedFields: string[]) => Promise<void>
}

const ATTEMPTS = 3

/**
 * R3: places a renewal order for a mailbox, or resumes its open one (updating duration, method,
 * billing and price when they changed). The mailbox row is locked, so concurrent calls take turns;
 * should another path still race us, the unique index orders_one_open_per_mailbox refuses the
 * second open order and the retry resumes the first.
 */
export async function placeOrder(deps: Deps, input: PlaceOrderInput, hooks: PlaceOrderHooks = {}): Promise<PlacedOrder> {
  if (!Number.isInteger(input.years) || input.years < 1) throw new DomainError('invalid_input', `years: ${input.years}`)
  if (!PAYMENT_METHODS.includes(input.method)) throw new DomainError('payment_method_unknown', String(input.method))
  const now = deps.clock.now()
  const today = businessDate(now, deps.config.businessTimeZone)
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.db.transaction(async (tx) => {
        const { order, changedFields } = await placeOrResume(tx, input, now, today)
        // Issue 14: billing data confirmed with an order is where the account's next renewal starts.
        if (input.billing) await queries.saveBillingProfile(tx, order.accountId, input.billing, order.orderId, now)
        await hooks.onPlaced?.(tx, order, changedFields)
        return order
      })
    } catch (error) {
      if (attempt < ATTEMPTS && uniqueOpenOrderRace(error)) continue
      throw error
    }
  }
}

function uniqueOpenOrderRace(error: unknown): boolean {
  return queries.uniqueViolation(error) === 'orders_one_open_per_mailbox'
}

async function placeOrResume(
  tx: Tx,
  input: PlaceOrderInput,
  now: Date,
  today: CalendarDate,
): Promise<{ order: PlacedOrder; changedFields: string[] }> {
  const mailbox = await queries.lockMailbox(tx, input.mailboxId)
  if (!mailbox || (input.accountId !== undefined && mailbox.accountId !== input.accountId)) {
    throw new DomainError('mailbox_not_found', String(input.mailboxId))
  }
  const convention = await findConvention(tx, mailbox.conventionCode)
  if (!convention) throw new DomainError('convention_not_found', mailbox.conventionCode)
  if (!isRenewable(mailbox, convention, today)) throw new DomainError('mailbox_ceased', mailbox.address)
  if (!convention.durationsYears.includes(input.years)) throw new DomainError('duration_not_offered', `${input.years}`)
  const extendsFrom = renewalBase(mailbox, convention, today)
  const projection = { extendsFrom, newExpiresOn: extendedExpiry(extendsFrom, input.years) }

  const open = await queries.findOpenOrder(tx, mailbox.id)
  // Issue 11: an order is priced by the list in force on the day it was placed; a resumed order
  // keeps that day's prices even after a new price list took effect.
  const pricedOn = open?.placedOn ?? today
  const price = await findPrice(tx, convention.code, input.years, pricedOn)
  if (!price) throw new DomainError('price_missing', `${convention.code} ${input.years} ${pricedOn}`)
  const priced = priceOrder(price)
  if (open) {
    const wanted = {
      years: input.years,
      ...priced,
      method: input.method,
      ...(input.billing ? { billing: input.billing } : {}),
      ...(input.acceptedContracts ? { acceptedContracts: input.acceptedContracts } : {}),
    }
    const changes = changedFields(open, wanted)
    let order = open
    if (Object.keys(changes).length > 0) {
      const updated = await queries.updateOpenOrder(tx, open.id, wanted)
      if (!updated) throw new DomainError('order_not_open', open.id) // lapsed meanwhile, outside the mailbox lock
      order = updated
      // R9: what changed, from what to what (a method change before payment is allowed, R3)
      await audit(tx, { actor: input.actor, action: 'order.updated', at: now, mailboxId: mailbox.id, orderId: open.id, reason: input.reason, data: changes })
    }
    return { order: placed(order, mailbox.address, projection, true), changedFields: Object.keys(changes) }
  }

  const account = (await queries.findAccount(tx, mailbox.accountId))!
  const billing = input.billing ?? {
    name: `${account.firstName} ${account.lastName}`,
    fiscalCode: account.fiscalCode,
    email: account.referenceEmail,
  }
  for (;;) {
    // R3: a fresh short ID with check digits; on the rare collision draw another
    const order = await queries.insertOrder(tx, {
      id: newOrderId(),
      mailboxId: mailbox.id,
      accountId: mailbox.accountId,
      status: 'open',
      years: input.years,
      ...priced,
      method: input.method,
      billing,
      acceptedContracts: input.acceptedContracts ?? [],
      placedBy: input.actor,
      placedAt: now,
      placedOn: today,
    })
    if (!order) continue
    await audit(tx, {
      actor: input.actor,
      action: 'order.placed',
      at: now,
      reason: input.reason,
      mailboxId: mailbox.id,
      orderId: order.id,
      data: { years: order.years, totalCents: order.totalCents, method: order.method, ...projection },
    })
    return { order: placed(order, mailbox.address, projection, false), changedFields: [] }
  }
}

function placed(
  order: queries.OrderRow,
  mailboxAddress: string,
  projection: { extendsFrom: CalendarDate; newExpiresOn: CalendarDate },
  resumed: boolean,
): PlacedOrder {
  return {
    orderId: order.id,
    mailboxAddress,
    accountId: order.accountId,
    years: order.years,
    netCents: order.netCents,
    vatCents: order.vatCents,
    totalCents: order.totalCents,
    method: order.method,
    status: order.status,
    ...projection,
    resumed,
  }
}

/** The fields of `wanted` that differ from the stored order, as { field: { from, to } }. */
function changedFields(stored: queries.OrderRow, wanted: Record<string, unknown>): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {}
  for (const [field, to] of Object.entries(wanted)) {
    const from = stored[field as keyof queries.OrderRow]
    if (canonicalJson(from) !== canonicalJson(to)) changes[field] = { from, to }
  }
  return changes
}

/** JSON with object keys sorted, so a billing snapshot read back from jsonb compares equal. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  )
}
