import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify'
import { businessDate, formatDate, formatInstant, isCalendarDate, type CalendarDate } from '../../core/calendar'
import { DomainError, errorMessage, type ErrorCode } from '../../core/errors'
import { formatEuro, parseEuroAmount } from '../../core/money'
import { formatOrderId, parseOrderId, type OrderId } from '../../core/order-id'
import { PAYMENT_METHODS } from '../../core/vocabulary'
import { assignHeldPayment } from '../../flows/assign-payment'
import { registerPayment } from '../../flows/register-payment'
import { findPaymentFacts, listHeldPayments, listRefundsDue, type PaymentFacts, type RefundDue } from '../../payments/held/list-held'
import { addPaymentNote, markNotOurs } from '../../payments/held/resolve-held'
import { findPayment } from '../../payments/queries'
import { refundPayment } from '../../payments/refund-payment'
import { makeRefundTransferFile } from '../../payments/held/refund-transfer-file'
import { findOrder } from '../../renewals/queries'
import type { PaymentMethod } from '../../renewals/schema'
import type { Services } from '../../services'
import { text, type FieldError } from '../frame'
import type { Lang } from '../i18n'
import { describeReason } from './import-view'
import { operatorActor } from './plugin'
import { requirePermission } from './roles'
import { FLAG, formBody, FREE_TEXT, objectOf, RowIdParams, textOf } from '../route-schemas'

/** The pages' addresses under /ufficio. */
export const MONEY_PATHS = {
  held: '/pagamenti-da-risolvere',
  refunds: '/rimborsi',
  register: '/pagamenti/registra',
} as const

/** Who may use the money pages: an operator of the billing or admin role, second factor given (operators/roles.ts). */
export const billingGuard: preHandlerHookHandler[] = [requirePermission('billing')]

const IdParams = RowIdParams
const doneQuery = objectOf({ fatto: FLAG })

/** The refusals a form shows beside its field (422) rather than as an error page; the rest keep the frame's page. */
const FIELD_OF: Partial<Record<ErrorCode, string>> = {
  reason_required: 'reason',
  note_required: 'note',
  invalid_input: 'reason',
  difference_not_accepted: 'accept',
  order_id_invalid: 'order',
  order_not_found: 'order',
  order_already_paid: 'order',
  mailbox_ceased: 'order',
  order_lapsed: 'order',
  order_not_open: 'order',
  refund_details_required: 'transferRef',
  iban_invalid: 'iban',
}

/**
 * Issue 11, the money of the back office: the payments to resolve (held and unmatched entries, slips
 * and gateway payments, oldest first) with their three actions (assign to an order, not ours, a
 * note), the refunds due (through the gateway, or a bank transfer the operator records), and a
 * payment registered by hand. Every action goes through the same domain functions as the CLI, asks
 * a reason and is audited with the operator (R9); forms carry the CSRF token (the frame checks it).
 */
