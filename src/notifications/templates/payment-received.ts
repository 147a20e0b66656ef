import type { MailContext } from '../mail-context'
import { paragraph, type Block, type MailDocument } from '../mail-document'
import type { PaymentReceivedParams } from '../mail-types'
import { date, euro, phrase, footer, greeting, methodName, orderNumber, type Language } from './shared'

export function paymentReceivedSubject(p: PaymentReceivedParams, language: Language): string {
  return language === 'it'
    ? `Pagamento ricevuto: la casella PEC ${p.mailbox} è rinnovata ${phrase(p.newExpiresOn, language, 'until')}`
    : `Payment received: your PEC mailbox ${p.mailbox} is renewed ${phrase(p.newExpiresOn, language, 'until')}`
}

/** R4: the order is paid and the expiry extended; R6: said when the payment reactivated the mailbox. */
export function paymentReceivedMail(p: PaymentReceivedParams, context: MailContext, language: Language): MailDocument {
  const it = language === 'it'
  const newExpiry = date(p.newExpiresOn, language)
  const blocks: Block[] = [
    greeting(p.holderName, language),
    paragraph(it ? 'abbiamo ricevuto il pagamento del tuo ordine di rinnovo. Grazie!' : 'We have received the payment for your renewal order. Thank you!'),
    {
      kind: 'facts',
      rows: [
        [it ? 'Ordine N°' : 'Order no.', orderNumber(p.orderId)],
        [it ? 'Importo pagato' : 'Amount paid', euro(p.amountCents, language)],
        [it ? 'Metodo di pagamento' : 'Payment method', methodName(p.method, language)],
        [it ? 'Casella PEC' : 'PEC mailbox', p.mailbox],
        [it ? 'Nuova scadenza' : 'New expiry date', newExpiry],
      ],
    },
  ]
  if (p.reactivated) {
    blocks.push({
      kind: 'box',
      tone: 'info',
      title: it ? 'Casella riattivata' : 'Mailbox reactivated',
      blocks: [
        paragraph(
          it
            ? 'La casella era disattivata ed è stata riattivata: da ora invia e riceve di nuovo messaggi PEC.'
            : 'The mailbox was deactivated and has been reactivated: it sends and receives PEC messages again from now on.',
        ),
      ],
    })
  }
  blocks.push(
    paragraph(
      ...(it
        ? ['La casella ', { strong: p.mailbox }, ' è rinnovata ', { strong: phrase(p.newExpiresOn, language, 'until') }, '. Prima della prossima scadenza ti manderemo un promemoria.']
        : ['The mailbox ', { strong: p.mailbox }, ' is renewed ', { strong: phrase(p.newExpiresOn, language, 'until') }, '. We will send you a reminder before it next expires.']),
    ),
  )
  return {
    subject: paymentReceivedSubject(p, language),
    preheader: it ? `Nuova scadenza: ${newExpiry}.` : `New expiry date: ${newExpiry}.`,
    blocks,
    footer: footer(p.mailbox, context, language),
    language,
  }
}
