import type { MailContext } from '../mail-context'
import { paragraph, type MailDocument } from '../mail-document'
import type { SdiInvoiceParams } from '../mail-types'
import type { Language } from './shared'

// R11: the message that carries one FatturaPA file to the SdI. The SdI reads the attachment only;
// the text says what it is for whoever looks at the provider's sent PEC mail.

export function sdiInvoiceSubject(p: SdiInvoiceParams, _language: Language): string {
  return `Invio file ${p.fileName}`
}

export function sdiInvoiceMail(p: SdiInvoiceParams, _context: MailContext, language: Language): MailDocument {
  return {
    subject: sdiInvoiceSubject(p, language),
    preheader: p.fileName,
    blocks: [paragraph(`In allegato il file FatturaPA ${p.fileName} per il Sistema di Interscambio.`)],
    footer: [],
    language: 'it', // the SdI's language, whatever the holder's
  }
}

export function sdiInvoiceAttachments(p: SdiInvoiceParams): MailAttachment[] {
  return [{ filename: p.fileName, content: p.xml, contentType: 'application/xml' }]
}

/** A file sent with a mail, as it is; with a `cid`, an image the HTML shows inline (cid:…). */
export interface MailAttachment {
  filename: string
  content: string | Buffer
  contentType: string
  cid?: string
  /** What the mail's text says of it, in the mail's language (a file built at send time says what it is). */
  note?: { it: string; en: string }
}
