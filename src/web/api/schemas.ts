import { PAYMENT_OUTCOMES } from '../../payments/schema'
/**
 * Issue 15: the JSON Schemas of /api/v1, from which @fastify/swagger writes the OpenAPI document.
 * Every route answers its success and the error shape for each status it may refuse with.
 */

type Schema = Record<string, unknown>

const STRING = { type: 'string' } as const
const NULLABLE_STRING = { type: ['string', 'null'] } as const
const INTEGER = { type: 'integer' } as const
const DATE = { type: 'string', format: 'date', description: 'A calendar date in Europe/Rome (YYYY-MM-DD)' } as const
const NULLABLE_DATE = { type: ['string', 'null'], format: 'date' } as const
const INSTANT = { type: 'string', format: 'date-time' } as const
const NULLABLE_INSTANT = { type: ['string', 'null'], format: 'date-time' } as const
const CENTS = { type: 'integer', description: 'Euro cents' } as const

export const types = { STRING, NULLABLE_STRING, INTEGER, DATE, NULLABLE_DATE, INSTANT, NULLABLE_INSTANT, CENTS }

/** An object with exactly these properties, all required unless listed as optional. */
export function objectSchema(properties: Record<string, Schema>, optional: string[] = [], description?: string): Schema {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    additionalProperties: false,
  }
}

/** `{error: {code, message, details}}`: the code from the table in core/error-codes.ts. */
export const ERROR = objectSchema(
  {
    error: objectSchema({
      code: { type: 'string', description: 'A stable code (core/error-codes.ts): branch on it, never on the message' },
      message: { type: 'string', description: 'In Italian, or English with Accept-Language: en' },
      details: { description: 'What was refused (a field, a value), or null' },
    }),
  },
  [],
  'A refusal',
)

const ERROR_STATUSES = [400, 401, 403, 404, 409, 422, 429] as const

/** The responses of a route: its success, and the error shape for every refusal status. */
export function responses(success: Record<number, Schema>): Record<number, Schema> {
  return { ...success, ...Object.fromEntries(ERROR_STATUSES.map((s) => [s, ERROR])) }
}

/** A page of a list, as Stripe's: `{object: 'list', data, has_more}`; the next page starts after the last item's id. */
export function listOf(item: Schema): Schema {
  return objectSchema({ object: { type: 'string', const: 'list' }, data: { type: 'array', items: item }, has_more: { type: 'boolean' } })
}

/** ?limit=&starting_after= */
export const PAGE_QUERY = {
  limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  starting_after: { type: 'string', maxLength: 320, description: 'The id of the last item of the previous page' },
} as const

export function queryOf(properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: 'object', properties, required, additionalProperties: false }
}

export function paramsOf(properties: Record<string, Schema>): Schema {
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false }
}

export function bodyOf(properties: Record<string, Schema>, required: string[]): Schema {
  return { type: 'object', properties, required, additionalProperties: false }
}

export const MAILBOX_STATUS = { type: 'string', enum: ['active', 'deactivated', 'ceased'] } as const
export const ORDER_ID = { type: 'string', minLength: 1, maxLength: 32, description: 'An order ID as printed (K7MR-4DXP-52), any case' } as const
export const ADDRESS = { type: 'string', minLength: 3, maxLength: 320, description: 'A mailbox address (any case)' } as const

export const MAILBOX = objectSchema({
  object: { type: 'string', const: 'mailbox' },
  id: { type: 'string', description: 'The address: the mailbox’s id in this API' },
  address: STRING,
  status: MAILBOX_STATUS,
  expiresOn: DATE,
  accountId: STRING,
  convention: STRING,
  register: { type: 'string', enum: ['none', 'registro_imprese', 'ini_pec'] },
  openOrder: {
    oneOf: [
      { type: 'null' },
      objectSchema({ orderId: STRING, years: INTEGER, totalCents: CENTS, method: STRING, placedOn: DATE }),
    ],
  },
})

export const MAILBOX_MATCH = objectSchema({
  object: { type: 'string', const: 'mailbox' },
  id: STRING,
  address: STRING,
  status: MAILBOX_STATUS,
  expiresOn: DATE,
  accountId: STRING,
  convention: STRING,
  holder: STRING,
  fiscalCode: STRING,
})

export const HISTORY_ENTRY = objectSchema({
  object: { type: 'string', const: 'audit_entry' },
  id: STRING,
  at: INSTANT,
  actor: { type: 'string', description: 'holder:ID, operator:NAME, system:…, gateway:NAME, api:TOKEN' },
  action: STRING,
  reason: NULLABLE_STRING,
  data: {},
})

export const ACCOUNT = objectSchema({
  object: { type: 'string', const: 'account' },
  id: STRING,
  name: STRING,
  fiscalCode: STRING,
  referenceEmail: STRING,
  language: { type: 'string', enum: ['it', 'en'] },
  createdAt: INSTANT,
  mailboxes: { type: 'array', items: objectSchema({ address: STRING, status: MAILBOX_STATUS, expiresOn: DATE }) },
})

