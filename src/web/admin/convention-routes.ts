import { readFile } from 'node:fs/promises'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { addContractVersion } from '../../catalog/add-contract-version'
import * as catalog from '../../catalog/queries'
import { CONVENTION_DEFAULTS } from '../../catalog/convention-file'
import { DEACTIVATION_MODES, LATE_RENEWAL_FROM, MAX_DURATION_YEARS, PAYERS, priceInForce, type ConventionSettings } from '../../catalog/rules'
import { setConvention, storedSettings, type WantedPrice } from '../../catalog/set-convention'
import { businessDate, compareDates, formatDate, isCalendarDate, type CalendarDate } from '../../core/calendar'
import { datePhrase } from '../../core/date-phrase'
import { DomainError, errorMessage, errorStatus, type ErrorCode } from '../../core/errors'
import { formatEuro, parseEuroAmount, priceWithVat } from '../../core/money'
import type { Services } from '../../services'
import { text, type FieldError } from '../frame'
import { FLAG, formBody, MULTIPART_UPLOAD, NO_INPUT, objectOf, textOf } from '../route-schemas'
import { operatorActor } from './plugin'
import { UploadRefused, withUpload } from './receive-upload'
import { requirePermission } from './roles'

/** Convention settings are the admin's work (issue 11: admin = operators and convention settings). */
const requireAdmin = requirePermission('admin')
const CodeParams = objectOf({ code: textOf(32) }, ['code'])
const DONE = ['created', 'settings', 'price', 'contract', 'unchanged'] as const
const SETTINGS_FIELDS = ['name', 'payer', 'durations', 'offsets', 'warning', 'window', 'late', 'mode', 'reason'] as const
const CONTRACT_MAX_BYTES = 1024 * 1024

/** Where each refusal is shown: beside the field it is about. */
const FIELD_OF: Partial<Record<ErrorCode, string>> = {
  reason_required: 'reason',
  convention_name_missing: 'name',
  convention_durations_invalid: 'durations',
  reminder_offsets_invalid: 'offsets',
  reminder_offsets_not_descending: 'offsets',
  register_warning_invalid: 'warning',
  renewable_window_inconsistent: 'window',
  duration_without_price: 'durations',
  price_date_past: 'price-from',
  price_already_in_force: 'price-from',
  contract_date_past: 'contract-from',
  contract_version_invalid: 'contract-version',
  contract_version_exists: 'contract-version',
  contract_document_not_found: 'contract-document',
  contract_document_other_convention: 'contract-new-code',
  contract_document_code_invalid: 'contract-new-code',
  contract_titles_required: 'contract-title-it',
  convention_code_invalid: 'code',
  convention_exists: 'code',
  price_invalid: 'price-net',
}

/**
 * Issue 11, running the convention: /ufficio/convenzioni lists them; /ufficio/convenzioni/CODE shows
 * the settings (durations, reminders, renewable window, late-renewal policy) with their form, the
 * price list with its history and a form for a new price from a day, the contract documents with
 * every version and a form to upload a new one, and the changes made. Every change runs the same
 * use case as `convention set` and `contract add`, asks a reason, and is audited with the operator;
 * a change that would break a rule is refused with its reason beside the field.
 */
