import { formatEuro } from '../../core/money'
import { formatOrderId } from '../../core/order-id'
import type { EntryOutcome, StatementImport } from '../../flows/imports/import-statement'
import { decodeImportReason } from '../../payments/imports/import-reason'
import type { StatementError } from '../../payments/offline/statement-entry'
import { PosteReportError } from '../../payments/postal/poste-report'
import { translator, type Lang } from '../i18n'
import { officeMessages } from './messages'

/** Rows shown on the page; the CLI's --json gives all of them. */
export const MAX_ROWS = 1000

// What needs an operator comes first: held, then duplicates to refund, then the rest in file order.
const RANK: Record<EntryOutcome, number> = { held: 0, duplicate: 1, registered: 2, ignored: 3 }

export interface ImportRow {
  entryRef: string
  amount: string
  orderId: string
  outcome: EntryOutcome
  reason: string
}

export interface ImportView {
  totals: Pick<StatementImport, 'entries' | 'registered' | 'held' | 'duplicates' | 'ignored'>
  rows: ImportRow[]
  /** Rows left off the page (beyond MAX_ROWS). */
  hidden: number
}

/**
 * An import's reason code in words: "probable_typo:K7MR-4DXP-61" → "Probable typo … maybe K7MR-4DXP-61".
 * A code without a text is shown as it is, so a new reason is never hidden.
 */
export function describeReason(reason: string | null, lang: Lang): string {
  if (!reason) return ''
  const { code, detail = '' } = decodeImportReason(reason)
  const key = code === 'reversal' ? `reason.reversal.${detail}` : `reason.${code}`
  const text = officeMessages[lang][key]
  return text === undefined ? reason : text.replace('{detail}', detail)
}

/**
 * Why a statement or a Poste report was refused as a whole (nothing registered), in the operator's
 * language, and the parser's own words as the technical detail when they are in that language: the
 * Poste reader speaks Italian, the statement parsers English (an Italian operator reads the table's
 * words only; the log keeps the parser's). The page and the CLI say the same.
 */
export function describeFileRefusal(error: StatementError | PosteReportError, lang: Lang): { message: string; detail?: string } {
  const t = translator(officeMessages, lang)
  if (error instanceof PosteReportError) return { message: t('upload.posteRefused'), detail: error.message }
  const { code, facts } = error
  return { message: t('upload.refused', { why: t(`statement.${code}`, facts) }), ...(lang === 'en' ? { detail: error.message } : {}) }
}

/** The result page's view: totals, and the rows to show, those needing an operator first. */
export function importView(result: StatementImport, lang: Lang): ImportView {
  const ranked = result.results.map((r, i) => ({ r, i })).sort((a, b) => RANK[a.r.outcome] - RANK[b.r.outcome] || a.i - b.i)
  const rows = ranked.slice(0, MAX_ROWS).map(({ r }) => ({
    entryRef: r.entryRef,
    amount: formatEuro(r.amountCents, lang),
    orderId: r.orderId ? formatOrderId(r.orderId) : '—',
    outcome: r.outcome,
    reason: describeReason(r.reason, lang),
  }))
  const { entries, registered, held, duplicates, ignored } = result
  return { totals: { entries, registered, held, duplicates, ignored }, rows, hidden: ranked.length - rows.length }
}