export async function moneyRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps, gateways } = services
  const today = () => businessDate(deps.clock.now(), deps.config.businessTimeZone)

  app.get<{ Querystring: { fatto?: string } }>(MONEY_PATHS.held, { preHandler: billingGuard, schema: { querystring: doneQuery } }, async (request, reply) => {
    const held = await listHeldPayments(deps.db)
    return reply.page('admin/held-list.eta', { title: request.t('held.title'), rows: held.map((h) => heldRow(h, request.lang)), done: doneMessage(request) })
  })

  async function entryPage(request: FastifyRequest, reply: FastifyReply, id: number, view: { errors?: FieldError[]; form?: Record<string, string> } = {}, status = 200) {
    const facts = await findPaymentFacts(deps.db, id)
    if (!facts) return reply.page('shared/error.eta', { message: request.t('error.notFound') }, 404)
    return reply.page(
      'admin/held-entry.eta',
      {
        title: request.t('heldEntry.title', { id }),
        entry: heldRow(facts, request.lang),
        toResolve: facts.toResolve,
        resolution: facts.resolution,
        underpaid: facts.orderTotalCents !== null && facts.amountCents < facts.orderTotalCents,
        form: { order: facts.candidateOrderId ?? '', ...view.form },
        errors: view.errors ?? [],
        done: doneMessage(request),
      },
      status,
    )
  }

  app.get<{ Params: { id: number }; Querystring: { fatto?: string } }>(`${MONEY_PATHS.held}/:id`, { preHandler: billingGuard, schema: { params: IdParams, querystring: doneQuery } }, async (request, reply) =>
    entryPage(request, reply, request.params.id),
  )

  /** Runs an action; a refusal about a field shows the form again with it, the rest go to the frame's error page. */
  async function act(
    request: FastifyRequest,
    reply: FastifyReply,
    id: number,
    form: Record<string, string>,
    work: () => Promise<string>,
    fields: Partial<Record<ErrorCode, string>> = {},
  ) {
    try {
      return reply.redirect(await work(), 303)
    } catch (error) {
      const field = error instanceof DomainError ? (fields[error.code] ?? FIELD_OF[error.code]) : undefined
      if (!field) throw error
      return entryPage(request, reply, id, { errors: [{ field, message: errorMessage((error as DomainError).code, request.lang) }], form }, 422)
    }
  }

  app.post<{ Params: { id: number }; Body: Record<string, unknown> }>(
    `${MONEY_PATHS.held}/:id/assegna`,
    { preHandler: billingGuard, schema: { params: IdParams, body: formBody({ order: textOf(64), reason: FREE_TEXT, accept: textOf(16) }) } },
    async (request, reply) => {
      const form = { order: text(request.body?.order).trim(), reason: text(request.body?.reason), accept: text(request.body?.accept) }
      // every problem of the form at once (the domain says the first it meets)
      const errors: FieldError[] = []
      const say = (field: string, code: ErrorCode) => errors.push({ field, message: errorMessage(code, request.lang) })
      const orderId = parseOrderId(form.order)
      if (!orderId) say('order', 'order_id_invalid')
      else if (form.accept !== 'si') {
        const [order, held] = await Promise.all([findOrder(deps.db, orderId), findPayment(deps.db, request.params.id)])
        if (order && held && held.amountCents < order.totalCents) say('accept', 'difference_not_accepted')
      }
      if (!form.reason.trim()) say('reason', 'reason_required')
      if (errors.length) return entryPage(request, reply, request.params.id, { errors, form }, 422)
      return act(request, reply, request.params.id, form, async () => {
        await assignHeldPayment(deps, {
          paymentId: request.params.id,
          orderRef: form.order,
          reason: form.reason,
          acceptDifference: form.accept === 'si',
          actor: operatorActor(request),
        })
        return `/ufficio${MONEY_PATHS.held}?fatto=assegnato`
      })
    },
  )

  app.post<{ Params: { id: number }; Body: Record<string, unknown> }>(
    `${MONEY_PATHS.held}/:id/non-nostro`,
    { preHandler: billingGuard, schema: { params: IdParams, body: formBody({ reason: FREE_TEXT }) } },
    async (request, reply) => {
      const form = { notOursReason: text(request.body?.reason) }
      return act(
        request,
        reply,
        request.params.id,
        form,
        async () => {
          await markNotOurs(deps, { paymentId: request.params.id, reason: form.notOursReason, actor: operatorActor(request) })
          return `/ufficio${MONEY_PATHS.refunds}?fatto=non-nostro`
        },
        { reason_required: 'notOursReason', invalid_input: 'notOursReason' }, // this form's reason field has its own id
      )
    },
  )

  app.post<{ Params: { id: number }; Body: Record<string, unknown> }>(
    `${MONEY_PATHS.held}/:id/nota`,
    { preHandler: billingGuard, schema: { params: IdParams, body: formBody({ note: FREE_TEXT }) } },
    async (request, reply) => {
      const form = { note: text(request.body?.note) }
      return act(
        request,
        reply,
        request.params.id,
        form,
        async () => {
          await addPaymentNote(deps, { paymentId: request.params.id, note: form.note, actor: operatorActor(request) })
          return `/ufficio${MONEY_PATHS.held}/${request.params.id}?fatto=nota`
        },
        { invalid_input: 'note' },
      )
    },
  )

  async function refundsPage(request: FastifyRequest, reply: FastifyReply, view: { errors?: FieldError[]; failedId?: number; form?: Record<string, string> } = {}, status = 200) {
    const due = await listRefundsDue(deps.db)
    const rows = due.map((r) => refundRow(r, request.lang))
    return reply.page(
      'admin/refunds.eta',
      {
        title: request.t('refunds.title'),
        rows,
        transferable: rows.filter((r) => r.byTransfer),
        transferAccount: services.config.paymentInstructions ?? null,
        today: today(),
        errors: view.errors ?? [],
        failedId: view.failedId ?? null,
        form: view.form ?? {},
        done: doneMessage(request),
      },
      status,
    )
  }

  app.get<{ Querystring: { fatto?: string } }>(MONEY_PATHS.refunds, { preHandler: billingGuard, schema: { querystring: doneQuery } }, async (request, reply) => refundsPage(request, reply))

  // Issue 11: the SEPA credit-transfer file (pain.001.001.09) of the bank refunds chosen; nothing is refunded by it
  app.post<{ Body: Record<string, unknown> }>(
    `${MONEY_PATHS.refunds}/bonifici-sepa`,
    {
      preHandler: billingGuard,
      schema: { body: formBody({ refund: { anyOf: [textOf(20), { type: 'array', items: textOf(20), maxItems: 10_000 }] }, executionDate: textOf(32) }) },
    },
    async (request, reply) => {
      const chosen = ([] as unknown[]).concat(request.body?.refund ?? []).map((v) => Number(v)).filter((id) => Number.isSafeInteger(id) && id > 0)
      const executionDate = text(request.body?.executionDate).trim()
      const instructions = services.config.paymentInstructions
      try {
        if (!isCalendarDate(executionDate)) throw new DomainError('invalid_input', 'executionDate')
        const file = await makeRefundTransferFile(deps, {
          paymentIds: chosen,
          executionDate,
          debtor: instructions ? { name: instructions.beneficiary, iban: instructions.iban.replace(/\s/g, ''), bic: instructions.bic } : null,
          actor: operatorActor(request),
        })
        return reply
          .header('content-type', 'application/xml; charset=utf-8')
          .header('content-disposition', `attachment; filename="${file.fileName}"`)
          .send(file.xml)
      } catch (error) {
        if (!(error instanceof DomainError) || !['refund_selection_empty', 'refund_not_by_transfer', 'transfer_account_missing', 'invalid_input'].includes(error.code)) throw error
        const message = errorMessage(error.code, request.lang)
        return refundsPage(request, reply, { errors: [{ field: 'sepa-refunds', message }] }, error.code === 'invalid_input' || error.code === 'refund_selection_empty' ? 422 : 409)
      }
    },
  )

  app.post<{ Params: { id: number }; Body: Record<string, unknown> }>(
    `${MONEY_PATHS.refunds}/:id`,
    { preHandler: billingGuard, schema: { params: IdParams, body: formBody({ refundedOn: textOf(32), transferRef: textOf(200), iban: textOf(64) }) } },
    async (request, reply) => {
      const id = request.params.id
      const form = { refundedOn: text(request.body?.refundedOn).trim(), transferRef: text(request.body?.transferRef), iban: text(request.body?.iban) }
      const facts = await findPaymentFacts(deps.db, id)
      if (!facts) return reply.page('shared/error.eta', { message: request.t('error.notFound') }, 404)
      const byGateway = facts.source.startsWith('gateway:')
      try {
        if (!byGateway && !isCalendarDate(form.refundedOn)) throw new DomainError('refund_details_required')
        await refundPayment(deps, gateways, {
          paymentId: id,
          actor: operatorActor(request),
          ...(byGateway ? {} : { bankTransfer: { refundedOn: form.refundedOn as CalendarDate, transferRef: form.transferRef, iban: form.iban } }),
        })
        return reply.redirect(`/ufficio${MONEY_PATHS.refunds}?fatto=rimborsato`, 303)
      } catch (error) {
        const field = error instanceof DomainError ? FIELD_OF[error.code] : undefined
        if (!field) throw error
        const message = errorMessage((error as DomainError).code, request.lang)
        return refundsPage(request, reply, { errors: [{ field: `${field}-${id}`, message }], failedId: id, form }, 422)
      }
    },
  )

  const registerForm = (request: FastifyRequest, reply: FastifyReply, view: { errors?: FieldError[]; form?: Record<string, string> } = {}, status = 200) =>
    reply.page(
      'admin/register-payment.eta',
      { title: request.t('register.title'), methods: PAYMENT_METHODS, form: { method: 'bonifico', ...view.form }, errors: view.errors ?? [] },
      status,
    )

  app.get(MONEY_PATHS.register, { preHandler: billingGuard, schema: { querystring: doneQuery } }, async (request, reply) => registerForm(request, reply))

  app.post<{ Body: Record<string, unknown> }>(MONEY_PATHS.register, { preHandler: billingGuard, schema: { body: formBody({ order: textOf(64), amount: textOf(32), method: textOf(32), reference: textOf(200), reason: FREE_TEXT }) } }, async (request, reply) => {
    const form = {
      order: text(request.body?.order).trim(),
      amount: text(request.body?.amount).trim(),
      method: text(request.body?.method),
      reference: text(request.body?.reference).trim(),
      reason: text(request.body?.reason).trim(),
    }
    const errors: FieldError[] = []
    let amountCents = 0
    try {
      amountCents = parseEuroAmount(form.amount)
    } catch {
      errors.push({ field: 'amount', message: request.t('register.badAmount') })
    }
    if (!form.order) errors.push({ field: 'order', message: request.t('register.noOrder') })
    if (!PAYMENT_METHODS.includes(form.method as PaymentMethod)) errors.push({ field: 'method', message: errorMessage('payment_method_unknown', request.lang) })
    if (!form.reference) errors.push({ field: 'reference', message: request.t('register.noReference') })
    if (!form.reason) errors.push({ field: 'reason', message: errorMessage('reason_required', request.lang) })
    if (errors.length) return registerForm(request, reply, { errors, form }, 422)
    const registered = await registerPayment(
      deps,
      { orderRef: form.order, amountCents, method: form.method as PaymentMethod, reference: form.reference, actor: operatorActor(request) },
      { reason: form.reason },
    )
    return reply.page('admin/register-payment.eta', {
      title: request.t('register.title'),
      methods: PAYMENT_METHODS,
      form: { method: 'bonifico' },
      errors: [],
      registered: {
        ...registered,
        orderId: registered.orderId ? formatOrderId(registered.orderId as OrderId) : null,
        expiresOn: registered.expiresOn ? formatDate(registered.expiresOn, request.lang) : null,
        reason: describeReason(registered.reason ?? null, request.lang),
      },
    })
  })
}