const ORDER_PAYMENT = objectSchema({ id: INTEGER, method: STRING, reference: STRING, amountCents: CENTS, outcome: STRING, refundStatus: STRING, receivedAt: INSTANT })

export const ORDER = objectSchema({
  object: { type: 'string', const: 'order' },
  id: STRING,
  status: { type: 'string', enum: ['open', 'paid', 'cancelled', 'lapsed'] },
  mailbox: STRING,
  accountId: STRING,
  years: INTEGER,
  netCents: CENTS,
  vatCents: CENTS,
  totalCents: CENTS,
  method: STRING,
  placedOn: DATE,
  paidAt: NULLABLE_INSTANT,
  newExpiresOn: NULLABLE_DATE,
  payments: { type: 'array', items: ORDER_PAYMENT },
  invoices: { type: 'array', items: objectSchema({ number: STRING, kind: STRING, issuedOn: DATE, totalCents: CENTS, state: STRING }) },
})

/** An order as placed: the order, and whether it was the mailbox's open order taken up again. */
export const PLACED_ORDER = objectSchema({
  ...(ORDER.properties as Record<string, Schema>),
  resumed: { type: 'boolean', description: 'R3: the mailbox’s open order, taken up again (never a second one)' },
})

export const PAYMENT_REGISTRATION = objectSchema({
  object: { type: 'string', const: 'payment' },
  id: INTEGER,
  outcome: { type: 'string', enum: [...PAYMENT_OUTCOMES] },
  reason: NULLABLE_STRING,
  orderId: NULLABLE_STRING,
  expiresOn: NULLABLE_DATE,
  replayed: { type: 'boolean', description: 'R8: this (method, reference) was registered before; nothing changed' },
})

export const HELD_PAYMENT = objectSchema({
  object: { type: 'string', const: 'payment' },
  id: INTEGER,
  amountCents: CENTS,
  method: STRING,
  source: STRING,
  receivedAt: INSTANT,
  reason: STRING,
  orderId: NULLABLE_STRING,
  candidateOrderId: NULLABLE_STRING,
  payer: NULLABLE_STRING,
  payerIban: NULLABLE_STRING,
  causale: STRING,
  paidOn: NULLABLE_DATE,
})

export const REFUND_DUE = objectSchema({
  object: { type: 'string', const: 'refund_due' },
  id: INTEGER,
  paymentId: INTEGER,
  amountCents: CENTS,
  refundCents: CENTS,
  refundReason: STRING,
  method: STRING,
  gateway: NULLABLE_STRING,
  orderId: NULLABLE_STRING,
  payer: NULLABLE_STRING,
  payerIban: NULLABLE_STRING,
})

export const REFUND = objectSchema({
  object: { type: 'string', const: 'refund' },
  paymentId: INTEGER,
  orderId: NULLABLE_STRING,
  amountCents: CENTS,
  method: STRING,
  gateway: NULLABLE_STRING,
  refundRef: NULLABLE_STRING,
  replayed: { type: 'boolean' },
})

export const LIFECYCLE_PREVIEW = objectSchema({
  object: { type: 'string', const: 'lifecycle_preview' },
  date: DATE,
  reminders: INTEGER,
  deactivated: INTEGER,
  ceased: INTEGER,
  registerWarnings: INTEGER,
  skippedReminders: INTEGER,
  actions: {
    type: 'array',
    items: objectSchema({
      address: STRING,
      action: { type: 'string', enum: ['reminder', 'deactivate', 'cease'] },
      expiresOn: DATE,
      offsetDays: { type: ['integer', 'null'] },
      skippedOffsets: { type: 'array', items: INTEGER },
      register: STRING,
      registerWarning: { type: 'boolean' },
    }),
  },
})

export const IMPORT_JOB = objectSchema({
  object: { type: 'string', const: 'import' },
  id: INTEGER,
  status: { type: 'string', enum: ['settling', 'settled'] },
  format: STRING,
  fileName: STRING,
  storedBefore: { type: 'boolean', description: 'The same file was uploaded before: this is its import' },
  entries: INTEGER,
  settled: INTEGER,
  registered: INTEGER,
  held: INTEGER,
  duplicates: INTEGER,
  ignored: INTEGER,
  stagedAt: INSTANT,
  settledAt: NULLABLE_INSTANT,
})

export const INVOICE = objectSchema({
  object: { type: 'string', const: 'invoice' },
  id: { type: 'string', description: 'The invoice’s number as a URL segment: 2027-000123 or 2027-000123-PEC' },
  kind: { type: 'string', enum: ['invoice', 'credit_note'] },
  number: STRING,
  issuedOn: DATE,
  orderId: STRING,
  buyer: STRING,
  totalCents: CENTS,
  state: STRING,
  refersTo: NULLABLE_STRING,
})

export const LAPSED_MAILBOX = objectSchema({
  object: { type: 'string', const: 'lapsed_mailbox' },
  address: STRING,
  event: { type: 'string', enum: ['deactivated', 'ceased'] },
  on: DATE,
  status: MAILBOX_STATUS,
  convention: STRING,
  fiscalCode: STRING,
  holder: STRING,
  register: STRING,
})
