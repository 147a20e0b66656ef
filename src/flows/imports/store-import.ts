import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { basename } from 'node:path'
import type { Deps } from '../../deps'
import * as imports from '../../payments/imports/queries'
import type { ImportFormat } from '../../payments/imports/schema'
import type { StagedEntry } from '../../payments/imports/staged-entry'
import type { ImportProgress } from './settle-import'

/** Entries per multi-row INSERT while a file is stored. */
const STORE_CHUNK = 2000

export interface FileToStore {
  path: string
  /** The name the operator knows the file by (an upload's original name); default the path's last part. */
  fileName?: string
  format: ImportFormat
  /** What else decides how the file reads (a filter): the same bytes read otherwise are another import. */
  scope: string
  actor: string
}

/** A stored import: found by its digest (stored before, or by another process meanwhile) or stored now. */
export interface StoredImport {
  importId: number
  storedNow: boolean
}

/**
 * Issue 10, store first: a file's entries, parsed and checked in one pass, stored in one
 * transaction under the file's digest, a few thousand per statement. A file that fails its checks
 * half-way stores nothing (the parser throws, the transaction rolls back) and so settles nothing.
 * The same file again (its digest) is not stored twice: its import is found, to resume or report.
 */
export async function storeImport(
  deps: Deps,
  file: FileToStore,
  entries: () => AsyncIterable<StagedEntry>,
  onProgress?: (progress: ImportProgress) => void | Promise<void>,
): Promise<StoredImport> {
  const digest = await fileDigest(file.path, `${file.format}:${file.scope}`)
  const found = await imports.findImportByDigest(deps.db, digest)
  if (found) return { importId: found.id, storedNow: false }
  return deps.db.transaction(async (tx) => {
    const now = deps.clock.now()
    const importId = await imports.insertImport(tx, { digest, format: file.format, fileName: file.fileName ?? basename(file.path), actor: file.actor, stagedAt: now })
    // another process stored this file meanwhile (the insert waited for it): settle or report that one
    if (importId === undefined) return { importId: (await imports.findImportByDigest(tx, digest))!.id, storedNow: false }
    let stored = 0
    let chunk: StagedEntry[] = []
    // One INSERT at a time on the connection, while the parser reads the next chunk.
    let writing: Promise<void> = Promise.resolve()
    const write = async () => {
      await writing
      const rows = chunk
      chunk = []
      writing = imports.insertEntries(tx, importId, stored, rows)
      writing.catch(() => {}) // awaited before the next statement, or below
      stored += rows.length
      await onProgress?.({ phase: 'storing', stored })
    }
    try {
      for await (const entry of entries()) {
        chunk.push(entry)
        if (chunk.length === STORE_CHUNK) await write()
      }
      if (chunk.length) await write()
      await writing
    } catch (error) {
      await writing.catch(() => {}) // nothing may outlive the transaction it rolls back
      throw error
    }
    await imports.finishStaging(tx, importId, stored, now)
    return { importId, storedNow: true }
  })
}

/** SHA-256 of the file's bytes and of how it is read. */
async function fileDigest(path: string, scope: string): Promise<string> {
  const hash = createHash('sha256').update(`${scope}\n`)
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
