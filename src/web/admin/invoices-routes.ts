import { readFile } from 'node:fs/promises'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { addDays, businessDate, formatDate, formatInstant, isCalendarDate, type CalendarDate } from '../../core/calendar'
import { errorMessage } from '../../core/errors'
import { formatEuro } from '../../core/money'
import { formatOrderId, type OrderId } from '../../core/order-id'
import { correctInvoiceBuyer } from '../../invoicing/correct-invoice'
import { periodFiles, periodZipName, zipOf } from '../../invoicing/export-invoices'
import { findInvoiceDetail, findInvoiceIdByNumber, invoicesOfPeriod, invoicesToCorrect, invoiceSlug, parseInvoiceSlug, type InvoiceListing } from '../../invoicing/list-invoices'
import { makeInvoiceFiles } from '../../invoicing/make-files'
import { applySdiReceipt, parseSdiReceipt, ReceiptError } from '../../invoicing/receipts'
import type { InvoiceProblem } from '../../invoicing/schema'
import { sendInvoicesToSdi } from '../../invoicing/send-to-sdi'
import type { FatturaValidator } from '../../invoicing/validate'
import { BILLING_FIELDS, billingFormFor, PROVINCES, validateBilling } from '../../renewals/billing'
import type { Services } from '../../services'
import { text, type FieldError } from '../frame'
import { INVOICE_FILE_PATTERN, replyCourtesyCopy, replyInvoiceXml, splitInvoiceFile } from '../invoice-downloads'
import { formBody, FREE_TEXT, MULTIPART_UPLOAD, NO_INPUT, objectOf, textOf } from '../route-schemas'
import { operatorActor } from './plugin'
import { requirePermission } from './roles'
import { UploadRefused, withUpload } from './receive-upload'

const FileParams = { type: 'object', properties: { file: { type: 'string', pattern: INVOICE_FILE_PATTERN } }, required: ['file'] } as const
const PeriodQuery = objectOf({ dal: textOf(10), al: textOf(10) })
const DONE = ['corretta', 'inviata', 'ancora', 'attesa'] as const
const DONE_TEXT: Record<(typeof DONE)[number], string> = { corretta: 'invoice.done.corrected', inviata: 'invoice.done.correctedSent', ancora: 'invoice.done.stillInvalid', attesa: 'invoice.done.waiting' }
/** The problems fatturapa.ts finds that the schema cannot, each worded in messages/invoices.ts. */
const DATA_PROBLEMS = new Set(['buyer_address_incomplete', 'buyer_tax_code_missing', 'buyer_country_unknown', 'totals_mismatch', 'payment_method_unknown'])
const RECEIPT_BYTES = 1024 * 1024 // an SdI notification is a few kilobytes

/**
 * R11 in the back office: the queue of invoices to correct (the schema refused their file, or the
 * SdI rejected it), an invoice's page with its problems, files and downloads, the correction of
 * its buyer (billing: reason, audited; a new file validated at once and sent, the same number),
 * the invoices of a period with their ZIP, and the upload of the SdI's receipts.
 */
