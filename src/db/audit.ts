import type { Executor } from './client'
import { auditLog } from './audit-schema'

/** Who acts: holder:ACCOUNT, operator:NAME, system:lifecycle, gateway:NAME. */
export type Actor = string

export interface AuditEntry {
  actor: Actor
  action: string // mailbox.deactivated, order.placed, payment.paid …
  at: Date
  mailboxId?: number
  orderId?: string
  paymentId?: number
  reason?: string
  data?: unknown
}

/** R9: written in the same transaction as the change it explains. */
export async function audit(tx: Executor, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values(entry)
}
