import fastifyMultipart from '@fastify/multipart'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { importStatement, type StatementImport } from '../../flows/imports/import-statement'
import { StatementError, type StatementFormat } from '../../payments/offline/read-statement'
import { importSlips } from '../../flows/imports/import-slips'
import { PosteReportError } from '../../payments/postal/poste-report'
import type { Services } from '../../services'
import type { FieldError } from '../frame'
import { describeFileRefusal, importView } from './import-view'
import { operatorActor, requireOperator } from './plugin'
import { UploadRefused, withUpload, type Upload } from './receive-upload'

const FORMATS = ['auto', 'camt053', 'cbi-rh'] as const

/** The two upload pages: what each imports, with the very function the CLI runs. */
interface UploadKind {
  path: string
  key: 'statements' | 'slips'
  /** The CLI command that gives the whole result as JSON. */
  command: string
  run(upload: Upload, actor: string): Promise<StatementImport>
}

/**
 * Issue 4, "the same as an upload in the back office": /ufficio/estratti takes a bank statement
 * (camt.053 or CBI RH, detected or chosen) and /ufficio/bollettini Poste's slips report. The file
 * is streamed to a temporary file and imported by importStatement / importSlips, as
 * `statements import` and `slips import` do, with the signed-in operator as the actor (R9).
 */
export async function uploadRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps, config } = services
  const maxBytes = config.uploadMaxMb * 1024 * 1024
  await app.register(fastifyMultipart, { limits: { fileSize: maxBytes, files: 1 } })

  const kinds: UploadKind[] = [
    {
      path: '/estratti',
      key: 'statements',
      command: 'pec-renewal statements import',
      run: (upload, actor) => importStatement(deps, upload.path, { format: statementFormat(upload.fields.format), actor }),
    },
    {
      path: '/bollettini',
      key: 'slips',
      command: 'pec-renewal slips import',
      run: (upload, actor) => importSlips(deps, upload.path, { actor }),
    },
  ]

  for (const kind of kinds) {
    const form = (request: FastifyRequest, reply: FastifyReply, view: { errors?: FieldError[]; detail?: string; format?: string } = {}, status = 200) =>
      reply.page(
        'admin/upload.eta',
        { title: request.t(`upload.${kind.key}.title`), kind: kind.key, action: `/ufficio${kind.path}`, maxMb: config.uploadMaxMb, formats: FORMATS, format: 'auto', ...view },
        status,
      )

    app.get(kind.path, { preHandler: requireOperator }, async (request, reply) => form(request, reply))

    app.post(kind.path, { preHandler: requireOperator, config: { csrf: 'in-handler' } }, async (request, reply) => {
      let filename = ''
      let format = 'auto'
      try {
        const result = await withUpload(app, request, reply, maxBytes, (upload) => {
          filename = upload.filename
          format = upload.fields.format ?? 'auto'
          return kind.run(upload, operatorActor(request))
        })
        return reply.page('admin/import-result.eta', {
          title: request.t('result.title'),
          filename,
          again: `/ufficio${kind.path}`,
          command: kind.command,
          ...importView(result, request.lang),
        })
      } catch (error) {
        const refusal = describeRefusal(error, request, config.uploadMaxMb)
        if (!refusal) throw error
        return form(request, reply, { errors: [{ field: refusal.field, message: refusal.message }], detail: refusal.detail, format }, refusal.status)
      }
    })
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
  // Both imports refuse a bad file before registering anything (one transaction, or a check of the whole file first).
  if (error instanceof StatementError || error instanceof PosteReportError) return { field: 'file', ...describeFileRefusal(error, request.lang), status: 422 }
  return null
}