export async function invoicesRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps, config } = services
  const look = { preHandler: requirePermission('look') }
  const billing = { preHandler: requirePermission('billing') }
  const today = () => businessDate(deps.clock.now(), deps.config.businessTimeZone)
  let validator: FatturaValidator | undefined // compiled once, at the first correction
  const validatorNow = async () => {
    if (!config.invoicing?.schemaDir) return undefined
    const { fatturaValidator } = await import('../../invoicing/validate')
    return (validator ??= fatturaValidator(config.invoicing.schemaDir))
  }

  const problemText = (request: FastifyRequest, p: InvoiceProblem) => {
    if (p.source === 'schema') return `${request.t('invoice.problem.schema')}: ${p.message}`
    if (p.source === 'sdi') return `${request.t('invoice.problem.sdi', { code: p.code ?? '—' })}: ${p.message}`
    return `${request.t('invoice.problem.data')}: ${p.code && DATA_PROBLEMS.has(p.code) ? request.t(`invoice.problem.data.${p.code}`) : p.message}`
  }
  const row = (request: FastifyRequest, i: InvoiceListing) => ({
    slug: invoiceSlug(i.number),
    number: i.number,
    kind: request.t(`invoice.kind.${i.kind}`),
    date: formatDate(i.issuedOn, request.lang),
    buyer: i.buyer,
    total: formatEuro(i.totalCents, request.lang),
    state: i.state,
    stateLabel: request.t(`invoice.state.${i.state}`),
    fileName: i.fileName,
    problems: (i.problems ?? []).map((p) => problemText(request, p)),
  })

  app.get('/code/fatture-da-correggere', { ...look, schema: NO_INPUT }, async (request, reply) => {
    const rows = await invoicesToCorrect(deps.db)
    return reply.page('admin/invoices-queue.eta', { title: request.t('queue.invoices.title'), rows: rows.map((i) => row(request, i)) })
  })

  app.get<{ Querystring: { dal?: string; al?: string } }>('/fatture', { ...look, schema: { querystring: PeriodQuery } }, async (request, reply) => {
    const period = periodOf(request.query, today())
    if (!period) return reply.page('admin/invoices.eta', { title: request.t('invoices.title'), errors: [{ field: 'dal', message: request.t('invoices.badPeriod') }], form: request.query, rows: null }, 422)
    const rows = await invoicesOfPeriod(deps.db, period)
    return reply.page('admin/invoices.eta', {
      title: request.t('invoices.title'),
      errors: [],
      form: { dal: period.from, al: period.to },
      caption: request.t('invoices.caption', { from: formatDate(period.from, request.lang), to: formatDate(period.to, request.lang) }),
      rows: rows.map((i) => row(request, i)),
      zip: `/ufficio/fatture/periodo.zip?dal=${period.from}&al=${period.to}`,
    })
  })

  // The period's files as the folder adapter's ZIP: a copy to download, which hands nothing over (state unchanged).
  app.get<{ Querystring: { dal?: string; al?: string } }>('/fatture/periodo.zip', { ...billing, schema: { querystring: PeriodQuery } }, async (request, reply) => {
    const period = periodOf(request.query, today())
    if (!period) return reply.refuse('invalid_input')
    const { ready } = await periodFiles(deps.db, period)
    return reply
      .header('Content-Disposition', `attachment; filename="${periodZipName(period)}"`)
      .header('Cache-Control', 'private, no-store')
      .type('application/zip')
      .send(zipOf(ready))
  })

  const receiptsPage = (request: FastifyRequest, reply: FastifyReply, view: { errors?: FieldError[]; result?: string } = {}, status = 200) =>
    reply.page('admin/receipts.eta', { title: request.t('receipts.title'), errors: view.errors ?? [], result: view.result ?? null }, status)

  app.get('/fatture/ricevute', { ...billing, schema: NO_INPUT }, async (request, reply) => receiptsPage(request, reply))

  app.post('/fatture/ricevute', { ...billing, config: { csrf: 'in-handler' }, schema: MULTIPART_UPLOAD }, async (request, reply) => {
    try {
      const applied = await withUpload(app, request, reply, RECEIPT_BYTES, async (upload) => {
        const receipt = parseSdiReceipt(await readFile(upload.path, 'utf8'))
        return applySdiReceipt(deps.db, receipt, deps.clock.now(), operatorActor(request))
      })
      const detail = applied.invoiceId ? await findInvoiceDetail(deps.db, applied.invoiceId) : undefined
      const result = request.t(`receipts.${applied.outcome}`, {
        kind: applied.kind,
        file: applied.fileName,
        number: detail?.number ?? '',
        state: applied.state ? request.t(`invoice.state.${applied.state}`) : '',
      })
      return receiptsPage(request, reply, { result })
    } catch (error) {
      if (error instanceof ReceiptError) return receiptsPage(request, reply, { errors: [{ field: 'file', message: request.t('receipts.unreadable') }] }, 422)
      if (error instanceof UploadRefused) return receiptsPage(request, reply, { errors: [{ field: 'file', message: request.t(error.problem === 'too_large' ? 'upload.tooLarge' : 'upload.noFile', { mb: 1 }) }] }, error.problem === 'too_large' ? 413 : 422)
      throw error
    }
  })

  /** The invoice a :file names; null (and a 404 page) when none. */
  async function invoiceOf(request: FastifyRequest<{ Params: { file: string } }>, reply: FastifyReply) {
    const { slug, format } = splitInvoiceFile(request.params.file)
    const key = parseInvoiceSlug(slug)
    const id = key && (await findInvoiceIdByNumber(deps.db, key))
    if (!id) {
      await reply.refuse('page_not_found')
      return null
    }
    return { id, slug, format }
  }

  async function invoicePage(request: FastifyRequest, reply: FastifyReply, id: number, view: { errors?: FieldError[]; form?: Record<string, string> } = {}, status = 200) {
    const detail = (await findInvoiceDetail(deps.db, id))!
    const done = (request.query as { fatto?: string } | undefined)?.fatto as (typeof DONE)[number] | undefined
    const current = detail.files.find((f) => f.current)
    return reply.page(
      'admin/invoice.eta',
      {
        title: request.t('invoice.title', { kind: request.t(`invoice.kind.${detail.kind}`), number: detail.number }),
        invoice: {
          ...row(request, detail),
          orderId: formatOrderId(detail.orderId as OrderId),
          refersTo: detail.refersTo,
          buyerLines: buyerLines(detail.buyerData),
          correctable: detail.state === 'invalid' || detail.state === 'rejected',
        },
        files: detail.files.map((f) => ({
          name: f.fileName,
          current: f.current,
          valid: f.valid,
          sent: f.sentAt ? request.t('invoice.file.sent', { at: formatInstant(f.sentAt, request.lang) }) : request.t('invoice.file.notSent'),
          sdiId: f.sdiId,
        })),
        hasPdf: Boolean(config.invoicing),
        done: done && DONE.includes(done) ? request.t(DONE_TEXT[done], { file: current?.fileName ?? '' }) : null,
        form: { ...billingFormFor(detail.buyerData as never), reason: '', ...view.form },
        errors: view.errors ?? [],
        provinces: PROVINCES.map(([code, name]) => ({ code, name })),
      },
      status,
    )
  }

  app.get<{ Params: { file: string } }>('/fatture/:file', { ...look, schema: { params: FileParams, querystring: objectOf({ fatto: textOf(16) }) } }, async (request, reply) => {
    const found = await invoiceOf(request, reply)
    if (!found) return reply
    if (found.format === 'pdf') return replyCourtesyCopy(reply, services, found.id)
    if (found.format === 'xml') return replyInvoiceXml(reply, services, found.id)
    return invoicePage(request, reply, found.id)
  })

  const correctionBody = formBody({ ...Object.fromEntries(BILLING_FIELDS.map((f) => [f, textOf(254)])), reason: FREE_TEXT })
  app.post<{ Params: { file: string }; Body: Record<string, unknown> }>(
    '/fatture/:file/correggi',
    { ...billing, schema: { params: FileParams, body: correctionBody } },
    async (request, reply) => {
      const found = await invoiceOf(request, reply)
      if (!found || found.format !== 'page') return found ? reply.refuse('page_not_found') : reply
      const detail = (await findInvoiceDetail(deps.db, found.id))!
      const form = Object.fromEntries([...BILLING_FIELDS, 'reason'].map((f) => [f, text(request.body?.[f])]))
      const checked = validateBilling(form, detail.buyerData.email ?? '')
      const errors: FieldError[] = checked.ok ? [] : checked.problems.map((p) => ({ field: p.field, message: request.t(`wizard.billing.error.${p.code}`) }))
      if (!form.reason.trim()) errors.push({ field: 'reason', message: errorMessage('reason_required', request.lang) })
      if (!checked.ok || errors.length) return invoicePage(request, reply, found.id, { errors, form }, 422)
      const now = deps.clock.now()
      await correctInvoiceBuyer(deps.db, { invoiceId: found.id, buyer: checked.billing, reason: form.reason, actor: operatorActor(request) }, now)
      // R11: made and validated at once, as the job would; sent when the SdI adapter is configured
      const checker = await validatorNow()
      let done: (typeof DONE)[number] = 'attesa'
      if (checker && config.invoicing) {
        const made = await makeInvoiceFiles(deps.db, config.invoicing, checker, now, { invoiceIds: [found.id] })
        done = made.invalid ? 'ancora' : 'corretta'
        if (!made.invalid && config.invoicing.sdiPecAddress && !config.invoicing.isDemo) {
          done = (await sendInvoicesToSdi(deps.db, config.invoicing, now, [found.id])).queued ? 'inviata' : 'corretta'
        }
      }
      return reply.redirect(`/ufficio/fatture/${found.slug}?fatto=${done}`, 303)
    },
  )
}

/** The period asked (dal/al), by default this month up to today; null when it is not one. */
function periodOf(query: { dal?: string; al?: string }, today: CalendarDate): { from: CalendarDate; to: CalendarDate } | null {
  const from = query.dal ?? `${today.slice(0, 8)}01`
  const to = query.al ?? today
  if (!isCalendarDate(from) || !isCalendarDate(to) || from > to || addDays(from, 366) < to) return null
  return { from, to }
}

/** The buyer as the file has it, a line per fact. */
function buyerLines(b: Record<string, string>): string[] {
  return [b.name, b.fiscalCode && `CF ${b.fiscalCode}`, b.vatNumber && `P.IVA ${b.vatNumber}`, b.address || [b.street, b.streetNumber, b.postalCode, b.city].filter(Boolean).join(' '), b.sdiCode && `SDI ${b.sdiCode}`, b.pecAddress && `PEC ${b.pecAddress}`].filter(
    (line): line is string => Boolean(line),
  )
}
