import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { parseCamt053 } from './camt053'
import { parseCbiRh } from './cbi-rh'
import { StatementError, type StatementEntry, type StatementFormat } from './statement-entry'

export { StatementError, type StatementEntry, type StatementFormat } from './statement-entry'

const CHUNK_BYTES = 64 * 1024

/** camt053 when the file starts with XML, cbi-rh when it starts with an RH record; else unknown_format. */
export function detectStatementFormat(head: Uint8Array): StatementFormat {
  let text = Buffer.from(head).toString('latin1')
  if (text.startsWith('\xef\xbb\xbf')) text = text.slice(3) // UTF-8 byte order mark
  if (/^(\xff\xfe|\xfe\xff)/.test(text)) throw new StatementError('encoding', 'the file is UTF-16; only UTF-8 statements are accepted')
  const start = text.trimStart()
  if (start.startsWith('<')) return 'camt053'
  if (/^ ?RH/.test(text)) return 'cbi-rh'
  throw new StatementError('unknown_format', 'neither a camt.053 XML statement nor a CBI RH movements file')
}

export async function detectStatementFileFormat(filePath: string): Promise<StatementFormat> {
  const handle = await open(filePath, 'r')
  try {
    const head = Buffer.alloc(512)
    const { bytesRead } = await handle.read(head, 0, head.length, 0)
    return detectStatementFormat(head.subarray(0, bytesRead))
  } finally {
    await handle.close()
  }
}

/** Streams a statement file's entries in file order; the file is never loaded whole. */
export async function* readStatementFile(filePath: string, format?: StatementFormat): AsyncGenerator<StatementEntry> {
  const chosen = format ?? (await detectStatementFileFormat(filePath))
  const stream = createReadStream(filePath, { highWaterMark: CHUNK_BYTES })
  try {
    yield* chosen === 'camt053' ? parseCamt053(stream) : parseCbiRh(stream)
  } finally {
    stream.destroy()
  }
}