export async function conventionRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services
  const today = () => businessDate(deps.clock.now(), deps.config.businessTimeZone)

  app.get('/convenzioni', { preHandler: requireAdmin, schema: NO_INPUT }, async (request, reply) => {
    const day = today()
    const rows = await Promise.all(
      (await catalog.listConventions(deps.db)).map(async (c) => {
        const prices = await catalog.listPrices(deps.db, c.code)
        return {
          code: c.code,
          name: c.name,
          payer: request.t(`conv.payer.${c.payer}`),
          prices: c.durationsYears.map((years) => ({ years: yearsText(request, years), price: priceText(request, priceInForce(prices, years, day)) })),
          offsets: c.reminderOffsetsDays.join(', '),
          window: c.renewableWindowDays,
        }
      }),
    )
    return reply.page('admin/conventions.eta', { title: request.t('conv.listTitle'), rows })
  })

  async function show(request: FastifyRequest<{ Params: { code: string } }>, reply: FastifyReply, view: Record<string, unknown> = {}, status = 200) {
    const convention = await catalog.findConvention(deps.db, request.params.code)
    if (!convention) return reply.refuse('convention_not_found')
    const day = today()
    const lang = request.lang
    const [prices, documents, versions, history] = await Promise.all([
      catalog.listPrices(deps.db, convention.code),
      catalog.listContractDocuments(deps.db, convention.code),
      catalog.listContractVersions(deps.db, convention.code),
      catalog.conventionHistory(deps.db, convention.code),
    ])
    const settings = storedSettings(convention)
    const priceRows = prices.map((p) => {
      const inForce = priceInForce(prices, p.years, day) === p
      const state = inForce ? 'current' : compareDates(p.effectiveFrom, day) > 0 ? 'future' : 'past'
      const { vatCents, totalCents } = priceWithVat(p.netCents, p.vatBasisPoints)
      return {
        years: yearsText(request, p.years),
        net: formatEuro(p.netCents, lang),
        vat: `${formatPercent(p.vatBasisPoints, lang)} (${formatEuro(vatCents, lang)})`,
        total: formatEuro(totalCents, lang),
        from: p.effectiveFrom === '2000-01-01' ? request.t('conv.price.always') : formatDate(p.effectiveFrom, lang),
        state: request.t(`conv.price.${state}`),
        offered: convention.durationsYears.includes(p.years),
      }
    })
    const documentRows = documents.map((d) => ({
      code: d.code,
      title: lang === 'it' ? d.titleIt : d.titleEn,
      onerous: d.onerous,
      sharedWith: d.conventions.filter((c) => c !== convention.code).join(', '),
      versions: versions
        .filter((v) => v.documentCode === d.code)
        .map((v) => ({
          version: v.version,
          from: datePhrase(v.effectiveFrom, lang, 'from'),
          future: compareDates(v.effectiveFrom, day) > 0,
          href: `/contratti/${encodeURIComponent(d.code)}/${encodeURIComponent(v.version)}`,
        })),
    }))
    return reply.page(
      'admin/convention.eta',
      {
        title: request.t('conv.title', { code: convention.code }),
        convention: { code: convention.code, name: convention.name },
        form: {
          name: settings.name,
          payer: settings.payer,
          durations: settings.durationsYears.join(', '),
          offsets: settings.reminderOffsetsDays.join(', '),
          warning: String(settings.registerWarningDays),
          window: String(settings.renewableWindowDays),
          late: settings.lateRenewalFrom,
          mode: settings.deactivationMode,
          reason: '',
        },
        priceForm: { years: String(settings.durationsYears[0]), net: '', vat: '22', from: day, reason: '' },
        contractForm: { document: documents[0]?.code ?? '', newCode: '', titleIt: '', titleEn: '', onerous: '', version: '', from: day, reason: '' },
        choices: { payers: PAYERS, late: LATE_RENEWAL_FROM, modes: DEACTIVATION_MODES, years: settings.durationsYears },
        prices: priceRows,
        documents: documentRows,
        history: history.map((h) => ({ at: h.at.toISOString(), when: formatDate(businessDate(h.at, deps.config.businessTimeZone), lang), actor: h.actor.replace(/^operator:/, ''), what: describeChange(request, h), reason: h.reason ?? '' })),
        today: datePhrase(day, lang, 'the'),
        errors: [],
        done: doneMessage(request),
        ...view,
      },
      status,
    )
  }

  app.get<{ Params: { code: string }; Querystring: { fatto?: string } }>('/convenzioni/:code', { preHandler: requireAdmin, schema: { params: CodeParams, querystring: objectOf({ fatto: FLAG }) } }, (request, reply) => show(request, reply))

  /** Runs a change; on a refusal shows the page again with the form as sent and the reason beside its field. */
  async function change(
    request: FastifyRequest<{ Params: { code: string } }>,
    reply: FastifyReply,
    formKey: 'form' | 'priceForm' | 'contractForm',
    form: Record<string, string>,
    run: () => Promise<{ kind: string }>,
    done: (typeof DONE)[number],
  ) {
    try {
      const result = await run()
      return reply.redirect(`/ufficio/convenzioni/${encodeURIComponent(request.params.code)}?fatto=${result.kind === 'unchanged' ? 'unchanged' : done}`, 303)
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      if (error.code === 'convention_not_found') return reply.refuse(error.code)
      const prefix = formKey === 'priceForm' ? 'price-' : formKey === 'contractForm' ? 'contract-' : ''
      const mapped = error.code === 'contract_document_not_found' && form.document === '' ? 'contract-new-code' : FIELD_OF[error.code]
      const field = mapped === 'reason' ? `${prefix}reason` : (mapped ?? (formKey === 'form' ? 'name' : formKey === 'priceForm' ? 'price-net' : 'contract-file'))
      const errors: FieldError[] = [{ field, message: errorMessage(error.code, request.lang) }]
      return show(request, reply, { [formKey]: form, errors }, errorStatus(error.code) === 409 ? 409 : 422)
    }
  }

  const settingsFields = { name: textOf(200), payer: textOf(16), durations: textOf(64), offsets: textOf(200), warning: textOf(8), window: textOf(8), late: textOf(16), mode: textOf(16), reason: textOf(2000) }
  const settingsBody = formBody(settingsFields)
  app.post<{ Params: { code: string }; Body: Record<string, string | undefined> }>('/convenzioni/:code', { preHandler: requireAdmin, schema: { params: CodeParams, body: settingsBody } }, async (request, reply) => {
    const form = formOf(request.body, SETTINGS_FIELDS)
    return change(request, reply, 'form', form, async () => {
      const convention = await catalog.findConvention(deps.db, request.params.code)
      if (!convention) throw new DomainError('convention_not_found', request.params.code)
      return setConvention(deps, { settings: settingsOf(convention.code, form, storedSettings(convention)), prices: [] }, { actor: operatorActor(request), reason: form.reason })
    }, 'settings')
  })

  // ---- a new convention: the same use case as `convention set FILE`, refused when the code is taken ----

  const PRICE_YEARS = Array.from({ length: MAX_DURATION_YEARS }, (_, i) => i + 1)
  const newForm = (request: FastifyRequest, reply: FastifyReply, form: Record<string, string>, errors: FieldError[] = [], status = 200) =>
    reply.page(
      'admin/convention-new.eta',
      {
        title: request.t('conv.newTitle'),
        form,
        priceRows: PRICE_YEARS.map((years) => ({ years, label: yearsText(request, years) })),
        choices: { payers: PAYERS, late: LATE_RENEWAL_FROM, modes: DEACTIVATION_MODES },
        today: datePhrase(today(), request.lang, 'the'),
        errors,
      },
      status,
    )

  app.get('/convenzioni/nuova', { preHandler: requireAdmin, schema: NO_INPUT }, async (request, reply) => {
    const d = CONVENTION_DEFAULTS
    const form: Record<string, string> = {
      code: '',
      name: '',
      payer: d.payer,
      durations: '1',
      offsets: d.reminderOffsetsDays.join(', '),
      warning: String(d.registerWarningDays),
      window: String(d.renewableWindowDays),
      late: d.lateRenewalFrom,
      mode: d.deactivationMode,
      reason: '',
      ...Object.fromEntries(PRICE_YEARS.flatMap((y) => [[`net-${y}`, ''], [`vat-${y}`, '22']])),
    }
    return newForm(request, reply, form)
  })

  const newBody = formBody({
    code: textOf(32),
    ...settingsFields,
    ...Object.fromEntries(PRICE_YEARS.flatMap((y) => [[`net-${y}`, textOf(32)], [`vat-${y}`, textOf(8)]])),
  })
  app.post<{ Body: Record<string, string | undefined> }>('/convenzioni', { preHandler: requireAdmin, schema: { body: newBody } }, async (request, reply) => {
    const form = formOf(request.body, ['code', ...SETTINGS_FIELDS, ...PRICE_YEARS.flatMap((y) => [`net-${y}`, `vat-${y}`])])
    form.code = form.code.toUpperCase()
    const settings = settingsOf(form.code, form)
    // a duration's row with a net price is its price, in force from today (as a file's price without `from`)
    const prices: WantedPrice[] = PRICE_YEARS.filter((y) => form[`net-${y}`] !== '').map((years) => ({ years, netCents: euroCents(form[`net-${years}`]), vatBasisPoints: percentBasisPoints(form[`vat-${years}`] || '22') }))
    try {
      await setConvention(deps, { settings, prices, mustBeNew: true }, { actor: operatorActor(request), reason: form.reason })
      return reply.redirect(`/ufficio/convenzioni/${encodeURIComponent(settings.code)}?fatto=created`, 303)
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      const unpriced = error.code === 'duration_without_price' || error.code === 'price_invalid' ? Number.parseInt(error.detail ?? '', 10) : Number.NaN
      const field = PRICE_YEARS.includes(unpriced) ? `net-${unpriced}` : (FIELD_OF[error.code] ?? 'name')
      const errors: FieldError[] = [{ field: field === 'price-net' ? 'net-1' : field, message: errorMessage(error.code, request.lang) }]
      return newForm(request, reply, form, errors, errorStatus(error.code) === 409 ? 409 : 422)
    }
  })

  const priceBody = formBody({ years: textOf(4), net: textOf(32), vat: textOf(8), from: textOf(10), reason: textOf(2000) })
  app.post<{ Params: { code: string }; Body: Record<string, string | undefined> }>('/convenzioni/:code/prezzi', { preHandler: requireAdmin, schema: { params: CodeParams, body: priceBody } }, async (request, reply) => {
    const body = request.body ?? {}
    const form = Object.fromEntries(['years', 'net', 'vat', 'from', 'reason'].map((k) => [k, text(body[k]).trim()]))
    return change(request, reply, 'priceForm', form, async () => {
      const convention = await catalog.findConvention(deps.db, request.params.code)
      if (!convention) throw new DomainError('convention_not_found', request.params.code)
      if (!isCalendarDate(form.from)) throw new DomainError('price_date_past', form.from)
      const price: WantedPrice = { years: wholeNumber(form.years), netCents: euroCents(form.net), vatBasisPoints: percentBasisPoints(form.vat), effectiveFrom: form.from as CalendarDate }
      return setConvention(deps, { settings: storedSettings(convention), prices: [price] }, { actor: operatorActor(request), reason: form.reason })
    }, 'price')
  })

  app.post<{ Params: { code: string } }>('/convenzioni/:code/contratti', { preHandler: requireAdmin, config: { csrf: 'in-handler' }, schema: { ...MULTIPART_UPLOAD, params: CodeParams } }, async (request, reply) => {
    let form: Record<string, string> = {}
    try {
      return await withUpload(app, request, reply, CONTRACT_MAX_BYTES, async (upload) => {
        const f = upload.fields
        form = { document: text(f.document), newCode: text(f.newCode).trim(), titleIt: text(f.titleIt).trim(), titleEn: text(f.titleEn).trim(), onerous: text(f.onerous) === 'si' ? 'si' : '', version: text(f.version).trim(), from: text(f.from), reason: text(f.reason).trim() }
        const body = await readFile(upload.path, 'utf8')
        return change(request, reply, 'contractForm', form, async () => {
          if (!(await catalog.findConvention(deps.db, request.params.code))) throw new DomainError('convention_not_found', request.params.code)
          if (!isCalendarDate(form.from)) throw new DomainError('contract_date_past', form.from)
          // an empty choice of document is a new one, with its code and titles (issue 11: the convention's own documents)
          const fresh = form.document === ''
          if (fresh && !form.newCode) throw new DomainError('contract_document_not_found', '')
          const document = fresh ? { documentCode: form.newCode, titleIt: form.titleIt, titleEn: form.titleEn, onerous: form.onerous === 'si' } : { documentCode: form.document }
          return addContractVersion(deps, { conventionCode: request.params.code, ...document, version: form.version, effectiveFrom: form.from as CalendarDate, body }, { actor: operatorActor(request), reason: form.reason })
        }, 'contract')
      })
    } catch (error) {
      if (!(error instanceof UploadRefused)) throw error
      return show(request, reply, { contractForm: { ...form }, errors: [{ field: 'contract-file', message: request.t(`conv.upload.${error.problem}`) }] }, 422)
    }
  })

  function doneMessage(request: FastifyRequest): string | null {
    const done = DONE.find((d) => d === (request.query as { fatto?: string } | undefined)?.fatto)
    return done ? request.t(`conv.done.${done}`) : null
  }
}

