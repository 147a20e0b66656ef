import fastifyMultipart from '@fastify/multipart'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { isCalendarDate, type CalendarDate } from '../../core/calendar'
import { DomainError } from '../../core/errors'
import { assignHeldPayment } from '../../flows/assign-payment'
import { storeSlips } from '../../flows/imports/import-slips'
import { storeStatement } from '../../flows/imports/import-statement'
import type { StoredImport } from '../../flows/imports/store-import'
import { registerPayment } from '../../flows/register-payment'
import { listHeldPayments, listRefundsDue } from '../../payments/held/list-held'
import { markNotOurs } from '../../payments/held/resolve-held'
import { findImport } from '../../payments/imports/queries'
import { StatementError } from '../../payments/offline/read-statement'
import { PosteReportError } from '../../payments/postal/poste-report'
import { refundPayment } from '../../payments/refund-payment'
import { PAYMENT_METHODS, type PaymentMethod } from '../../renewals/schema'
import type { Services } from '../../services'
import { describeFileRefusal } from '../admin/import-view'
import { UploadRefused, withUpload, type Upload } from '../admin/receive-upload'
import { pageOfList } from './pages'
import { apiActor, apiLanguage } from './plugin'
import { bodyOf, HELD_PAYMENT, IMPORT_JOB, listOf, PAGE_QUERY, paramsOf, PAYMENT_REGISTRATION, queryOf, REFUND, REFUND_DUE, responses, types } from './schemas'

const PAYMENT_ID = paramsOf({ id: { type: 'integer', minimum: 1, maximum: 2 ** 53 - 1 } })
const REASON = { type: 'string', minLength: 1, maxLength: 2000, description: 'Kept in the audit trail' } as const

/**
 * Issue 15: payments registered by hand (the same settlement as every channel: R4, R8), held
 * payments and their resolution, refunds due and recorded, and statements and slips uploaded
 * (stored, then settled in the background: the answer is the import to poll).
 */
