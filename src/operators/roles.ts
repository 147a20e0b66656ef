/**
 * What each back-office operator may do (issue 11, "Operators and roles"). Pure: the web's
 * preHandler (web/admin/roles.ts) and the command line ask the same questions here.
 *
 * - admin: everything, and operators and convention settings;
 * - billing: payments, refunds, orders, expiry changes — and what support does;
 * - support: search, look, re-send an e-mail, change a reference e-mail, lift a holder's lock;
 * - read-only: search and look.
 */
export const OPERATOR_ROLES = ['admin', 'billing', 'support', 'read-only'] as const
export type OperatorRole = (typeof OPERATOR_ROLES)[number]

/** A kind of back-office work; a route asks for one. */
export type OfficePermission = 'look' | 'support' | 'billing' | 'admin'

const GRANTS: Record<OperatorRole, readonly OfficePermission[]> = {
  admin: ['look', 'support', 'billing', 'admin'],
  billing: ['look', 'support', 'billing'],
  support: ['look', 'support'],
  'read-only': ['look'],
}

export function isOperatorRole(value: unknown): value is OperatorRole {
  return typeof value === 'string' && (OPERATOR_ROLES as readonly string[]).includes(value)
}

/** Whether an operator of this role may do this kind of work. */
export function mayDo(role: OperatorRole, permission: OfficePermission): boolean {
  return GRANTS[role].includes(permission)
}

/** Who moves money or manages operators signs in with a second factor (TOTP, RFC 6238). */
export function needsSecondFactor(role: OperatorRole): boolean {
  return SECOND_FACTOR_ROLES.includes(role)
}
const SECOND_FACTOR_ROLES: readonly OperatorRole[] = ['admin', 'billing']
