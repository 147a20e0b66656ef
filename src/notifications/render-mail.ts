import type { MailContext } from './mail-context'
import { inlineImages, paragraph, toHtml, toText, type MailDocument } from './mail-document'
import type { MailParamsByTemplate, MailTemplate } from './mail-types'
import { cessationMail, cessationSubject } from './templates/cessation'
import { deactivationMail, deactivationSubject } from './templates/deactivation'
import { expiryExtendedMail, expiryExtendedSubject } from './templates/expiry-extended'
import { referenceEmailChangedMail, referenceEmailChangedSubject } from './templates/reference-email-changed'
import { registerChangedMail, registerChangedSubject } from './templates/register-changed'
import { signInUnlockedMail, signInUnlockedSubject } from './templates/sign-in-unlocked'
import { orderCancelledMail, orderCancelledSubject } from './templates/order-cancelled'
import { orderConfirmationMail, orderConfirmationSubject } from './templates/order-confirmation'
import { orderSummaryMail, orderSummarySubject } from './templates/order-summary'
import { passwordResetMail, passwordResetSubject } from './templates/password-reset'
import { paymentReceivedMail, paymentReceivedSubject } from './templates/payment-received'
import { paymentRefundedMail, paymentRefundedSubject } from './templates/payment-refunded'
import { paymentReversedMail, paymentReversedSubject } from './templates/payment-reversed'
import { reminderMail, reminderSubject } from './templates/reminder'
import { sdiInvoiceAttachments, sdiInvoiceMail, sdiInvoiceSubject, type MailAttachment } from './templates/sdi-invoice'
import type { Language } from './templates/shared'

export interface RenderedMail {
  subject: string
  text: string
  html: string
  attachments?: MailAttachment[]
}

/** A mail as stored in the outbox: typed when built in code, checked when read back from a row. */
export type MailToRender = {
  [T in MailTemplate]: { template: T; language: Language; params: MailParamsByTemplate[T] }
}[MailTemplate]

const TEMPLATES: {
  [T in MailTemplate]: {
    subject(params: MailParamsByTemplate[T], language: Language): string
    document(params: MailParamsByTemplate[T], context: MailContext, language: Language): MailDocument
    attachments?(params: MailParamsByTemplate[T]): MailAttachment[]
  }
} = {
  reminder: { subject: reminderSubject, document: reminderMail },
  deactivation: { subject: deactivationSubject, document: deactivationMail },
  cessation: { subject: cessationSubject, document: cessationMail },
  payment_received: { subject: paymentReceivedSubject, document: paymentReceivedMail },
  password_reset: { subject: passwordResetSubject, document: passwordResetMail },
  order_summary: { subject: orderSummarySubject, document: orderSummaryMail },
  order_confirmation: { subject: orderConfirmationSubject, document: orderConfirmationMail },
  payment_refunded: { subject: paymentRefundedSubject, document: paymentRefundedMail },
  payment_reversed: { subject: paymentReversedSubject, document: paymentReversedMail },
  sdi_invoice: { subject: sdiInvoiceSubject, document: sdiInvoiceMail, attachments: sdiInvoiceAttachments },
  order_cancelled: { subject: orderCancelledSubject, document: orderCancelledMail },
  expiry_extended: { subject: expiryExtendedSubject, document: expiryExtendedMail },
  register_changed: { subject: registerChangedSubject, document: registerChangedMail },
  reference_email_changed: { subject: referenceEmailChangedSubject, document: referenceEmailChangedMail },
  sign_in_unlocked: { subject: signInUnlockedSubject, document: signInUnlockedMail },
}

export class UnknownTemplateError extends Error {
  constructor(template: string) {
    super(`unknown mail template "${template}"`)
    this.name = 'UnknownTemplateError'
  }
}

function templateOf(name: string) {
  if (!Object.hasOwn(TEMPLATES, name)) throw new UnknownTemplateError(name)
  // The union of the four entries cannot be called with a union of params: one checked cast here.
  return TEMPLATES[name as MailTemplate] as unknown as (typeof TEMPLATES)['reminder']
}

function languageOf(language: string): Language {
  return language === 'en' ? 'en' : 'it' // Italian by default
}

/**
 * The subject, plain text and HTML of an outbox mail, in its language (Italian by default), with
 * its attachments: the template's own, then `attached` (built at send time, see MailAttachments),
 * each of which the text mentions by its note.
 */
export function renderMail(
  mail: MailToRender | { template: string; language: string; params: unknown },
  context: MailContext,
  attached: readonly MailAttachment[] = [],
): RenderedMail {
  const template = templateOf(mail.template)
  const language = languageOf(mail.language)
  const written = template.document(mail.params as never, context, language)
  // Every mail to a holder names the provider above its text (the SdI's message has no footer: none).
  const doc: MailDocument = context.provider && written.footer.length ? { ...written, brand: { name: context.provider.name, href: context.publicUrl, logoUrl: context.provider.logoUrl } } : written
  for (const file of attached) if (file.note) doc.blocks.push(paragraph(file.note[language]))
  const files = template.attachments?.(mail.params as never) ?? []
  const images: MailAttachment[] = inlineImages(doc.blocks).map((image) => ({ filename: `${image.cid.split('@')[0]}.png`, content: image.png, contentType: 'image/png', cid: image.cid }))
  const attachments = [...files, ...images, ...attached]
  return { subject: doc.subject, text: toText(doc), html: toHtml(doc), ...(attachments.length ? { attachments } : {}) }
}

/** The subject alone: it needs no links, so listings can show it without a MailContext. */
export function mailSubject(mail: MailToRender | { template: string; language: string; params: unknown }): string {
  return templateOf(mail.template).subject(mail.params as never, languageOf(mail.language))
}
