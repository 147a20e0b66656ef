import type { MailContext } from '../mail-context'
import { paragraph, type Block, type MailDocument } from '../mail-document'
import type { PaymentRefundedParams, RefundChannel } from '../mail-types'
import { euro, footer, greeting, methodName, orderNumber, type Language } from './shared'

export function paymentRefundedSubject(p: PaymentRefundedParams, language: Language): string {
  const amount = euro(p.amountCents, language)
  return language === 'it'
    ? `Rimborso di ${amount} per l’ordine N° ${orderNumber(p.orderId)}`
    : `Refund of ${amount} for order no. ${orderNumber(p.orderId)}`
}

/** Why the money was due back (R4 duplicate, R6 after cessation, lapsed order), in the holder's words. */
function why(reason: string, language: Language): string {
  const it = language === 'it'
  switch (reason) {
    case 'mailbox_ceased':
      return it
        ? 'Il pagamento ci è arrivato quando la casella era già cessata, perciò non poteva più rinnovarla.'
        : 'The payment reached us after the mailbox had ceased, so it could no longer renew it.'
    case 'order_lapsed':
      return it
        ? 'Il pagamento ci è arrivato per un ordine non più valido, perciò non ha rinnovato la casella.'
        : 'The payment reached us for an order that was no longer valid, so it did not renew the mailbox.'
    case 'overpaid':
      return it
        ? 'Il pagamento superava il totale dell’ordine: l’ordine è pagato e ti restituiamo la differenza.'
        : 'The payment was more than the order’s total: the order is paid and we are returning the difference.'
    case 'not_ours':
      return it
        ? 'Il pagamento non era destinato a noi, perciò te lo restituiamo per intero.'
        : 'The payment was not meant for us, so we are returning all of it.'
    default:
      return it
        ? 'L’ordine risultava già pagato: questo era un secondo pagamento dello stesso ordine e non ha cambiato la scadenza della casella.'
        : 'The order had already been paid: this was a second payment of the same order and did not change the mailbox’s expiry date.'
  }
}

function how(channel: RefundChannel, p: PaymentRefundedParams, language: Language): string {
  const it = language === 'it'
  switch (channel) {
    case 'card':
      return it
        ? 'Il rimborso è stato disposto sulla carta con cui hai pagato: a seconda della banca, l’accredito può richiedere alcuni giorni lavorativi.'
        : 'The refund has been sent to the card you paid with: depending on your bank, it can take a few working days to appear.'
    case 'paypal':
      return it
        ? 'Il rimborso è stato disposto sul conto PayPal con cui hai pagato.'
        : 'The refund has been sent to the PayPal account you paid with.'
    case 'bonifico':
      if (p.method === 'bonifico') {
        return it
          ? 'Il rimborso avviene con bonifico bancario sul conto da cui è partito il pagamento: l’accredito richiede alcuni giorni lavorativi.'
          : 'The refund is made by bank transfer to the account the payment came from: it takes a few working days to arrive.'
      }
      return it
        ? 'Il rimborso avviene con bonifico bancario: se non abbiamo ancora le tue coordinate bancarie (IBAN), ti scriveremo per chiederle.'
        : 'The refund is made by bank transfer: if we do not have your bank details (IBAN) yet, we will write to ask for them.'
  }
}

const CHANNEL_NAMES: Record<Language, Record<RefundChannel, string>> = {
  it: { card: 'carta di credito', paypal: 'PayPal', bonifico: 'bonifico bancario' },
  en: { card: 'credit card', paypal: 'PayPal', bonifico: 'bank transfer' },
}

/** R4/R6: a payment due back has been refunded: how much, for which order, why, and how it comes back. */
export function paymentRefundedMail(p: PaymentRefundedParams, context: MailContext, language: Language): MailDocument {
  const it = language === 'it'
  const amount = euro(p.amountCents, language)
  const blocks: Block[] = [
    greeting(p.holderName, language),
    paragraph(
      ...(it
        ? ['ti abbiamo rimborsato ', { strong: amount }, ' per l’ordine N° ', { strong: orderNumber(p.orderId) }, ` (casella PEC ${p.mailbox}), tramite ${CHANNEL_NAMES.it[p.refundedBy]}.`]
        : ['We have refunded ', { strong: amount }, ' for order no. ', { strong: orderNumber(p.orderId) }, ` (PEC mailbox ${p.mailbox}), by ${CHANNEL_NAMES.en[p.refundedBy]}.`]),
    ),
    paragraph(why(p.reason, language)),
    {
      kind: 'facts',
      rows: [
        [it ? 'Ordine N°' : 'Order no.', orderNumber(p.orderId)],
        [it ? 'Importo rimborsato' : 'Amount refunded', amount],
        [it ? 'Pagato con' : 'Paid by', methodName(p.method, language)],
        [it ? 'Rimborsato tramite' : 'Refunded by', CHANNEL_NAMES[language][p.refundedBy]],
      ],
    },
    paragraph(how(p.refundedBy, p, language)),
  ]
  return {
    subject: paymentRefundedSubject(p, language),
    preheader: it ? `Rimborso di ${amount} tramite ${CHANNEL_NAMES.it[p.refundedBy]}.` : `Refund of ${amount} by ${CHANNEL_NAMES.en[p.refundedBy]}.`,
    blocks,
    footer: footer(p.mailbox, context, language),
    language,
  }
}
