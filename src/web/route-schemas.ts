import type { FastifySchema } from 'fastify'

/**
 * The JSON Schemas the routes declare (issue 10 §4), shared by the portal and the back office. What a
 * schema refuses answers invalid_input (400) in the table's words (frame.ts). An id in the URL is
 * only bounded here: whether it names something the caller may see stays the handler's 404, so an
 * outsider learns nothing from the difference between a malformed id and another holder's.
 */

type Property = Record<string, unknown>

/** An object of the given properties; others are let through (e.g. ?lang=, a form's _csrf). */
export function objectOf(properties: Record<string, Property>, required: string[] = []) {
  return { type: 'object', properties, required } as const
}

/** A text of at most `maxLength` characters (a query flag, a token, a form field). */
export const textOf = (maxLength: number): Property => ({ type: 'string', maxLength })

/** :orderId as people type it ("K7MR-4DXP-52", any case); parseOrderId decides whether it is one. */
export const OrderIdParams = objectOf({ orderId: { type: 'string', minLength: 1, maxLength: 32 } }, ['orderId'])

/** :mailboxId; the wizard reads the digits and answers 404 for anything else. */
export const MailboxIdParams = objectOf({ mailboxId: { type: 'string', minLength: 1, maxLength: 32 } }, ['mailboxId'])

/** A row's numeric :id in the back office. */
export const RowIdParams = objectOf({ id: { type: 'integer', minimum: 1, maximum: 2 ** 53 - 1 } }, ['id'])

/** A same-site return path (?next=, ?ritorno=); safeNext still decides where it may lead. */
export const NEXT = textOf(2048)
/** A notice flag in the query after a redirect (?fatto=, ?uscito=, ?annullato=…). */
export const FLAG = textOf(64)
/** A token carried in a link (?t=, ?token=). */
export const TOKEN = textOf(1024)

/** A password as typed: bounded, so that no one makes the server hash a megabyte. */
export const PASSWORD = textOf(1024)

/**
 * A form's body: each field a text (a field sent twice is refused), _csrf along. Keyed by content
 * type, so a POST without a body is not the schema's to refuse: the CSRF check answers it (403).
 */
export function formBody(fields: Record<string, Property>) {
  const schema = objectOf({ _csrf: textOf(256), ...fields })
  return { content: { 'application/x-www-form-urlencoded': { schema }, 'application/json': { schema } } }
}

/** A form with nothing to send but its _csrf (cancel, pay, sign out): the CSRF check still decides. */
export const CSRF_ONLY = formBody({})

/** A page that reads nothing from the request (a query string is let through, as ?lang= is). */
export const NO_INPUT = { querystring: objectOf({}) }

/**
 * A file upload: what multipart can declare (the content type it consumes, for the API's
 * description); the fields and the file are read and bounded by @fastify/multipart and the handler.
 */
export const MULTIPART_UPLOAD: FastifySchema & { consumes: string[] } = { consumes: ['multipart/form-data'] }

/** A JSON answer that says why it refused: the table's code, and its words where a person reads them. */
export const JSON_REFUSAL = { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } }, required: ['error'], additionalProperties: true } as const

/** A note or reason an operator writes: generous, the capability keeps its own rules. */
export const FREE_TEXT = textOf(10_000)
