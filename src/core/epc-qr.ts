import { crc32, deflateSync } from 'node:zlib'
import QRCode from 'qrcode'
import { isValidBIC } from 'ibantools'
import { centsToDecimal } from './money'
import { validateItalianIban } from './iban'

/**
 * The EPC QR code ("SEPA credit transfer QR", EPC069-12 version 002) that banking apps scan to
 * pre-fill a bonifico. One element per line, separated by LF, in this order:
 *
 *   1 BCD            service tag
 *   2 002            version
 *   3 1              character set: UTF-8
 *   4 SCT            identification: SEPA credit transfer
 *   5 BIC            8 or 11 characters (optional in version 002 within the EEA; we always give it)
 *   6 name           beneficiary, at most 70 characters
 *   7 IBAN
 *   8 EUR12.20       amount: "EUR" and the amount with a dot and at most 2 decimals, 0.01–999999999.99
 *   9 purpose        4-letter code (empty)
 *  10 reference      structured creditor reference, ISO 11649 (empty: we use line 11)
 *  11 remittance     unstructured, at most 140 characters (our causale: the order ID)
 *  12 information    beneficiary to originator, at most 70 characters (empty)
 *
 * Lines 10 and 11 are mutually exclusive. The last populated element is not followed by a
 * separator, so the payload ends with the remittance. At most 331 bytes in all, so that the
 * code fits QR version 13 at error correction level M, which the standard requires.
 */
export interface EpcTransfer {
  bic: string
  beneficiary: string
  iban: string
  amountCents: number
  /** Unstructured remittance information: the causale, e.g. "Rinnovo PEC K7MR-4DXP-52". */
  remittance: string
}

export const EPC_MAX_BYTES = 331
const MAX_NAME = 70
const MAX_REMITTANCE = 140
const MAX_AMOUNT_CENTS = 99_999_999_999 // EUR 999999999.99

export class EpcPayloadError extends RangeError {
  constructor(message: string) {
    super(message)
    this.name = 'EpcPayloadError'
  }
}

/** EPC069-12 v002 payload for a SEPA credit transfer; throws EpcPayloadError when a field does not fit. */
export function epcQrPayload(transfer: EpcTransfer): string {
  const bic = transfer.bic.replace(/\s+/g, '').toUpperCase()
  if (!isValidBIC(bic)) throw new EpcPayloadError(`BIC non valido: "${transfer.bic}"`)
  const checked = validateItalianIban(transfer.iban)
  if (!checked.ok) throw new EpcPayloadError(`IBAN: ${checked.message}`)
  const name = singleLine(transfer.beneficiary)
  if (!name) throw new EpcPayloadError('beneficiario mancante')
  if ([...name].length > MAX_NAME) throw new EpcPayloadError(`beneficiario oltre ${MAX_NAME} caratteri: "${name}"`)
  const remittance = singleLine(transfer.remittance)
  if ([...remittance].length > MAX_REMITTANCE) throw new EpcPayloadError(`causale oltre ${MAX_REMITTANCE} caratteri`)
  const cents = transfer.amountCents
  if (!Number.isSafeInteger(cents) || cents < 1 || cents > MAX_AMOUNT_CENTS) {
    throw new EpcPayloadError(`importo fuori dai limiti EPC (0.01–999999999.99): ${cents} centesimi`)
  }
  const lines = ['BCD', '002', '1', 'SCT', bic, name, checked.iban, `EUR${centsToDecimal(cents)}`, '', '', remittance]
  while (lines[lines.length - 1] === '') lines.pop() // no separator after the last populated element
  const payload = lines.join('\n')
  const bytes = Buffer.byteLength(payload, 'utf8')
  if (bytes > EPC_MAX_BYTES) throw new EpcPayloadError(`payload EPC di ${bytes} byte, il massimo è ${EPC_MAX_BYTES}`)
  return payload
}

/** Newlines would shift every later element: a field is one line of collapsed whitespace. */
function singleLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 4 } as const

/** The QR code as an SVG document, for the web page and the PDF. */
export function epcQrSvg(payload: string): Promise<string> {
  return QRCode.toString(payload, { ...QR_OPTIONS, type: 'svg' })
}

/** The QR code as a PNG data: URL, for e-mails. */
export function epcQrPngDataUrl(payload: string): Promise<string> {
  return QRCode.toDataURL(payload, { ...QR_OPTIONS, type: 'image/png', width: 300 })
}

/** The QR code as a PNG buffer, e.g. to place on a PDF. */
export function epcQrPng(payload: string): Promise<Buffer> {
  return QRCode.toBuffer(payload, { ...QR_OPTIONS, type: 'png', width: 300 })
}

/**
 * The QR code as a PNG, computed at once: e-mails are rendered synchronously and carry it as an
 * inline image (cid:), which mail clients show where they block data: URLs and SVG. Grey-scale,
 * `scale` pixels a module, the same level M and 4-module quiet zone as the others.
 */
export function epcQrPngSync(payload: string, scale = 6): Buffer {
  const { modules } = QRCode.create(payload, { errorCorrectionLevel: QR_OPTIONS.errorCorrectionLevel })
  const side = (modules.size + 2 * QR_OPTIONS.margin) * scale
  const raw = Buffer.alloc((side + 1) * side, 0xff)
  for (let y = 0; y < side; y++) {
    raw[y * (side + 1)] = 0 // filter type None
    const row = Math.floor(y / scale) - QR_OPTIONS.margin
    for (let x = 0; x < side; x++) {
      const col = Math.floor(x / scale) - QR_OPTIONS.margin
      const dark = row >= 0 && col >= 0 && row < modules.size && col < modules.size && modules.get(row, col)
      if (dark) raw[y * (side + 1) + 1 + x] = 0
    }
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(side, 0)
  header.writeUInt32BE(side, 4)
  header.set([8, 0, 0, 0, 0], 8) // 8-bit grey-scale, deflate, no interlace
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))])
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typed))
  return Buffer.concat([length, typed, crc])
}