export async function moneyRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps, config, gateways } = services
  const maxBytes = config.uploadMaxMb * 1024 * 1024
  await app.register(fastifyMultipart, { limits: { fileSize: maxBytes, files: 1 } })
  app.addHook('onClose', () => services.imports.stop())

  app.post<{ Body: { order: string; amountCents: number; method: PaymentMethod; reference: string; reason?: string } }>(
    '/payments',
    {
      config: { apiScope: 'payments' },
      schema: {
        summary: 'Register a payment',
        description:
          'A payment received outside the gateways (a transfer seen in the bank, a slip), settled as every channel settles (R4): exactly the total pays the order and extends the expiry from E; another amount is held for review; a second payment of a paid order is a duplicate to refund. (method, reference) is unique (R8): the same one again changes nothing (replayed: true).',
        tags: ['payments'],
        body: bodyOf(
          {
            order: { type: 'string', minLength: 1, maxLength: 64, description: 'The order ID as the payer quoted it (check digits verified)' },
            amountCents: { type: 'integer', minimum: 1, maximum: 2_147_483_647 },
            method: { type: 'string', enum: [...PAYMENT_METHODS] },
            reference: { type: 'string', minLength: 1, maxLength: 200, description: 'The bank’s or the slip’s reference (CRO/TRN …)' },
            reason: REASON,
          },
          ['order', 'amountCents', 'method', 'reference'],
        ),
        response: responses({ 201: PAYMENT_REGISTRATION }),
      },
    },
    async (request, reply) => {
      const { order, amountCents, method, reference, reason } = request.body
      const registered = await registerPayment(deps, { orderRef: order, amountCents, method, reference, actor: apiActor(request) }, { reason: reason?.trim() || 'API' })
      return reply.code(201).send({
        object: 'payment',
        id: registered.paymentId,
        outcome: registered.outcome,
        reason: registered.reason ?? null,
        orderId: registered.orderId,
        expiresOn: registered.expiresOn,
        replayed: registered.replayed,
      })
    },
  )

  app.get<{ Querystring: { limit: number; starting_after?: string } }>(
    '/payments/held',
    {
      config: { apiScope: 'payments' },
      schema: {
        summary: 'Payments to resolve',
        description: 'Held payments (an amount that does not match, a ceased mailbox …) and payments that named no order, oldest first.',
        tags: ['payments'],
        querystring: queryOf(PAGE_QUERY),
        response: responses({ 200: listOf(HELD_PAYMENT) }),
      },
    },
    async (request) => {
      const held = (await listHeldPayments(deps.db)).map((p) => ({
        object: 'payment',
        id: p.id,
        amountCents: p.amountCents,
        method: p.method,
        source: p.source,
        receivedAt: p.receivedAt,
        reason: p.reason,
        orderId: p.orderId,
        candidateOrderId: p.candidateOrderId,
        payer: p.payer,
        payerIban: p.payerIban,
        causale: p.causale,
        paidOn: p.paidOn,
      }))
      return pageOfList(held, (p) => String(p.id), request.query)
    },
  )

  app.post<{ Params: { id: number }; Body: { action: 'assign' | 'not_ours'; order?: string; acceptDifference?: boolean; reason: string } }>(
    '/payments/:id/resolve',
    {
      config: { apiScope: 'payments' },
      schema: {
        summary: 'Resolve a held payment',
        description:
          'assign: to an order (the same settlement: less than the total pays only with acceptDifference; more leaves a refund due). not_ours: the money is not for us, a refund is due.',
        tags: ['payments'],
        params: PAYMENT_ID,
        body: bodyOf(
          { action: { type: 'string', enum: ['assign', 'not_ours'] }, order: { type: 'string', minLength: 1, maxLength: 64 }, acceptDifference: { type: 'boolean' }, reason: REASON },
          ['action', 'reason'],
        ),
        response: responses({
          200: {
            oneOf: [
              bodyOf(
                {
                  object: { type: 'string', const: 'payment_resolution' },
                  action: { type: 'string', const: 'assign' },
                  paymentId: types.INTEGER,
                  orderId: types.STRING,
                  registeredPaymentId: types.INTEGER,
                  appliedCents: types.CENTS,
                  acceptedDifferenceCents: types.CENTS,
                  refundDueCents: types.CENTS,
                  expiresOn: types.NULLABLE_DATE,
                },
                ['object', 'action', 'paymentId', 'orderId', 'registeredPaymentId', 'appliedCents', 'acceptedDifferenceCents', 'refundDueCents', 'expiresOn'],
              ),
              bodyOf(
                { object: { type: 'string', const: 'payment_resolution' }, action: { type: 'string', const: 'not_ours' }, paymentId: types.INTEGER, refundCents: types.CENTS },
                ['object', 'action', 'paymentId', 'refundCents'],
              ),
            ],
          },
        }),
      },
    },
    async (request) => {
      const { action, order, acceptDifference, reason } = request.body
      const actor = apiActor(request)
      if (action === 'not_ours') {
        const done = await markNotOurs(deps, { paymentId: request.params.id, reason, actor })
        return { object: 'payment_resolution', action, ...done }
      }
      if (!order) throw new DomainError('order_id_invalid', 'order is required to assign')
      const done = await assignHeldPayment(deps, { paymentId: request.params.id, orderRef: order, reason, acceptDifference, actor })
      return { object: 'payment_resolution', action, ...done }
    },
  )

  app.get<{ Querystring: { limit: number; starting_after?: string } }>(
    '/refunds',
    {
      config: { apiScope: 'payments' },
      schema: { summary: 'Refunds due', tags: ['refunds'], querystring: queryOf(PAGE_QUERY), response: responses({ 200: listOf(REFUND_DUE) }) },
    },
    async (request) => {
      const due = (await listRefundsDue(deps.db)).map((r) => ({
        object: 'refund_due',
        id: r.id,
        paymentId: r.id,
        amountCents: r.amountCents,
        refundCents: r.refundCents,
        refundReason: r.refundReason,
        method: r.method,
        gateway: r.gateway,
        orderId: r.holderOrderId ?? r.orderId,
        payer: r.payer,
        payerIban: r.payerIban,
      }))
      return pageOfList(due, (r) => String(r.id), request.query)
    },
  )

  app.post<{ Params: { id: number }; Body: { refundedOn?: string; transferRef?: string; iban?: string } }>(
    '/refunds/:id',
    {
      config: { apiScope: 'payments' },
      schema: {
        summary: 'Record a refund',
        description:
          'Refunds payment :id, when a refund is due. A card or PayPal payment is refunded through its gateway (no body needed); for a transfer or a slip, the operator’s bank transfer is recorded: refundedOn and transferRef (CRO/TRN) are required.',
        tags: ['refunds'],
        params: PAYMENT_ID,
        body: bodyOf({ refundedOn: types.DATE, transferRef: { type: 'string', minLength: 1, maxLength: 200 }, iban: { type: 'string', maxLength: 64 } }, []),
        response: responses({ 200: REFUND }),
      },
    },
    async (request) => {
      const { refundedOn, transferRef, iban } = request.body
      if (refundedOn !== undefined && !isCalendarDate(refundedOn)) throw new DomainError('invalid_input', 'refundedOn')
      const refund = await refundPayment(deps, gateways, {
        paymentId: request.params.id,
        actor: apiActor(request),
        ...(refundedOn ? { bankTransfer: { refundedOn: refundedOn as CalendarDate, transferRef: transferRef ?? '', ...(iban ? { iban } : {}) } } : {}),
      })
      return { object: 'refund', ...refund }
    },
  )

  const uploads: Array<{ path: string; summary: string; store(upload: Upload, actor: string): Promise<StoredImport> }> = [
    {
      path: '/imports/statements',
      summary: 'Upload a bank statement',
      store: (upload, actor) => storeStatement(deps, upload.path, { actor, fileName: upload.filename, ...(upload.fields.format === 'camt053' || upload.fields.format === 'cbi-rh' ? { format: upload.fields.format } : {}) }),
    },
    { path: '/imports/slips', summary: 'Upload Poste’s slips report', store: (upload, actor) => storeSlips(deps, upload.path, { actor, fileName: upload.filename }) },
  ]
  for (const kind of uploads) {
    app.post(
      kind.path,
      {
        config: { apiScope: 'payments' },
        schema: {
          summary: kind.summary,
          description:
            'multipart/form-data with the file in the field `file` (statements: camt.053 or CBI RH, detected; `format` may name it). The file is stored at once and settled in the background: the answer (202) is the import, to poll at /imports/{id} until status is settled. The same file again answers its first import (storedBefore: true).',
          tags: ['imports'],
          consumes: ['multipart/form-data'],
          response: responses({ 202: IMPORT_JOB }),
        },
      },
      async (request, reply) => {
        let stored: StoredImport
        try {
          stored = await withUpload(app, request, reply, maxBytes, (upload) => kind.store(upload, apiActor(request)), false)
        } catch (error) {
          throw uploadRefusal(error, request)
        }
        services.imports.start(stored.importId)
        return reply.code(202).send(await importJob(stored.importId, !stored.storedNow))
      },
    )
  }

  app.get<{ Params: { id: number } }>(
    '/imports/:id',
    {
      config: { apiScope: 'payments' },
      schema: { summary: 'An import’s progress and result', tags: ['imports'], params: PAYMENT_ID, response: responses({ 200: IMPORT_JOB }) },
    },
    async (request) => importJob(request.params.id, false),
  )

  async function importJob(id: number, storedBefore: boolean) {
    const row = await findImport(deps.db, id)
    if (!row) throw new DomainError('import_not_found', String(id))
    const { digest: _digest, actor: _actor, ...facts } = row
    return { object: 'import', ...facts, status: row.settledAt ? 'settled' : 'settling', storedBefore }
  }
}

/** An upload refused before anything was stored, as the table's refusal. */
function uploadRefusal(error: unknown, request: FastifyRequest): unknown {
  if (error instanceof UploadRefused) return new DomainError('invalid_input', `file: ${error.problem}`)
  if (error instanceof StatementError || error instanceof PosteReportError) {
    const { message, detail } = describeFileRefusal(error, apiLanguage(request))
    return new DomainError('invalid_input', detail ? `${message} (${detail})` : message)
  }
  return error
}
