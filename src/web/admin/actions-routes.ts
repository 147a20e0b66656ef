import { eq } from 'drizzle-orm'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { findAccountByIdentifier } from '../../accounts/queries'
import { mailboxes } from '../../accounts/schema'
import { identifierFailures, isBlocked } from '../../accounts/sign-in-guard'
import { findConvention, findPrice } from '../../catalog/queries'
import { addDays, businessDate, formatDate, formatInstant, type CalendarDate } from '../../core/calendar'
import { datePhrase } from '../../core/date-phrase'
import { DomainError, errorMessage, type ErrorCode } from '../../core/errors'
import { formatEuro } from '../../core/money'
import { formatOrderId, parseOrderId, type OrderId } from '../../core/order-id'
import { REGISTERS, type Register } from '../../core/vocabulary'
import { approvalDays, approveExtension, extendExpiry, findExtension, pendingExtensions, rejectExtension, MAX_EXTENSION_DAYS } from '../../flows/office/extend-expiry'
import { changeReferenceEmail, setRegister, unlockHolder } from '../../flows/office/holder-actions'
import { placePhoneOrder } from '../../flows/office/phone-order'
import { findMailToResend, resendMail } from '../../flows/office/resend-mail'
import { requireOfferedMethod } from '../../payments/offered-methods'
import { BILLING_FIELDS, billingFormFor, PROVINCES, validateBilling, type BillingForm, type InvoiceBilling } from '../../renewals/billing'
import { cancelOrderByOffice } from '../../renewals/cancel-order'
import { currentContracts } from '../../renewals/queries'
import { findAccount, findBillingProfile, findMailbox, findMailboxByAddress, findOpenOrder, findOrder, type AccountRow, type MailboxRow } from '../../renewals/queries'
import { isRenewable, priceOrder } from '../../renewals/rules'
import type { PaymentMethod } from '../../renewals/schema'
import type { Services } from '../../services'
import { text, type FieldError } from '../frame'
import { FLAG, formBody, FREE_TEXT, objectOf, OrderIdParams, RowIdParams, textOf } from '../route-schemas'
import { operatorActor } from './plugin'
import { mailName } from './queues-routes'
import { requirePermission } from './roles'

/** The action pages' addresses; the mailbox, account, order and mail pages link here. */
export const ACTION_PATHS = {
  extend: (address: string) => `/ufficio/caselle/${encodeURIComponent(address)}/proroga`,
  register: (address: string) => `/ufficio/caselle/${encodeURIComponent(address)}/registro`,
  phoneOrder: (address: string) => `/ufficio/caselle/${encodeURIComponent(address)}/ordine-telefonico`,
  cancelOrder: (orderId: string) => `/ufficio/ordini/${orderId}/annulla`,
  changeEmail: (accountId: string) => `/ufficio/conti/${encodeURIComponent(accountId)}/email`,
  unlock: (accountId: string) => `/ufficio/conti/${encodeURIComponent(accountId)}/sblocca`,
  resend: (mailId: number) => `/ufficio/posta/${mailId}/reinvia`,
  extensions: '/ufficio/proroghe',
} as const

const AddressParams = objectOf({ address: { type: 'string', minLength: 1, maxLength: 254 } }, ['address'])
const AccountParams = objectOf({ accountId: { type: 'string', minLength: 1, maxLength: 64 } }, ['accountId'])
const DoneQuery = objectOf({ fatto: FLAG, giorni: FLAG, ordine: FLAG, copia: FLAG })
const REASON = { reason: FREE_TEXT }

type Done = { fatto?: string; giorni?: string; ordine?: string; copia?: string }

/** The refusals an action form shows beside a field (422); every other refusal is the frame's error page with its status. */
const FIELD_OF: Partial<Record<ErrorCode, string>> = {
  reason_required: 'reason',
  invalid_input: 'reason',
  extension_days_invalid: 'days',
  email_invalid: 'email',
  email_unchanged: 'email',
  register_unchanged: 'register',
  duration_not_offered: 'years',
  price_missing: 'years',
  payment_method_unknown: 'method',
  payment_method_unavailable: 'method',
  contracts_not_accepted: 'accepted',
}

