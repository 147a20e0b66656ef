import type { MailContext } from '../mail-context'
import { paragraph, type MailDocument } from '../mail-document'
import type { OrderCancelledParams } from '../mail-types'
import { euro, footer, greeting, methodName, orderNumber, phrase, renewAction, type Language } from './shared'

export function orderCancelledSubject(p: OrderCancelledParams, language: Language): string {
  return language === 'it' ? `Ordine N° ${orderNumber(p.orderId)} annullato` : `Order no. ${orderNumber(p.orderId)} cancelled`
}

/** Issue 14: the holder cancelled an open order; the expiry is unchanged and a new renewal can start. */
export function orderCancelledMail(p: OrderCancelledParams, context: MailContext, language: Language): MailDocument {
  const it = language === 'it'
  const number = orderNumber(p.orderId)
  return {
    subject: orderCancelledSubject(p, language),
    preheader: it ? `La casella scade comunque ${phrase(p.expiresOn, language, 'on')}.` : `The mailbox still expires ${phrase(p.expiresOn, language, 'on')}.`,
    blocks: [
      greeting(p.holderName, language),
      paragraph(
        ...(it
          ? [p.byOffice ? 'il nostro ufficio ha annullato l’ordine di rinnovo N° ' : 'come hai chiesto, l’ordine di rinnovo N° ', { strong: number }, ` (${euro(p.totalCents, language)}, ${methodName(p.method, language)}) per la casella `, { strong: p.mailbox }, p.byOffice ? ': ' : ' è ', { strong: p.byOffice ? 'non va più pagato' : 'annullato' }, p.byOffice ? '.' : ': non va più pagato.']
          : [p.byOffice ? 'Our office has cancelled renewal order no. ' : 'As you asked, renewal order no. ', { strong: number }, ` (${euro(p.totalCents, language)}, ${methodName(p.method, language)}) for the mailbox `, { strong: p.mailbox }, p.byOffice ? ': ' : ' is ', { strong: p.byOffice ? 'it is no longer to be paid' : 'cancelled' }, p.byOffice ? '.' : ': it is no longer to be paid.']),
      ),
      paragraph(
        it
          ? `Se avevi già disposto un bonifico o pagato un bollettino con questo numero d’ordine, non ti preoccupare: il denaro non va perso, ti sarà restituito.`
          : `If you had already sent a bank transfer or paid a postal slip with this order number, do not worry: the money is not lost, it will be refunded to you.`,
      ),
      paragraph(
        ...(it
          ? ['La casella non è rinnovata e scade ', { strong: phrase(p.expiresOn, language, 'on') }, '. Per rinnovarla puoi fare un nuovo ordine quando vuoi:']
          : ['The mailbox is not renewed and expires ', { strong: phrase(p.expiresOn, language, 'on') }, '. To renew it you can place a new order whenever you like:']),
      ),
      renewAction(p.mailbox, context, language),
    ],
    footer: footer(p.mailbox, context, language),
    language,
  }
}
