import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type {} from '@fastify/multipart' // request.parts(), request.isMultipart()
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { verifyCsrfNow } from '../frame'

export interface Upload {
  /** The file on disk, in a private temporary folder removed once `use` is done. */
  path: string
  /** The name the browser gave; shown to the operator, never used as a path. */
  filename: string
  /** The form's other fields. */
  fields: Record<string, string>
}

export type UploadProblem = 'no_file' | 'empty' | 'too_large' | 'not_multipart'

/** An upload refused before anything was imported; the page says why. */
export class UploadRefused extends Error {
  constructor(readonly problem: UploadProblem) {
    super(problem)
    this.name = 'UploadRefused'
  }
}

/**
 * Receives a multipart form with one file field `file`: checks its CSRF token (a field placed before
 * the file) before storing a byte, streams the file to a temporary file (never whole in memory),
 * stops at `maxBytes`, hands it to `use`, and removes it whatever happens.
 */
export async function withUpload<T>(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  maxBytes: number,
  use: (upload: Upload) => Promise<T>,
  /** false for a caller with no cookie to forge (the API's bearer token): no _csrf field is asked for. */
  csrf = true,
): Promise<T> {
  if (!request.isMultipart()) {
    if (csrf) verifyCsrfNow(app, request, reply, (request.body as { _csrf?: string } | undefined)?._csrf)
    throw new UploadRefused('not_multipart')
  }
  const folder = await mkdtemp(join(tmpdir(), 'pec-upload-'))
  try {
    const fields: Record<string, string> = {}
    let upload: Upload | undefined
    let checked = false
    const checkToken = () => {
      if (!checked && csrf) verifyCsrfNow(app, request, reply, fields._csrf)
      checked = true
    }
    const parts = request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 4096, parts: 12 } })
    for await (const part of parts) {
      if (part.type === 'field') {
        if (typeof part.value === 'string') fields[part.fieldname] = part.value
        continue
      }
      checkToken() // a forged form is refused before its file is stored
      if (part.fieldname !== 'file' || upload || !part.filename) {
        part.file.resume() // not ours (or no file chosen): drained, never stored
        continue
      }
      const path = join(folder, 'upload')
      await pipeline(part.file, createWriteStream(path, { flags: 'wx', mode: 0o600 }))
      if (part.file.truncated) throw new UploadRefused('too_large')
      if ((await stat(path)).size === 0) throw new UploadRefused('empty')
      upload = { path, filename: part.filename, fields }
    }
    checkToken()
    if (!upload) throw new UploadRefused('no_file')
    return await use(upload)
  } catch (error) {
    if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new UploadRefused('too_large')
    throw error
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}