/** The posted fields, trimmed, each a text ('' when absent). */
function formOf(body: Record<string, string | undefined> | undefined, fields: readonly string[]): Record<string, string> {
  return Object.fromEntries(fields.map((k) => [k, text(body?.[k]).trim()]))
}

/** The settings form as the rules read it: a value that is not a number becomes one the rules refuse. */
function settingsOf(code: string, form: Record<string, string>, base?: ConventionSettings): ConventionSettings {
  return {
    ...base,
    code,
    name: form.name,
    payer: form.payer as ConventionSettings['payer'],
    durationsYears: numberList(form.durations),
    reminderOffsetsDays: numberList(form.offsets),
    registerWarningDays: wholeNumber(form.warning),
    renewableWindowDays: wholeNumber(form.window),
    lateRenewalFrom: form.late as ConventionSettings['lateRenewalFrom'],
    deactivationMode: form.mode as ConventionSettings['deactivationMode'],
  }
}

function describeChange(request: FastifyRequest, change: catalog.ConventionChange): string {
  const data = (change.data ?? {}) as { changes?: Record<string, unknown>; prices?: Array<{ years: number; netCents: number; vatBasisPoints: number; effectiveFrom: CalendarDate }>; document?: string; version?: string }
  if (change.action === 'contract.version_added') return request.t('conv.history.contract', { document: data.document ?? '', version: data.version ?? '' })
  const parts = Object.keys(data.changes ?? {}).map((field) => request.t(`conv.history.field.${field}`))
  for (const p of data.prices ?? []) {
    parts.push(request.t('conv.history.price', { years: yearsText(request, p.years), net: formatEuro(p.netCents, request.lang), from: datePhrase(p.effectiveFrom, request.lang, 'from') }))
  }
  return `${request.t(change.action === 'convention.created' ? 'conv.history.created' : 'conv.history.updated')}${parts.length ? `: ${parts.join('; ')}` : ''}`
}

