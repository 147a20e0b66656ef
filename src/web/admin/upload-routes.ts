import fastifyMultipart from '@fastify/multipart'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { storeSlips } from '../../flows/imports/import-slips'
import { storeStatement } from '../../flows/imports/import-statement'
import { reportImport } from '../../flows/imports/report-import'
import type { StoredImport } from '../../flows/imports/store-import'
import { findOperatorRow } from '../../operators/queries'
import { findImport, type ImportRow } from '../../payments/imports/queries'
import { StatementError, type StatementFormat } from '../../payments/offline/read-statement'
import { PosteReportError } from '../../payments/postal/poste-report'
import type { Services } from '../../services'
import type { FieldError } from '../frame'
import { describeFileRefusal, importView } from './import-view'
import { operatorActor } from './plugin'
import { requireOperator, requirePermission } from './roles'
import { UploadRefused, withUpload, type Upload } from './receive-upload'
import { FLAG, MULTIPART_UPLOAD, NO_INPUT, objectOf, RowIdParams } from '../route-schemas'

const FORMATS = ['auto', 'camt053', 'cbi-rh'] as const
/** Uploading registers money: billing's work (and admin's). */
const requireBilling = requirePermission('billing')

/** The two upload pages: what each imports, with the very function the CLI runs. */
interface UploadKind {
  path: string
  key: 'statements' | 'slips'
  /** Stores the file's entries (nothing when it is refused); settling follows in the background. */
  store(upload: Upload, actor: string): Promise<StoredImport>
}

/** Seconds between two loads of an import's page while it settles. */
const PROGRESS_REFRESH_SECONDS = 2

/**
 * Issue 4, "the same as an upload in the back office": /ufficio/estratti takes a bank statement
 * (camt.053 or CBI RH, detected or chosen) and /ufficio/bollettini Poste's slips report. The file
 * is streamed to a temporary file and stored by storeStatement / storeSlips (issue 10: a refused
 * file stores nothing and the form says why), then settled in the background as `statements
 * import` and `slips import` settle it, with the signed-in operator as the actor (R9). The answer
 * is the import's own page, /ufficio/importazioni/ID: the progress while it settles (it reloads
 * itself), then the results; the same file again leads to the same page.
 */
export async function uploadRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps, config } = services
  const maxBytes = config.uploadMaxMb * 1024 * 1024
  await app.register(fastifyMultipart, { limits: { fileSize: maxBytes, files: 1 } })

  const kinds: UploadKind[] = [
    {
      path: '/estratti',
      key: 'statements',
      store: (upload, actor) => storeStatement(deps, upload.path, { format: statementFormat(upload.fields.format), actor, fileName: upload.filename }),
    },
    {
      path: '/bollettini',
      key: 'slips',
      store: (upload, actor) => storeSlips(deps, upload.path, { actor, fileName: upload.filename }),
    },
  ]
  // settling goes on after the answer; a server that stops leaves it for any node's jobs to resume
  app.addHook('onClose', () => services.imports.stop())

  for (const kind of kinds) {
    const form = (request: FastifyRequest, reply: FastifyReply, view: { errors?: FieldError[]; detail?: string; format?: string } = {}, status = 200) =>
      reply.page(
        'admin/upload.eta',
        { title: request.t(`upload.${kind.key}.title`), kind: kind.key, action: `/ufficio${kind.path}`, maxMb: config.uploadMaxMb, formats: FORMATS, format: 'auto', ...view },
        status,
      )

    app.get(kind.path, { preHandler: requireBilling, schema: NO_INPUT }, async (request, reply) => form(request, reply))

    app.post(kind.path, { preHandler: requireBilling, config: { csrf: 'in-handler' }, schema: MULTIPART_UPLOAD }, async (request, reply) => {
      let format = 'auto'
      try {
        const stored = await withUpload(app, request, reply, maxBytes, (upload) => {
          format = upload.fields.format ?? 'auto'
          return kind.store(upload, operatorActor(request))
        })
        services.imports.start(stored.importId)
        return reply.redirect(`/ufficio/importazioni/${stored.importId}${stored.storedNow ? '' : '?gia=1'}`, 303)
      } catch (error) {
        const refusal = describeRefusal(error, request, config.uploadMaxMb)
        if (!refusal) throw error
        return form(request, reply, { errors: [{ field: refusal.field, message: refusal.message }], detail: refusal.detail, format }, refusal.status)
      }
    })
  }

  app.get<{ Params: { id: number }; Querystring: { gia?: string } }>(
    '/importazioni/:id',
    {
      preHandler: requireOperator,
      schema: { params: RowIdParams, querystring: objectOf({ gia: FLAG }) },
    },
    async (request, reply) => {
      const found = await findImport(deps.db, request.params.id)
      if (!found) return reply.refuse('page_not_found')
      const facts = await importFacts(found, request.query.gia === '1')
      if (!found.settledAt) {
        // R9: who stored it; the page reloads itself until every entry is settled
        return reply.page('admin/import-progress.eta', { title: request.t('result.title'), ...facts, refreshSeconds: PROGRESS_REFRESH_SECONDS })
      }
      const report = await reportImport(deps.db, found.id)
      return reply.page('admin/import-result.eta', { title: request.t('result.title'), ...facts, ...importView(report, request.lang) })
    },
  )

  /** What both states of an import's page show: the file, who stored it, its progress, the way back. */
  async function importFacts(row: ImportRow, storedBefore: boolean) {
    const username = row.actor.startsWith('operator:') ? row.actor.slice('operator:'.length) : null
    const uploader = username ? ((await findOperatorRow(deps.db, username))?.displayName ?? username) : row.actor
    const slips = row.format === 'poste'
    return {
      filename: row.fileName,
      uploader,
      stagedAt: row.stagedAt,
      settled: row.settled,
      entries: row.entries,
      storedBefore,
      again: slips ? '/ufficio/bollettini' : '/ufficio/estratti',
      command: slips ? 'pec-renewal slips import' : 'pec-renewal statements import',
    }
  }
}

/** The format field: auto (detected from the file's first bytes) or one of the two. */
function statementFormat(value: string | undefined): StatementFormat | undefined {
  if (value === undefined || value === 'auto') return undefined
  if (value === 'camt053' || value === 'cbi-rh') return value
  throw new BadFormatChoice()
}

class BadFormatChoice extends Error {}

interface Refusal {
  field: string
  message: string
  detail?: string
  status: number
}

/** Why a file was not imported, in the operator's language; null for an error that is not about the file. */
function describeRefusal(error: unknown, request: FastifyRequest, maxMb: number): Refusal | null {
  const t = request.t
  if (error instanceof UploadRefused) {
    switch (error.problem) {
      case 'too_large':
        return { field: 'file', message: t('upload.tooLarge', { mb: maxMb }), status: 413 }
      case 'no_file':
        return { field: 'file', message: t('upload.noFile'), status: 422 }
      case 'empty':
        return { field: 'file', message: t('upload.empty'), status: 422 }
      case 'not_multipart':
        return { field: 'file', message: t('upload.notMultipart'), status: 415 }
    }
  }
  if (error instanceof BadFormatChoice) return { field: 'format-auto', message: t('upload.badFormat'), status: 422 }
  // A refused file stores nothing: its entries are stored in one transaction, which its parser's error rolls back.
  if (error instanceof StatementError || error instanceof PosteReportError) {
    request.log.info({ refused: error.message }, 'file refused by its parser')
    return { field: 'file', ...describeFileRefusal(error, request.lang), status: 422 }
  }
  return null
}
