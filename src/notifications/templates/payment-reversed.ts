import type { MailContext } from '../mail-context'
import { paragraph, type Block, type MailDocument } from '../mail-document'
import type { PaymentReversedParams } from '../mail-types'
import { date, euro, phrase, footer, greeting, methodName, openOrderSection, orderNumber, type Language } from './shared'

export function paymentReversedSubject(p: PaymentReversedParams, language: Language): string {
  return language === 'it'
    ? `Pagamento restituito dalla banca: l’ordine N° ${orderNumber(p.openOrder.orderId)} è di nuovo da pagare`
    : `Payment returned by the bank: order no. ${orderNumber(p.openOrder.orderId)} is unpaid again`
}

/**
 * R4 undone (reversePayment, outcome unpaid): the bank took the payment back, so the order is open
 * and unpaid again and the mailbox's expiry is back to E. Says what follows from E (R5, R6) and how
 * to pay the same order again.
 */
export function paymentReversedMail(p: PaymentReversedParams, context: MailContext, language: Language): MailDocument {
  const it = language === 'it'
  const amount = euro(p.amountCents, language)
  const order = orderNumber(p.openOrder.orderId)
  const expiry = date(p.expiresOn, language)
  const withdrawn = date(p.withdrawnExpiresOn, language)
  const blocks: Block[] = [
    greeting(p.holderName, language),
    paragraph(
      ...(it
        ? ['il tuo pagamento di ', { strong: amount }, ` (${methodName(p.method, language)}) per l’ordine N° `, { strong: order }, ' ci è stato restituito dalla banca. L’ordine è quindi ', { strong: 'di nuovo da pagare' }, '.']
        : ['Your payment of ', { strong: amount }, ` (${methodName(p.method, language)}) for order no. `, { strong: order }, ' was returned to you by the bank. The order is therefore ', { strong: 'unpaid again' }, '.']),
    ),
    paragraph(
      ...(it
        ? ['Il rinnovo che quel pagamento aveva pagato è annullato: la scadenza della casella ', { strong: p.mailbox }, ' torna ', { strong: phrase(p.expiresOn, language, 'to') }, ` (invece ${phrase(p.withdrawnExpiresOn, language, 'of')}).`]
        : ['The renewal that payment had paid for is withdrawn: the expiry date of the mailbox ', { strong: p.mailbox }, ' is back to ', { strong: expiry }, ` (instead of ${withdrawn}).`]),
    ),
  ]
  if (!p.renewableUntil) {
    blocks.push(
      paragraph(
        it
          ? `La casella continua a funzionare ${phrase(p.expiresOn, language, 'until')}. Per rinnovarla paga di nuovo lo stesso ordine: appena il pagamento ci arriva, la scadenza passa ${phrase(p.withdrawnExpiresOn, language, 'to')}.`
          : `The mailbox keeps working ${phrase(p.expiresOn, language, 'until')}. To renew it, pay the same order again: as soon as the payment reaches us, the expiry date moves ${phrase(p.withdrawnExpiresOn, language, 'to')}.`,
      ),
    )
  } else {
    const renewableUntil = p.renewableUntil
    blocks.push({
      kind: 'box',
      tone: 'warning',
      title: it ? `La scadenza ${phrase(p.expiresOn, language, 'of')} è già passata` : `The expiry date ${phrase(p.expiresOn, language, 'the')} has already passed`,
      blocks: [
        paragraph(
          p.mailboxStatus === 'deactivated'
            ? it
              ? `La casella è disattivata. Puoi ancora rinnovarla ${phrase(renewableUntil, language, 'until')}: appena il pagamento dell’ordine ci arriva, viene riattivata.`
              : `The mailbox is deactivated. You can still renew it ${phrase(renewableUntil, language, 'until')}: as soon as the order’s payment reaches us, it is reactivated.`
            : it
              ? `Se l’ordine non risulta pagato, la casella viene disattivata con il prossimo controllo giornaliero e smette di inviare e ricevere messaggi PEC. Puoi comunque rinnovarla ${phrase(renewableUntil, language, 'until')}: appena il pagamento ci arriva, torna attiva.`
              : `Unless the order is paid, the mailbox is deactivated at the next daily check and stops sending and receiving PEC messages. You can still renew it ${phrase(renewableUntil, language, 'until')}: as soon as the payment reaches us, it works again.`,
        ),
      ],
    })
  }
  blocks.push(
    paragraph(
      it
        ? 'Se pensi che si tratti di un errore, verifica con la tua banca perché il pagamento è stato restituito.'
        : 'If you think this is a mistake, check with your bank why the payment was returned.',
    ),
    ...openOrderSection(p.openOrder, p.mailbox, context, language),
  )
  return {
    subject: paymentReversedSubject(p, language),
    preheader: it ? `La scadenza torna ${phrase(p.expiresOn, language, 'to')}; l’ordine ${order} è di nuovo da pagare.` : `The expiry date is back to ${expiry}; order ${order} is unpaid again.`,
    blocks,
    footer: footer(p.mailbox, context, language),
    language,
  }
}