function yearsText(request: FastifyRequest, years: number): string {
  return years === 1 ? request.t('conv.oneYear') : request.t('conv.nYears', { n: years })
}

function priceText(request: FastifyRequest, price: catalog.Price | undefined): string {
  if (!price) return request.t('conv.noPrice')
  return request.t('conv.priceText', { net: formatEuro(price.netCents, request.lang), vat: formatPercent(price.vatBasisPoints, request.lang) })
}

function formatPercent(basisPoints: number, lang: 'it' | 'en'): string {
  return `${new Intl.NumberFormat(lang === 'it' ? 'it-IT' : 'en-GB', { maximumFractionDigits: 2 }).format(basisPoints / 100)} %`
}

/** "60, 30, 15" or "60 30 15" as numbers; anything else makes a list the rules refuse. */
function numberList(value: string): number[] {
  return value.split(/[\s,;]+/).filter(Boolean).map((part) => (/^-?\d+$/.test(part) ? Number(part) : Number.NaN))
}

function wholeNumber(value: string): number {
  return /^-?\d+$/.test(value) ? Number(value) : Number.NaN
}

function euroCents(value: string): number {
  try {
    return parseEuroAmount(value.replace(/\s|€/g, ''))
  } catch {
    return Number.NaN
  }
}

function percentBasisPoints(value: string): number {
  const match = /^(\d{1,3})(?:[.,](\d{1,2}))?\s*%?$/.exec(value)
  return match ? Number(match[1]) * 100 + Number((match[2] ?? '0').padEnd(2, '0')) : Number.NaN
}
