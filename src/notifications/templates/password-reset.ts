import { BUSINESS_TIME_ZONE, businessDate } from '../../core/calendar'
import type { MailContext } from '../mail-context'
import { paragraph, type MailDocument } from '../mail-document'
import type { PasswordResetParams } from '../mail-types'
import { footerLines, greeting, phrase, type Language } from './shared'

export function passwordResetSubject(_p: PasswordResetParams, language: Language): string {
  return language === 'it' ? 'Imposta una nuova password per il rinnovo PEC' : 'Set a new password for your PEC renewal'
}

/** The link of a reset mail: one-time, valid for an hour. */
export function passwordResetLink(token: string, context: MailContext): string {
  return `${context.publicUrl}/nuova-password?t=${encodeURIComponent(token)}`
}

/** "14:35 dell’8 giugno 2026" / "14:35 on 8 June 2026", Rome time: when the link stops working. */
function validUntil(iso: string, language: Language): string {
  const instant = new Date(iso)
  const locale = language === 'it' ? 'it-IT' : 'en-GB'
  const time = new Intl.DateTimeFormat(locale, { timeZone: BUSINESS_TIME_ZONE, hour: '2-digit', minute: '2-digit' }).format(instant)
  return `${time} ${phrase(businessDate(instant), language, language === 'it' ? 'of' : 'on')}`
}

/** Issue 3: "forgot password" — sent to the account's reference address, never to the mailbox. */
export function passwordResetMail(p: PasswordResetParams, context: MailContext, language: Language): MailDocument {
  const it = language === 'it'
  const until = validUntil(p.expiresAt, language)
  return {
    subject: passwordResetSubject(p, language),
    preheader: it ? `Il link vale fino alle ${until} (ora italiana).` : `The link works until ${until} (Italian time).`,
    blocks: [
      greeting(p.holderName, language),
      paragraph(
        it
          ? 'abbiamo ricevuto una richiesta di nuova password per il servizio di rinnovo della casella PEC.'
          : 'We have received a request for a new password for the PEC mailbox renewal service.',
      ),
      p.token
        ? { kind: 'action', label: it ? 'Imposta una nuova password' : 'Set a new password', href: passwordResetLink(p.token, context) }
        : paragraph(it ? '[Link personale: consegnato al destinatario e non più conservato]' : '[Personal link: delivered to the recipient and no longer kept]'),
      {
        kind: 'facts',
        rows: [
          [it ? 'Codice cliente' : 'Customer account ID', p.accountId],
          [it ? 'Link valido fino alle' : 'Link valid until', `${until} ${it ? '(ora italiana)' : '(Italian time)'}`],
        ],
      },
      paragraph(
        it
          ? 'Il link si può usare una sola volta. Dopo aver scelto la nuova password accederai con il codice cliente qui sopra e la nuova password; per sicurezza, chiuderemo ogni altro accesso aperto.'
          : 'The link can be used once. After choosing the new password you will sign in with the account ID above and the new password; for your security, every other open session will be closed.',
      ),
      paragraph(
        it
          ? 'Se non hai chiesto tu una nuova password, ignora questo messaggio: la password attuale resta valida.'
          : 'If you did not ask for a new password, ignore this message: your current password stays valid.',
      ),
    ],
    footer: footerLines(
      it ? `Ricevi questo messaggio perché il tuo indirizzo è il riferimento del codice cliente ${p.accountId}.` : `You receive this message because your address is the reference address of customer account ${p.accountId}.`,
      context,
      language,
    ),
    language,
  }
}
