import type { MailContext } from '../mail-context'
import { paragraph, type MailDocument } from '../mail-document'
import type { ExpiryExtendedParams } from '../mail-types'
import { footer, greeting, phrase, type Language } from './shared'

export function expiryExtendedSubject(p: ExpiryExtendedParams, language: Language): string {
  return language === 'it' ? `Scadenza della casella ${p.mailbox} prorogata` : `Expiry of the mailbox ${p.mailbox} extended`
}

/** Issue 11: the office extended the expiry by hand; a deactivated mailbox works again. */
export function expiryExtendedMail(p: ExpiryExtendedParams, context: MailContext, language: Language): MailDocument {
  const it = language === 'it'
  return {
    subject: expiryExtendedSubject(p, language),
    preheader: it ? `La casella ora scade ${phrase(p.newExpiresOn, language, 'on')}.` : `The mailbox now expires ${phrase(p.newExpiresOn, language, 'on')}.`,
    blocks: [
      greeting(p.holderName, language),
      paragraph(
        ...(it
          ? ['il nostro ufficio ha prorogato la scadenza della casella ', { strong: p.mailbox }, `: prima scadeva ${phrase(p.expiresOn, language, 'on')}, ora scade `, { strong: phrase(p.newExpiresOn, language, 'on') }, '.']
          : ['Our office has extended the expiry of the mailbox ', { strong: p.mailbox }, `: it expired ${phrase(p.expiresOn, language, 'on')}, it now expires `, { strong: phrase(p.newExpiresOn, language, 'on') }, '.']),
      ),
      ...(p.reactivated
        ? [paragraph(it ? 'La casella era disattivata: è di nuovo attiva e puoi usarla come prima.' : 'The mailbox was deactivated: it is active again and you can use it as before.')]
        : []),
      paragraph(it ? 'Non devi fare nulla: ti ricorderemo il rinnovo prima della nuova scadenza.' : 'You need do nothing: we will remind you to renew before the new expiry date.'),
    ],
    footer: footer(p.mailbox, context, language),
    language,
  }
}
