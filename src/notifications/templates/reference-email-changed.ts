import type { MailContext } from '../mail-context'
import { paragraph, type MailDocument } from '../mail-document'
import type { ReferenceEmailChangedParams } from '../mail-types'
import { footer, greeting, type Language } from './shared'

export function referenceEmailChangedSubject(_p: ReferenceEmailChangedParams, language: Language): string {
  return language === 'it' ? 'Indirizzo e-mail di riferimento cambiato' : 'Reference e-mail address changed'
}

/** Issue 11: sent to the old and to the new address, so a change nobody asked for does not go unseen. */
export function referenceEmailChangedMail(p: ReferenceEmailChangedParams, context: MailContext, language: Language): MailDocument {
  const it = language === 'it'
  return {
    subject: referenceEmailChangedSubject(p, language),
    preheader: it ? `Da ora scriviamo a ${p.newEmail}.` : `From now on we write to ${p.newEmail}.`,
    blocks: [
      greeting(p.holderName, language),
      paragraph(
        ...(it
          ? ['il nostro ufficio ha cambiato l’indirizzo e-mail di riferimento del conto ', { strong: p.accountId }, ': da ', { strong: p.oldEmail }, ' a ', { strong: p.newEmail }, '.']
          : ['Our office has changed the reference e-mail address of the account ', { strong: p.accountId }, ': from ', { strong: p.oldEmail }, ' to ', { strong: p.newEmail }, '.']),
      ),
      paragraph(
        it
          ? 'Da ora promemoria, ordini e ricevute arrivano al nuovo indirizzo. Se non hai chiesto tu questa modifica, rispondi al nostro ufficio al più presto.'
          : 'From now on reminders, orders and receipts go to the new address. If you did not ask for this change, contact our office as soon as possible.',
      ),
    ],
    footer: footer(p.mailbox, context, language),
    language,
  }
}
