import { sql } from 'drizzle-orm'
import { bigint, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core'
import { conventions } from '../catalog/schema'

/** What a token may do on /api/v1 (api-tokens/scopes.ts says which route asks for which). */
export const API_SCOPES = ['read', 'payments', 'orders', 'admin'] as const
export type ApiScope = (typeof API_SCOPES)[number]

/**
 * Issue 15: a token of the provider's other systems (CRM, ERP, helpdesk) or of a convention partner.
 * The token is random (256 bits), shown once; only its SHA-256 is kept (a token is not a password:
 * nothing to slow down a guess of 2^256), with its first characters to recognise it in a list.
 */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** Who the audit names for its calls (api:NAME): unique among tokens not revoked. */
    name: text('name').notNull(),
    /** pecr_live_ and the first characters of the secret part: enough to tell tokens apart, nothing to guess from. */
    prefix: text('prefix').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    scopes: text('scopes').array().notNull(),
    /** A partner's token: that convention's mailboxes only, read-only. */
    conventionCode: text('convention_code').references(() => conventions.code),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    createdBy: text('created_by').notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedBy: text('revoked_by'),
    /** Updated at most once a minute per token: a read is not a write. */
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('api_tokens_live_name').on(t.name).where(sql`${t.revokedAt} IS NULL`),
    check('api_tokens_partner_read_only', sql`${t.conventionCode} IS NULL OR ${t.scopes} = ARRAY['read']::text[]`),
  ],
)

/**
 * Issue 15: a POST's Idempotency-Key, per token: the first request's answer kept, so a retry gets
 * it again and never makes a second order or payment. The primary key lets one request of several
 * concurrent ones in; the others find its row (pending: 409; done: its answer).
 */
export const apiIdempotencyKeys = pgTable(
  'api_idempotency_keys',
  {
    tokenId: bigint('token_id', { mode: 'number' }).notNull().references(() => apiTokens.id),
    key: text('key').notNull(),
    /** SHA-256 of method, path and body: the same key with another request is refused (422). */
    requestHash: text('request_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    responseStatus: integer('response_status'),
    responseType: text('response_type'),
    responseBody: text('response_body'),
  },
  (t) => [primaryKey({ columns: [t.tokenId, t.key] }), index('api_idempotency_created').on(t.createdAt)],
)

/** Issue 15: every call, in a light table (writes are audited in audit_log by their use case as well). */
export const apiRequests = pgTable(
  'api_requests',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    tokenId: bigint('token_id', { mode: 'number' }).notNull(),
    method: text('method').notNull(),
    route: text('route').notNull(),
    status: integer('status').notNull(),
    /** The request's resource (a mailbox address, an order ID), when it names one. */
    target: text('target'),
    requestId: text('request_id'),
    detail: jsonb('detail'),
  },
  (t) => [index('api_requests_token_at').on(t.tokenId, t.at)],
)
