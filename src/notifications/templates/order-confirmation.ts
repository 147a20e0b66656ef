import type { MailContext } from '../mail-context'
import { paragraph, type MailDocument } from '../mail-document'
import type { OrderConfirmationParams } from '../mail-types'
import { date, euro, footer, greeting, orderNumber, phrase, type Language } from './shared'

export function orderConfirmationSubject(p: OrderConfirmationParams, language: Language): string {
  return language === 'it'
    ? `Conferma dell’ordine di rinnovo N° ${orderNumber(p.orderId)}`
    : `Confirmation of renewal order no. ${orderNumber(p.orderId)}`
}

/** Issue 3 (seed): confirms the renewal order — its number, the date it was placed, the mailbox. */
export function orderConfirmationMail(p: OrderConfirmationParams, context: MailContext, language: Language): MailDocument {
  const it = language === 'it'
  const number = orderNumber(p.orderId)
  const placedOn = date(p.placedOn, language)
  const guides = context.provider?.helpUrl ?? context.publicUrl
  return {
    subject: orderConfirmationSubject(p, language),
    preheader: it ? `Ordine N° ${number} ${phrase(p.placedOn, language, 'of')}.` : `Order no. ${number} ${phrase(p.placedOn, language, 'of')}.`,
    blocks: [
      greeting(p.holderName, language),
      paragraph(
        ...(it
          ? ['la presente a conferma dell’ordine di rinnovo N° ', { strong: number }, ' relativo al Servizio PEC, effettuato in data ', { strong: placedOn }, '.']
          : ['This confirms renewal order no. ', { strong: number }, ' for the PEC service, placed on ', { strong: placedOn }, '.']),
      ),
      { kind: 'heading', text: it ? 'Riepilogo ordine' : 'Order summary' },
      {
        kind: 'facts',
        rows: [
          [it ? 'Casella' : 'Mailbox', p.mailbox],
          [it ? 'Ordine numero' : 'Order number', number],
          [it ? 'Data ordine' : 'Order date', placedOn],
          [it ? 'Codice cliente' : 'Customer account', p.accountId],
          [it ? 'Durata' : 'Term', it ? (p.years === 1 ? '1 anno' : `${p.years} anni`) : p.years === 1 ? '1 year' : `${p.years} years`],
          [it ? 'Importo' : 'Amount', euro(p.totalCents, language)],
        ],
      },
      paragraph(
        it
          ? 'Le istruzioni per il pagamento sono nell’e-mail di riepilogo che ti abbiamo inviato insieme a questa.'
          : 'The payment instructions are in the summary e-mail we sent you together with this one.',
      ),
      { kind: 'heading', text: it ? 'Maggiori informazioni' : 'More information' },
      paragraph(
        ...(it
          ? ['Per maggiori informazioni sul servizio di posta certificata consulta le ', { link: 'guide', href: guides }, '.']
          : ['For more about the certified e-mail service, see the ', { link: 'guides', href: guides }, '.']),
      ),
    ],
    footer: footer(p.mailbox, context, language),
    language,
  }
}
