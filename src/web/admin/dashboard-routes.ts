import type { FastifyInstance, FastifyRequest } from 'fastify'
import { businessDate, formatDate, type CalendarDate } from '../../core/calendar'
import { datePhrase } from '../../core/date-phrase'
import { formatEuro } from '../../core/money'
import { cohortRate, dashboardFigures, type Dashboard } from '../../flows/dashboard'
import type { PaymentMethod } from '../../renewals/schema'
import type { Services } from '../../services'
import { NO_INPUT, objectOf, textOf } from '../route-schemas'
import { sendCsv } from './csv'
import { requireOperator } from './roles'
import { barChartSvg, type BarChart } from './svg-chart'

const METHODS: PaymentMethod[] = ['card', 'paypal', 'bonifico', 'bollettino']

/** One chart of the dashboard: the picture, the same numbers as a table, and as CSV. */
interface ChartView {
  slug: string
  title: string
  summary: string
  svg: string
  caption: string
  head: string[]
  rows: string[][]
  csvUrl: string
}

type Slug = 'rinnovi' | 'incassi' | 'scadenze' | 'coorti' | 'sospesi'
const SLUGS: Slug[] = ['rinnovi', 'incassi', 'scadenze', 'coorti', 'sospesi']

/**
 * Issue 11, seeing the day: /ufficio/cruscotto (any operator) draws renewals per day and method over
 * the last 90 days, money registered per day, mailboxes expiring per week for the next 26 weeks with
 * those already renewed, the renewal rate of each expiry cohort (month) and the money waiting to be
 * resolved, as SVG made here. Each chart has its numbers as a table and as CSV
 * (/ufficio/cruscotto/CHART.csv). Dates come from the injected clock.
 */
export async function dashboardRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services
  const today = () => businessDate(deps.clock.now(), deps.config.businessTimeZone)

  app.get('/cruscotto', { preHandler: requireOperator, schema: NO_INPUT }, async (request, reply) => {
    const figures = await dashboardFigures(deps, today())
    const charts = SLUGS.map((slug) => chartView(request, figures, slug))
    return reply.page('admin/dashboard.eta', { title: request.t('dash.title'), today: datePhrase(figures.today, request.lang, 'the'), charts })
  })

  app.get<{ Params: { chart: string } }>('/cruscotto/:chart', { preHandler: requireOperator, schema: { params: objectOf({ chart: textOf(32) }, ['chart']) } }, async (request, reply) => {
    const slug = SLUGS.find((s) => `${s}.csv` === request.params.chart)
    if (!slug) return reply.refuse('page_not_found')
    const figures = await dashboardFigures(deps, today())
    return sendCsv(reply, `${slug}-${figures.today}.csv`, csvLines(figures, slug))
  })
}

/** The CSV of a chart: machine-readable headers, ISO dates, whole numbers (money in cents). */
function csvLines(figures: Dashboard, slug: Slug): string[][] {
  switch (slug) {
    case 'rinnovi':
      return [['day', ...METHODS, 'total'], ...figures.renewals.map((d) => [d.day, ...METHODS.map((m) => String(d.byMethod[m])), String(sum(METHODS.map((m) => d.byMethod[m])))])]
    case 'incassi':
      return [['day', 'paid_cents', 'other_cents', 'total_cents'], ...figures.money.map((d) => [d.day, String(d.paidCents), String(d.otherCents), String(d.paidCents + d.otherCents)])]
    case 'scadenze':
      return [['week_from', 'week_to', 'renewed', 'not_renewed', 'total'], ...figures.expiries.map((w) => [w.from, w.to, String(w.renewed), String(w.notRenewed), String(w.renewed + w.notRenewed)])]
    case 'coorti':
      return [['expiry_month', 'renewed', 'lapsed', 'pending', 'renewal_rate_percent'], ...figures.cohorts.map((c) => [c.month, String(c.renewed), String(c.lapsed), String(c.pending), rateText(cohortRate(c))])]
    case 'sospesi':
      return [['reason', 'payments', 'amount_cents', 'oldest'], ...figures.held.map((h) => [h.reason, String(h.count), String(h.amountCents), h.oldest])]
  }
}