/** What the list and the entry page show of a payment, formatted for the operator's language. */
function heldRow(h: PaymentFacts, lang: Lang) {
  return {
    id: h.id,
    amount: formatEuro(h.amountCents, lang),
    total: h.orderTotalCents === null ? null : formatEuro(h.orderTotalCents, lang),
    date: h.paidOn ? formatDate(h.paidOn, lang) : formatInstant(new Date(h.receivedAt), lang),
    payer: h.payer ?? '—',
    account: h.account ?? '—',
    causale: h.causale,
    reason: describeReason(h.reason, lang),
    orderId: h.orderId,
    candidate: h.candidateOrderId,
    method: h.method,
    where: h.file ? { file: h.file, line: h.line } : null,
    importId: h.importId,
    source: h.source,
    notes: h.notes.map((n) => ({ ...n, at: formatInstant(new Date(n.at), lang), actor: n.actor.replace(/^operator:/, '') })),
  }
}

function refundRow(r: RefundDue, lang: Lang) {
  return {
    ...heldRow(r, lang),
    refund: formatEuro(r.refundCents, lang),
    why: describeReason(r.refundReason, lang),
    gateway: r.gateway,
    holderOrderId: r.holderOrderId && formatOrderId(r.holderOrderId as OrderId),
    payerIban: r.payerIban,
    // what the SEPA file can carry: a bank refund to the IBAN the payer's bank gave
    byTransfer: r.gateway === null && r.payerIban !== null,
  }
}

/** The confirmation a redirect after an action carries (?fatto=…), in words; null when none. */
function doneMessage(request: FastifyRequest): string | null {
  const done = (request.query as { fatto?: string } | undefined)?.fatto
  return done && ['assegnato', 'non-nostro', 'nota', 'rimborsato'].includes(done) ? request.t(`money.done.${done}`) : null
}