interface ActionView {
  title: string
  intro: string
  facts: Array<{ label: string; value: string }>
  action: string
  submit: string
  fields?: Array<Record<string, unknown>>
  form?: Record<string, string>
  errors?: FieldError[]
  notice?: string | null
  unavailable?: string | null
  back: { href: string; label: string }
}

/**
 * Issue 11, "Actions": the back office's changes to a holder's mailbox, account, order or mail.
 * Each page shows what it is about and asks a reason; each POST calls one use case (flows/office,
 * renewals) that writes the change, its audit row naming the operator and the reason, and the
 * holder's e-mail in one transaction (R9). Billing work (orders, expiry, register) needs the billing
 * role, support work (e-mail, unlock, re-send) the support role; forms carry the CSRF token.
 */
export async function actionsRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services
  const today = () => businessDate(deps.clock.now(), deps.config.businessTimeZone)
  const billing = requirePermission('billing')
  const support = requirePermission('support')
  const form = (fields: Record<string, Record<string, unknown>>) => formBody({ ...fields, ...REASON })
  const phrase = (request: FastifyRequest, date: string) => datePhrase(date as CalendarDate, request.lang, 'on')

  const actionPage = (request: FastifyRequest, reply: FastifyReply, view: ActionView, status = 200) =>
    reply.page('admin/action.eta', { form: {}, errors: [], notice: null, unavailable: null, fields: [], ...view }, status)

  /** Runs the action; a refusal about a field shows the form again with it (422), any other goes to the frame's page. */
  async function attempt(work: () => Promise<string>, again: (errors: FieldError[]) => Promise<FastifyReply>, reply: FastifyReply, request: FastifyRequest, fields: Partial<Record<ErrorCode, string>> = {}) {
    try {
      return reply.redirect(await work(), 303)
    } catch (error) {
      const field = error instanceof DomainError ? (fields[error.code] ?? FIELD_OF[error.code]) : undefined
      if (!field) throw error
      return again([{ field, message: errorMessage((error as DomainError).code, request.lang) }])
    }
  }

  async function mailboxOr404(address: string): Promise<{ mailbox: MailboxRow; account: AccountRow }> {
    const mailbox = await findMailboxByAddress(deps.db, address)
    if (!mailbox) throw new DomainError('mailbox_not_found', address)
    return { mailbox, account: (await findAccount(deps.db, mailbox.accountId))! }
  }

  function mailboxFacts(request: FastifyRequest, mailbox: MailboxRow, account: AccountRow) {
    const t = request.t
    return [
      { label: t('action.mailbox'), value: mailbox.address },
      { label: t('action.holder'), value: `${account.firstName} ${account.lastName}` },
      { label: t('action.account'), value: account.id },
      { label: t('action.status'), value: t(`status.${mailbox.status}`) },
      { label: t('action.expiry'), value: formatDate(mailbox.expiresOn, request.lang) },
      { label: t('action.register'), value: t(`registerValue.${mailbox.register}`) },
    ]
  }

  const backToMailbox = (request: FastifyRequest, address: string) => ({ href: `/ufficio/caselle/${encodeURIComponent(address)}`, label: request.t('action.back') })

  // ---- extend the expiry by hand (billing), above the limit with a second operator's approval ----

  async function extendPage(request: FastifyRequest<{ Params: { address: string }; Querystring: Done }>, reply: FastifyReply, view: { form?: Record<string, string>; errors?: FieldError[] } = {}) {
    const { mailbox, account } = await mailboxOr404(request.params.address)
    const t = request.t
    const done = request.query?.fatto
    const notice =
      done === 'applicata' || done === 'riattivata'
        ? t(`extend.done.${done === 'applicata' ? 'applied' : 'reactivated'}`, { date: phrase(request, mailbox.expiresOn) })
        : done === 'in-attesa'
          ? t('extend.done.pending', { days: request.query.giorni ?? '', limit: approvalDays(deps) })
          : null
    return actionPage(
      request,
      reply,
      {
        title: t('extend.title', { address: mailbox.address }),
        intro: t('extend.intro', { days: approvalDays(deps) }),
        facts: mailboxFacts(request, mailbox, account),
        action: ACTION_PATHS.extend(mailbox.address),
        submit: t('extend.submit'),
        fields: [{ name: 'days', label: t('extend.days'), hint: t('extend.daysHint'), type: 'number', inputmode: 'numeric', min: 1, max: MAX_EXTENSION_DAYS }],
        form: view.form ?? {},
        errors: view.errors ?? [],
        notice,
        unavailable: mailbox.status === 'ceased' ? t('extend.ceased') : null,
        back: backToMailbox(request, mailbox.address),
      },
      view.errors?.length ? 422 : 200,
    )
  }

  app.get<{ Params: { address: string }; Querystring: Done }>('/caselle/:address/proroga', { preHandler: billing, schema: { params: AddressParams, querystring: DoneQuery } }, (request, reply) => extendPage(request, reply))

  app.post<{ Params: { address: string }; Querystring: Done; Body: Record<string, unknown> }>(
    '/caselle/:address/proroga',
    { preHandler: billing, schema: { params: AddressParams, body: form({ days: textOf(16) }) } },
    async (request, reply) => {
      const posted = { days: text(request.body?.days).trim(), reason: text(request.body?.reason) }
      const errors: FieldError[] = []
      if (!/^\d{1,4}$/.test(posted.days)) errors.push({ field: 'days', message: errorMessage('extension_days_invalid', request.lang) })
      if (!posted.reason.trim()) errors.push({ field: 'reason', message: errorMessage('reason_required', request.lang) })
      if (errors.length) return extendPage(request, reply, { form: posted, errors })
      return attempt(
        async () => {
          const outcome = await extendExpiry(deps, { mailboxAddress: request.params.address, days: Number(posted.days), reason: posted.reason, actor: operatorActor(request) })
          const path = ACTION_PATHS.extend(outcome.mailboxAddress)
          if (outcome.kind === 'pending') return `${path}?fatto=in-attesa&giorni=${outcome.days}`
          return `${path}?fatto=${outcome.reactivated ? 'riattivata' : 'applicata'}`
        },
        (errors) => extendPage(request, reply, { form: posted, errors }),
        reply,
        request,
      )
    },
  )

  app.get<{ Querystring: Done }>(ACTION_PATHS.extensions.replace('/ufficio', ''), { preHandler: billing, schema: { querystring: DoneQuery } }, async (request, reply) => {
    const rows = await pendingExtensions(deps.db)
    let notice: string | null = null
    const decidedId = Number(request.query?.ordine)
    if (Number.isInteger(decidedId) && decidedId > 0 && (request.query.fatto === 'approvata' || request.query.fatto === 'respinta')) {
      const decided = await findExtension(deps.db, decidedId)
      if (decided) {
        notice =
          request.query.fatto === 'approvata'
            ? request.t('extension.done.approved', { address: decided.mailboxAddress, date: phrase(request, decided.expiresOn) })
            : request.t('extension.done.rejected', { address: decided.mailboxAddress })
      }
    }
    return reply.page('admin/extensions.eta', {
      title: request.t('extensions.title'),
      notice,
      rows: rows.map((r) => ({
        ...r,
        expiresOn: formatDate(r.expiresOn, request.lang),
        requestedBy: r.requestedBy.replace(/^operator:/, ''),
        requestedAt: formatInstant(r.requestedAt, request.lang),
      })),
    })
  })

  async function extensionPage(request: FastifyRequest<{ Params: { id: number } }>, reply: FastifyReply, view: { form?: Record<string, string>; errors?: FieldError[] } = {}) {
    const x = await findExtension(deps.db, request.params.id)
    if (!x) throw new DomainError('extension_not_found', String(request.params.id))
    const t = request.t
    const own = x.requestedBy === operatorActor(request)
    const facts = [
      { label: t('action.mailbox'), value: x.mailboxAddress },
      { label: t('action.holder'), value: x.holderName },
      { label: t('action.status'), value: t(`status.${x.status}`) },
      { label: t('action.expiry'), value: formatDate(x.expiresOn, request.lang) },
      ...(x.extensionStatus === 'pending' ? [{ label: t('extension.newExpiry'), value: formatDate(addDays(x.expiresOn, x.days), request.lang) }] : []),
      { label: t('extension.requestedBy'), value: `${x.requestedBy.replace(/^operator:/, '')}, ${formatInstant(x.requestedAt, request.lang)}` },
      { label: t('extension.reason'), value: x.reason },
    ]
    const unavailable = x.extensionStatus !== 'pending' ? t('extension.decided', { status: t(`extension.status.${x.extensionStatus}`) }) : own ? t('extension.own') : null
    return reply.page(
      'admin/extension.eta',
      { title: t('extension.title', { days: x.days, address: x.mailboxAddress }), id: x.id, facts, unavailable, form: view.form ?? {}, errors: view.errors ?? [] },
      view.errors?.length ? 422 : 200,
    )
  }

  app.get<{ Params: { id: number } }>('/proroghe/:id', { preHandler: billing, schema: { params: RowIdParams } }, (request, reply) => extensionPage(request, reply))

  app.post<{ Params: { id: number }; Body: Record<string, unknown> }>('/proroghe/:id/approva', { preHandler: billing, schema: { params: RowIdParams, body: form({}) } }, async (request, reply) => {
    const reason = text(request.body?.reason)
    return attempt(
      async () => {
        await approveExtension(deps, { extensionId: request.params.id, actor: operatorActor(request), reason })
        return `${ACTION_PATHS.extensions}?fatto=approvata&ordine=${request.params.id}`
      },
      (errors) => extensionPage(request, reply, { form: { approveReason: reason }, errors }),
      reply,
      request,
      { approval_reason_required: 'approveReason', invalid_input: 'approveReason' },
    )
  })

  app.post<{ Params: { id: number }; Body: Record<string, unknown> }>('/proroghe/:id/respingi', { preHandler: billing, schema: { params: RowIdParams, body: form({}) } }, async (request, reply) => {
    const reason = text(request.body?.reason)
    return attempt(
      async () => {
        await rejectExtension(deps, { extensionId: request.params.id, actor: operatorActor(request), reason })
        return `${ACTION_PATHS.extensions}?fatto=respinta&ordine=${request.params.id}`
      },
      (errors) => extensionPage(request, reply, { form: { rejectReason: reason }, errors }),
      reply,
      request,
      { rejection_reason_required: 'rejectReason', invalid_input: 'rejectReason' },
    )
  })

  // ---- the register flag, R7 (billing) ----

  async function registerPage(request: FastifyRequest<{ Params: { address: string }; Querystring: Done }>, reply: FastifyReply, view: { form?: Record<string, string>; errors?: FieldError[] } = {}) {
    const { mailbox, account } = await mailboxOr404(request.params.address)
    const t = request.t
    return actionPage(
      request,
      reply,
      {
        title: t('registerFlag.title', { address: mailbox.address }),
        intro: t('registerFlag.intro'),
        facts: mailboxFacts(request, mailbox, account),
        action: ACTION_PATHS.register(mailbox.address),
        submit: t('registerFlag.submit'),
        fields: [{ name: 'register', label: t('registerFlag.field'), type: 'select', options: REGISTERS.map((r) => ({ value: r, label: t(`registerValue.${r}`) })) }],
        form: { register: mailbox.register, ...view.form },
        errors: view.errors ?? [],
        notice: request.query?.fatto === 'fatto' ? t('registerFlag.done', { value: t(`registerValue.${mailbox.register}`) }) : null,
        unavailable: mailbox.status === 'ceased' ? errorMessage('mailbox_ceased', request.lang) : null,
        back: backToMailbox(request, mailbox.address),
      },
      view.errors?.length ? 422 : 200,
    )
  }

  app.get<{ Params: { address: string }; Querystring: Done }>('/caselle/:address/registro', { preHandler: billing, schema: { params: AddressParams, querystring: DoneQuery } }, (request, reply) => registerPage(request, reply))

  app.post<{ Params: { address: string }; Querystring: Done; Body: Record<string, unknown> }>(
    '/caselle/:address/registro',
    { preHandler: billing, schema: { params: AddressParams, body: form({ register: textOf(32) }) } },
    async (request, reply) => {
      const posted = { register: text(request.body?.register), reason: text(request.body?.reason) }
      return attempt(
        async () => {
          if (!(REGISTERS as readonly string[]).includes(posted.register)) throw new DomainError('invalid_input', posted.register)
          const done = await setRegister(deps, { mailboxAddress: request.params.address, register: posted.register as Register, reason: posted.reason, actor: operatorActor(request) })
          return `${ACTION_PATHS.register(done.mailboxAddress)}?fatto=fatto`
        },
        (errors) => registerPage(request, reply, { form: posted, errors }),
        reply,
        request,
      )
    },
  )

  // ---- an order on the phone (billing): the portal's placeOrder, its billing checks and e-mails ----

  async function phoneOrderPage(
    request: FastifyRequest<{ Params: { address: string }; Querystring: Done }>,
    reply: FastifyReply,
    view: { form?: Record<string, string>; errors?: FieldError[] } = {},
  ) {
    const { mailbox, account } = await mailboxOr404(request.params.address)
    const t = request.t
    const convention = (await findConvention(deps.db, mailbox.conventionCode))!
    const durations = []
    for (const years of convention.durationsYears) {
      const price = await findPrice(deps.db, convention.code, years, today())
      if (!price) continue
      const total = formatEuro(priceOrder(price).totalCents, request.lang)
      durations.push({ years, label: years === 1 ? t('phone.oneYear', { total }) : t('phone.nYears', { n: years, total }) })
    }
    const open = await findOpenOrder(deps.db, mailbox.id)
    const billingStart: InvoiceBilling | undefined = (open?.billing as InvoiceBilling | undefined)?.street
      ? (open!.billing as InvoiceBilling)
      : ((await findBillingProfile(deps.db, account.id)) as InvoiceBilling | undefined)
    const start = billingFormFor(billingStart ?? { name: `${account.firstName} ${account.lastName}`, fiscalCode: account.fiscalCode, email: account.referenceEmail })
    const contracts = await currentContracts(deps.db, mailbox.conventionCode, today())
    let notice: string | null = null
    const placedId = request.query?.ordine ? parseOrderId(request.query.ordine) : null
    if (placedId && (request.query.fatto === 'fatto' || request.query.fatto === 'aggiornato')) {
      const placed = await findOrder(deps.db, placedId)
      if (placed) {
        const params = { orderId: formatOrderId(placed.id), total: formatEuro(placed.totalCents, request.lang), method: t(`method.${placed.method}`) }
        notice = t(request.query.fatto === 'fatto' ? 'phone.done' : 'phone.resumed', params)
      }
    }
    return reply.page(
      'admin/phone-order.eta',
      {
        title: t('phone.title', { address: mailbox.address }),
        intro: t('phone.intro'),
        facts: [
          ...mailboxFacts(request, mailbox, account),
          { label: t('action.email'), value: account.referenceEmail },
          ...(open ? [{ label: t('action.order'), value: `${formatOrderId(open.id)}, ${formatEuro(open.totalCents, request.lang)}, ${t(`method.${open.method}`)}` }] : []),
        ],
        action: ACTION_PATHS.phoneOrder(mailbox.address),
        durations,
        methods: services.mail.methods.map((method) => ({ method, label: t(`method.${method}`), hint: method === 'card' || method === 'paypal' ? t('phone.methodHint.card') : null })),
        provinces: PROVINCES.map(([code, name]) => ({ code, name })),
        contracts: contracts.map((c) => ({ title: request.lang === 'it' ? c.titleIt : c.titleEn, version: c.version })),
        form: { ...start, years: open ? String(open.years) : '', method: open?.method ?? '', ...view.form },
        fromProfile: billingStart !== undefined,
        errors: view.errors ?? [],
        notice,
        unavailable: isRenewable(mailbox, convention, today()) ? null : errorMessage('mailbox_ceased', request.lang),
        back: backToMailbox(request, mailbox.address),
      },
      view.errors?.length ? 422 : 200,
    )
  }

  app.get<{ Params: { address: string }; Querystring: Done }>('/caselle/:address/ordine-telefonico', { preHandler: billing, schema: { params: AddressParams, querystring: DoneQuery } }, (request, reply) =>
    phoneOrderPage(request, reply),
  )

  app.post<{ Params: { address: string }; Querystring: Done; Body: Record<string, unknown> }>(
    '/caselle/:address/ordine-telefonico',
    { preHandler: billing, schema: { params: AddressParams, body: form({ years: textOf(8), method: textOf(32), accepted: textOf(8), ...Object.fromEntries(BILLING_FIELDS.map((f) => [f, textOf(500)])) }) } },
    async (request, reply) => {
      const body = request.body ?? {}
      const billingForm = Object.fromEntries(BILLING_FIELDS.map((f) => [f, text(body[f])])) as unknown as BillingForm
      const posted: Record<string, string> = { ...billingForm, years: text(body.years), method: text(body.method), accepted: text(body.accepted), reason: text(body.reason) }
      const { account } = await mailboxOr404(request.params.address)
      // every problem of the form at once, in the page's order; the use case checks them again
      const errors: FieldError[] = []
      if (!/^\d{1,2}$/.test(posted.years)) errors.push({ field: 'years', message: request.t('phone.noYears') })
      if (!services.mail.methods.includes(posted.method as PaymentMethod)) errors.push({ field: 'method', message: request.t('phone.noMethod') })
      const checked = validateBilling(billingForm, account.referenceEmail)
      if (!checked.ok) for (const p of checked.problems) errors.push({ field: p.field, message: request.t(`wizard.billing.error.${p.code}`) })
      if (posted.accepted !== 'si') errors.push({ field: 'accepted', message: request.t('phone.contracts.missing') })
      if (!posted.reason.trim()) errors.push({ field: 'reason', message: errorMessage('reason_required', request.lang) })
      if (errors.length) return phoneOrderPage(request, reply, { form: posted, errors })
      return attempt(
        async () => {
          const order = await placePhoneOrder(deps, {
            mailboxAddress: request.params.address,
            years: Number(posted.years),
            method: requireOfferedMethod(services.mail.methods, posted.method),
            billing: billingForm,
            contractsAccepted: true,
            reason: posted.reason,
            actor: operatorActor(request),
          })
          return `${ACTION_PATHS.phoneOrder(order.mailboxAddress)}?fatto=${order.resumed ? 'aggiornato' : 'fatto'}&ordine=${order.orderId}`
        },
        (errors) => phoneOrderPage(request, reply, { form: posted, errors }),
        reply,
        request,
      )
    },
  )

  // ---- cancel an open order (billing) ----

  async function cancelPage(request: FastifyRequest<{ Params: { orderId: string }; Querystring: Done }>, reply: FastifyReply, view: { form?: Record<string, string>; errors?: FieldError[] } = {}) {
    const orderId = parseOrderId(request.params.orderId)
    const order = orderId ? await findOrder(deps.db, orderId) : undefined
    if (!order) throw new DomainError('order_not_found', request.params.orderId)
    const { mailbox, account } = await mailboxOr404((await findMailbox(deps.db, order.mailboxId))!.address)
    const t = request.t
    const number = formatOrderId(order.id as OrderId)
    return actionPage(
      request,
      reply,
      {
        title: t('cancel.title', { orderId: number }),
        intro: t('cancel.intro'),
        facts: [
          { label: t('action.order'), value: number },
          { label: t('action.orderStatus'), value: t(`orderStatus.${order.status}`) },
          { label: t('action.total'), value: formatEuro(order.totalCents, request.lang) },
          { label: t('action.method'), value: t(`method.${order.method}`) },
          ...mailboxFacts(request, mailbox, account).slice(0, 5),
        ],
        action: ACTION_PATHS.cancelOrder(order.id),
        submit: t('cancel.submit'),
        form: view.form ?? {},
        errors: view.errors ?? [],
        notice: request.query?.fatto === 'annullato' && order.status === 'cancelled' ? t('cancel.done', { orderId: number }) : null,
        unavailable: order.status === 'open' ? null : t('cancel.notOpen'),
        back: { href: `/ufficio/ordini/${order.id}`, label: t('action.back') },
      },
      view.errors?.length ? 422 : 200,
    )
  }

  app.get<{ Params: { orderId: string }; Querystring: Done }>('/ordini/:orderId/annulla', { preHandler: billing, schema: { params: OrderIdParams, querystring: DoneQuery } }, (request, reply) => cancelPage(request, reply))

  app.post<{ Params: { orderId: string }; Querystring: Done; Body: Record<string, unknown> }>(
    '/ordini/:orderId/annulla',
    { preHandler: billing, schema: { params: OrderIdParams, body: form({}) } },
    async (request, reply) => {
      const reason = text(request.body?.reason)
      return attempt(
        async () => {
          const done = await cancelOrderByOffice(deps, { orderRef: request.params.orderId, reason, actor: operatorActor(request) })
          return `${ACTION_PATHS.cancelOrder(done.orderId)}?fatto=annullato`
        },
        (errors) => cancelPage(request, reply, { form: { reason }, errors }),
        reply,
        request,
      )
    },
  )

  // ---- the account's reference e-mail and sign-in lock (support) ----

  async function accountOr404(typed: string): Promise<AccountRow> {
    const account = await findAccountByIdentifier(deps.db, typed)
    if (!account) throw new DomainError('account_not_found', typed)
    return account
  }

  function accountFacts(request: FastifyRequest, account: AccountRow) {
    const t = request.t
    return [
      { label: t('action.account'), value: account.id },
      { label: t('action.holder'), value: `${account.firstName} ${account.lastName}` },
      { label: t('action.email'), value: account.referenceEmail },
    ]
  }

  const backToAccount = (request: FastifyRequest, accountId: string) => ({ href: `/ufficio/conti/${encodeURIComponent(accountId)}`, label: request.t('action.back') })

  async function emailPage(request: FastifyRequest<{ Params: { accountId: string }; Querystring: Done }>, reply: FastifyReply, view: { form?: Record<string, string>; errors?: FieldError[] } = {}) {
    const account = await accountOr404(request.params.accountId)
    const t = request.t
    return actionPage(
      request,
      reply,
      {
        title: t('email.title', { accountId: account.id }),
        intro: t('email.intro'),
        facts: accountFacts(request, account),
        action: ACTION_PATHS.changeEmail(account.id),
        submit: t('email.submit'),
        fields: [{ name: 'email', label: t('email.field'), type: 'email', autocomplete: 'off' }],
        form: view.form ?? {},
        errors: view.errors ?? [],
        notice: request.query?.fatto === 'fatto' ? t('email.done', { email: account.referenceEmail }) : null,
        back: backToAccount(request, account.id),
      },
      view.errors?.length ? 422 : 200,
    )
  }

  app.get<{ Params: { accountId: string }; Querystring: Done }>('/conti/:accountId/email', { preHandler: support, schema: { params: AccountParams, querystring: DoneQuery } }, (request, reply) => emailPage(request, reply))

  app.post<{ Params: { accountId: string }; Querystring: Done; Body: Record<string, unknown> }>(
    '/conti/:accountId/email',
    { preHandler: support, schema: { params: AccountParams, body: form({ email: textOf(320) }) } },
    async (request, reply) => {
      const posted = { email: text(request.body?.email).trim(), reason: text(request.body?.reason) }
      const account = await accountOr404(request.params.accountId)
      return attempt(
        async () => {
          await changeReferenceEmail(deps, { accountId: account.id, email: posted.email, reason: posted.reason, actor: operatorActor(request) })
          return `${ACTION_PATHS.changeEmail(account.id)}?fatto=fatto`
        },
        (errors) => emailPage(request, reply, { form: posted, errors }),
        reply,
        request,
      )
    },
  )

  async function unlockPage(request: FastifyRequest<{ Params: { accountId: string }; Querystring: Done }>, reply: FastifyReply, view: { form?: Record<string, string>; errors?: FieldError[] } = {}) {
    const account = await accountOr404(request.params.accountId)
    const t = request.t
    const boxes = await deps.db.select({ address: mailboxes.address }).from(mailboxes).where(eq(mailboxes.accountId, account.id))
    const counted = []
    for (const identifier of [account.id, ...boxes.map((b) => b.address)]) {
      const failures = await identifierFailures(deps.db, identifier)
      if (failures?.failures) counted.push({ label: `${t('unlock.failures')}: ${identifier}`, value: t(isBlocked(failures) ? 'unlock.blocked' : 'unlock.counted', { n: failures.failures }) })
    }
    return actionPage(
      request,
      reply,
      {
        title: t('unlock.title', { accountId: account.id }),
        intro: t('unlock.intro'),
        facts: [...accountFacts(request, account), ...counted],
        action: ACTION_PATHS.unlock(account.id),
        submit: t('unlock.submit'),
        form: view.form ?? {},
        errors: view.errors ?? [],
        notice: request.query?.fatto === 'fatto' ? t('unlock.done') : null,
        unavailable: counted.length ? null : t('unlock.none'),
        back: backToAccount(request, account.id),
      },
      view.errors?.length ? 422 : 200,
    )
  }

  app.get<{ Params: { accountId: string }; Querystring: Done }>('/conti/:accountId/sblocca', { preHandler: support, schema: { params: AccountParams, querystring: DoneQuery } }, (request, reply) => unlockPage(request, reply))

  app.post<{ Params: { accountId: string }; Querystring: Done; Body: Record<string, unknown> }>(
    '/conti/:accountId/sblocca',
    { preHandler: support, schema: { params: AccountParams, body: form({}) } },
    async (request, reply) => {
      const reason = text(request.body?.reason)
      const account = await accountOr404(request.params.accountId)
      return attempt(
        async () => {
          await unlockHolder(deps, { accountId: account.id, reason, actor: operatorActor(request) })
          return `${ACTION_PATHS.unlock(account.id)}?fatto=fatto`
        },
        (errors) => unlockPage(request, reply, { form: { reason }, errors }),
        reply,
        request,
      )
    },
  )

  // ---- send an e-mail again (support) ----

  async function resendPage(request: FastifyRequest<{ Params: { id: number }; Querystring: Done }>, reply: FastifyReply, view: { form?: Record<string, string>; errors?: FieldError[] } = {}) {
    const { mail, recipient } = await findMailToResend(deps.db, request.params.id)
    const t = request.t
    let notice: string | null = null
    const copyId = Number(request.query?.copia)
    if (request.query?.fatto === 'fatto' && Number.isInteger(copyId) && copyId > 0) {
      const copy = await findMailToResend(deps.db, copyId).catch(() => null)
      if (copy) notice = t('resend.done', { email: copy.mail.recipient })
    }
    return actionPage(
      request,
      reply,
      {
        title: t('resend.title'),
        intro: t('resend.intro'),
        facts: [
          { label: t('resend.mail'), value: mailName(request, mail.template) },
          { label: t('resend.sentTo'), value: mail.recipient },
          { label: t('resend.created'), value: formatInstant(mail.createdAt, request.lang) },
          { label: t('resend.state'), value: t(`resend.state.${mail.status}`) + (mail.lastError ? ` (${mail.lastError})` : '') },
          { label: t('resend.willGoTo'), value: recipient },
        ],
        action: ACTION_PATHS.resend(mail.id),
        submit: t('resend.submit'),
        form: view.form ?? {},
        errors: view.errors ?? [],
        notice,
        back: { href: `/ufficio/posta/${mail.id}`, label: t('action.back') },
      },
      view.errors?.length ? 422 : 200,
    )
  }

  app.get<{ Params: { id: number }; Querystring: Done }>('/posta/:id/reinvia', { preHandler: support, schema: { params: RowIdParams, querystring: DoneQuery } }, (request, reply) => resendPage(request, reply))

  app.post<{ Params: { id: number }; Querystring: Done; Body: Record<string, unknown> }>('/posta/:id/reinvia', { preHandler: support, schema: { params: RowIdParams, body: form({}) } }, async (request, reply) => {
    const reason = text(request.body?.reason)
    return attempt(
      async () => {
        const done = await resendMail(deps, { mailId: request.params.id, reason, actor: operatorActor(request) })
        return `${ACTION_PATHS.resend(done.mailId)}?fatto=fatto&copia=${done.newMailId}`
      },
      (errors) => resendPage(request, reply, { form: { reason }, errors }),
      reply,
      request,
    )
  })
}