function chartView(request: FastifyRequest, figures: Dashboard, slug: Slug): ChartView {
  const { t, lang } = request
  const euro = (cents: number) => formatEuro(Math.round(cents), lang)
  const count = (n: number) => new Intl.NumberFormat(lang === 'it' ? 'it-IT' : 'en-GB', { maximumFractionDigits: 1 }).format(n)
  const day = (d: CalendarDate) => formatDate(d, lang)
  const short = (d: CalendarDate) => SHORT[lang].format(new Date(`${d}T00:00:00Z`))
  const common = { slug, csvUrl: `/ufficio/cruscotto/${slug}.csv`, title: t(`dash.${slug}.title`), caption: t(`dash.${slug}.caption`) }
  const draw = (chart: Omit<BarChart, 'id' | 'title'>) => barChartSvg({ id: `chart-${slug}`, title: common.title, ...chart })

  switch (slug) {
    case 'rinnovi': {
      const days = figures.renewals
      const total = sum(days.map((d) => sum(METHODS.map((m) => d.byMethod[m]))))
      const summary = t('dash.rinnovi.summary', { total: count(total), days: days.length })
      return {
        ...common,
        summary,
        svg: draw({
          description: summary,
          categories: days.map((d) => short(d.day)),
          series: METHODS.map((m) => ({ label: t(`money.method.${m}`), values: days.map((d) => d.byMethod[m]) })),
          format: count,
          labelEvery: 15,
          wholeNumbers: true,
        }),
        head: [t('dash.day'), ...METHODS.map((m) => t(`money.method.${m}`)), t('dash.total')],
        rows: days.map((d) => [day(d.day), ...METHODS.map((m) => count(d.byMethod[m])), count(sum(METHODS.map((m) => d.byMethod[m])))]),
      }
    }
    case 'incassi': {
      const days = figures.money
      const summary = t('dash.incassi.summary', { paid: euro(sum(days.map((d) => d.paidCents))), other: euro(sum(days.map((d) => d.otherCents))), days: days.length })
      return {
        ...common,
        summary,
        svg: draw({
          description: summary,
          categories: days.map((d) => short(d.day)),
          series: [
            { label: t('dash.incassi.paid'), values: days.map((d) => d.paidCents) },
            { label: t('dash.incassi.other'), values: days.map((d) => d.otherCents) },
          ],
          format: euro,
          labelEvery: 15,
        }),
        head: [t('dash.day'), t('dash.incassi.paid'), t('dash.incassi.other'), t('dash.total')],
        rows: days.map((d) => [day(d.day), euro(d.paidCents), euro(d.otherCents), euro(d.paidCents + d.otherCents)]),
      }
    }
    case 'scadenze': {
      const weeks = figures.expiries
      const summary = t('dash.scadenze.summary', { total: count(sum(weeks.map((w) => w.renewed + w.notRenewed))), renewed: count(sum(weeks.map((w) => w.renewed))), weeks: weeks.length })
      return {
        ...common,
        summary,
        svg: draw({
          description: summary,
          categories: weeks.map((w) => short(w.from)),
          series: [
            { label: t('dash.scadenze.renewed'), values: weeks.map((w) => w.renewed) },
            { label: t('dash.scadenze.notRenewed'), values: weeks.map((w) => w.notRenewed) },
          ],
          format: count,
          labelEvery: 4,
          wholeNumbers: true,
        }),
        head: [t('dash.week'), t('dash.scadenze.renewed'), t('dash.scadenze.notRenewed'), t('dash.total')],
        rows: weeks.map((w) => [t('dash.weekRange', { from: datePhrase(w.from, lang, 'from'), to: datePhrase(w.to, lang, 'to') }), count(w.renewed), count(w.notRenewed), count(w.renewed + w.notRenewed)]),
      }
    }
    case 'coorti': {
      const cohorts = figures.cohorts
      const summary = t('dash.coorti.summary', { months: cohorts.length })
      return {
        ...common,
        summary,
        svg: draw({
          description: summary,
          categories: cohorts.map((c) => monthName(c.month, lang, 'short')),
          series: [{ label: t('dash.coorti.rate'), values: cohorts.map((c) => cohortRate(c) ?? 0) }],
          format: (n) => `${count(n)} %`,
        }),
        head: [t('dash.month'), t('dash.coorti.renewed'), t('dash.coorti.lapsed'), t('dash.coorti.pending'), t('dash.coorti.rate')],
        rows: cohorts.map((c) => {
          const rate = cohortRate(c)
          return [monthName(c.month, lang, 'long'), count(c.renewed), count(c.lapsed), count(c.pending), rate === null ? t('dash.coorti.none') : `${count(rate)} %`]
        }),
      }
    }
    case 'sospesi': {
      const held = figures.held
      const summary = held.length
        ? t('dash.sospesi.summary', { amount: euro(sum(held.map((h) => h.amountCents))), payments: count(sum(held.map((h) => h.count))) })
        : t('dash.sospesi.none')
      return {
        ...common,
        summary,
        svg: draw({
          description: summary,
          categories: held.map((h) => heldReason(request, h.reason)),
          series: [{ label: t('dash.sospesi.amount'), values: held.map((h) => h.amountCents) }],
          format: euro,
        }),
        head: [t('dash.sospesi.reason'), t('dash.sospesi.payments'), t('dash.sospesi.amount'), t('dash.sospesi.oldest')],
        rows: held.map((h) => [heldReason(request, h.reason), count(h.count), euro(h.amountCents), day(h.oldest)]),
      }
    }
  }
}

/** Why a payment waits, in the operator's words (the upload pages' own). */
function heldReason(request: FastifyRequest, reason: string): string {
  if (reason === 'unknownOrder') return request.t('dash.sospesi.unknownOrder')
  try {
    return request.t(`reason.${reason}`, { detail: '' }).trim()
  } catch {
    return reason
  }
}

const SHORT = {
  it: new Intl.DateTimeFormat('it-IT', { day: 'numeric', month: 'short', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' }),
}

function monthName(month: string, lang: 'it' | 'en', style: 'short' | 'long'): string {
  return new Intl.DateTimeFormat(lang === 'it' ? 'it-IT' : 'en-GB', { month: style, year: 'numeric', timeZone: 'UTC' }).format(new Date(`${month}-01T00:00:00Z`))
}

function rateText(rate: number | null): string {
  return rate === null ? '' : String(rate)
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0)
}

