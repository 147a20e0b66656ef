import { SaxesParser } from 'saxes'
import { sql } from 'drizzle-orm'
import { audit } from '../db/audit'
import { queryRows, type Db } from '../db/client'
import type { InvoiceProblem, InvoiceState } from './schema'

// The SdI's notifications about a file sent to it (specifiche tecniche SdI, messaggi v1.0), as the
// XML files it sends back: RC ricevuta di consegna, NS notifica di scarto (with its error codes),
// MC notifica di mancata consegna (the invoice is issued all the same; the buyer finds it in their
// cassetto fiscale). Each moves the invoice whose current file it names.

export const RECEIPT_KINDS = { RicevutaConsegna: 'RC', NotificaScarto: 'NS', NotificaMancataConsegna: 'MC' } as const
export type ReceiptKind = (typeof RECEIPT_KINDS)[keyof typeof RECEIPT_KINDS]

export interface SdiReceipt {
  kind: ReceiptKind
  /** The file it is about: IT<IdCodice>_<progressive>.xml. */
  fileName: string
  sdiId: string | null
  /** NS: the SdI's errors, each with its code (e.g. 00404, a duplicate invoice). */
  errors: Array<{ code: string; message: string }>
}

/** A receipt file that is not one: not XML, or not an RC, NS or MC, or naming no file. */
export class ReceiptError extends Error {}

const NEXT_STATE: Record<ReceiptKind, InvoiceState> = { RC: 'delivered', NS: 'rejected', MC: 'undelivered' }

/** Reads an SdI notification (elements by local name; a DTD or entity declaration is refused). */
export function parseSdiReceipt(xml: string): SdiReceipt {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new ReceiptError('a receipt with a DTD is refused')
  const parser = new SaxesParser({ xmlns: false })
  const stack: string[] = []
  let root: string | null = null
  let text = ''
  const fields: Record<string, string> = {}
  const errors: SdiReceipt['errors'] = []
  let error: { code: string; message: string } | null = null
  const local = (name: string) => name.slice(name.indexOf(':') + 1)
  parser.on('opentag', (tag) => {
    const name = local(tag.name)
    if (stack.length === 0) root = name
    if (name === 'Errore') error = { code: '', message: '' }
    stack.push(name)
    text = ''
  })
  parser.on('text', (t) => (text += t))
  parser.on('closetag', (tag) => {
    const name = local(tag.name)
    stack.pop()
    const value = text.trim()
    if (error && name === 'Codice') error.code = value
    else if (error && name === 'Descrizione') error.message = value
    else if (name === 'Errore' && error) {
      errors.push(error)
      error = null
    } else if (stack.length === 1) fields[name] = value
    text = ''
  })
  try {
    parser.write(xml).close()
  } catch (e) {
    throw new ReceiptError(`not XML: ${(e as Error).message}`)
  }
  const kind = root ? RECEIPT_KINDS[root as keyof typeof RECEIPT_KINDS] : undefined
  if (!kind) throw new ReceiptError(`not an SdI receipt (RC, NS or MC): <${root ?? ''}>`)
  if (!fields.NomeFile) throw new ReceiptError('the receipt names no file (NomeFile)')
  if (kind === 'MC' && fields.Descrizione) errors.push({ code: '', message: fields.Descrizione })
  return { kind, fileName: fields.NomeFile, sdiId: fields.IdentificativoSdI || null, errors }
}

export interface ReceiptApplied {
  kind: ReceiptKind
  fileName: string
  /** The invoice it moved; null when no file of ours has that name. */
  invoiceId: number | null
  state: InvoiceState | null
  /** outdated: about an older file of the invoice (sent again since): recorded, the state stays. */
  outcome: 'applied' | 'unchanged' | 'outdated' | 'unknown_file'
}

/**
 * Applies a receipt to the invoice whose file it names, in one transaction with its audit row:
 * RC delivered, MC undelivered, NS rejected (SdI's error codes kept, the invoice waits to be
 * corrected and sent again under a new file progressive, the same number). The same receipt again
 * changes nothing; a receipt about a file the invoice no longer stands on (sent again since)
 * leaves its state alone.
 */
export async function applySdiReceipt(db: Db, receipt: SdiReceipt, now: Date, actor: string): Promise<ReceiptApplied> {
  const base = { kind: receipt.kind, fileName: receipt.fileName }
  return db.transaction(async (tx) => {
    const [file] = await queryRows<{ fileId: number; invoiceId: number; current: number | null; state: InvoiceState; orderId: string; paymentId: number }>(
      tx,
      sql`SELECT f.id::int AS "fileId", i.id::int AS "invoiceId", i.file_id::int AS current, i.state, i.order_id AS "orderId", i.payment_id::int AS "paymentId"
            FROM invoice_files f JOIN invoices i ON i.id = f.invoice_id WHERE f.file_name = ${receipt.fileName} FOR UPDATE OF i`,
    )
    if (!file) return { ...base, invoiceId: null, state: null, outcome: 'unknown_file' }
    if (receipt.sdiId) await tx.execute(sql`UPDATE invoice_files SET sdi_id = ${receipt.sdiId} WHERE id = ${file.fileId} AND sdi_id IS DISTINCT FROM ${receipt.sdiId}`)
    if (file.current !== file.fileId) return { ...base, invoiceId: file.invoiceId, state: file.state, outcome: 'outdated' }
    const state = NEXT_STATE[receipt.kind]
    const problems: InvoiceProblem[] | null = receipt.errors.length ? receipt.errors.map((e) => ({ source: 'sdi', ...(e.code ? { code: e.code } : {}), message: e.message })) : null
    if (file.state === state) return { ...base, invoiceId: file.invoiceId, state, outcome: 'unchanged' }
    await tx.execute(sql`UPDATE invoices SET state = ${state}, problems = ${problems ? JSON.stringify(problems) : null}::jsonb, updated_at = ${now}::timestamptz WHERE id = ${file.invoiceId}`)
    await audit(tx, {
      actor,
      at: now,
      action: `invoice.${state}`,
      orderId: file.orderId,
      paymentId: file.paymentId,
      data: { fileName: receipt.fileName, receipt: receipt.kind, sdiId: receipt.sdiId, ...(problems ? { errors: receipt.errors } : {}) },
    })
    return { ...base, invoiceId: file.invoiceId, state, outcome: 'applied' }
  })
}

/**
 * A rejected (or invalid, once its cause is corrected) invoice is made again: a new file, with a
 * new progressive, under the same number and date. Returns false when the invoice is in no state
 * to be sent again.
 */
export async function sendInvoiceAgain(db: Db, invoiceId: number, now: Date, actor: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await queryRows<{ orderId: string; paymentId: number; state: InvoiceState }>(
      tx,
      sql`UPDATE invoices SET file_id = NULL, state = 'issued', problems = NULL, updated_at = ${now}::timestamptz
           WHERE id = ${invoiceId} AND state IN ('rejected', 'invalid') RETURNING order_id AS "orderId", payment_id::int AS "paymentId", state`,
    )
    if (!row) return false
    await audit(tx, { actor, at: now, action: 'invoice.send_again', orderId: row.orderId, paymentId: row.paymentId, data: { invoiceId } })
    return true
  })
}
