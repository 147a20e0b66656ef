import type { MailContext } from '../mail-context'
import { paragraph, type Block, type MailDocument } from '../mail-document'
import type { OrderSummaryParams } from '../mail-types'
import { date, euro, footer, phrase, greeting, openOrderSection, orderNumber, type Language } from './shared'

export function orderSummarySubject(p: OrderSummaryParams, language: Language): string {
  const number = orderNumber(p.order.orderId)
  if (p.updated) {
    return language === 'it' ? `Ordine di rinnovo ${number} aggiornato: come pagare` : `Renewal order ${number} updated: how to pay`
  }
  return language === 'it' ? `Riepilogo dell’ordine di rinnovo ${number}: come pagare` : `Summary of renewal order ${number}: how to pay`
}

/**
 * Issue 3 (seed): the order summary — the order ID to quote in the causale, the amount, and the
 * details to pay with the chosen method and with the others. R4: the renewal runs from E.
 */
export function orderSummaryMail(p: OrderSummaryParams, context: MailContext, language: Language): MailDocument {
  const it = language === 'it'
  const number = orderNumber(p.order.orderId)
  // Card and PayPal are paid from the order's page, which asks the holder to sign in first.
  const orderPage = `${context.publicUrl}/ordini/${p.order.orderId}`
  const orderContext: MailContext = { ...context, renewLink: () => orderPage }
  const years = (n: number) => (it ? (n === 1 ? '1 anno' : `${n} anni`) : n === 1 ? '1 year' : `${n} years`)
  const blocks: Block[] = [
    greeting(p.holderName, language),
    paragraph(
      it
        ? p.updated
          ? 'il tuo ordine di rinnovo è stato aggiornato. Questo riepilogo sostituisce il precedente.'
          : 'grazie: abbiamo registrato il tuo ordine di rinnovo. Per completarlo manca solo il pagamento.'
        : p.updated
          ? 'Your renewal order has been updated. This summary replaces the previous one.'
          : 'Thank you: we have registered your renewal order. Only the payment is missing to complete it.',
    ),
    paragraph(
      ...(it
        ? ['Numero d’ordine da indicare nella causale di pagamento: ', { strong: number }]
        : ['Order number to quote as the payment reference (causale): ', { strong: number }]),
    ),
    {
      kind: 'facts',
      rows: [
        [it ? 'Casella PEC' : 'PEC mailbox', p.mailbox],
        [it ? 'Codice cliente' : 'Customer account', p.accountId],
        [it ? 'Durata del rinnovo' : 'Renewal term', years(p.years)],
        [it ? 'Imponibile' : 'Net amount', euro(p.netCents, language)],
        [it ? 'IVA 22%' : 'VAT 22%', euro(p.vatCents, language)],
        [it ? 'Importo da versare' : 'Amount to pay', euro(p.order.totalCents, language)],
        [it ? 'Scadenza attuale' : 'Current expiry date', date(p.extendsFrom, language)],
        [it ? 'Scadenza dopo il pagamento' : 'Expiry date after payment', date(p.newExpiresOn, language)],
      ],
    },
    ...openOrderSection(p.order, p.mailbox, orderContext, language),
    paragraph(
      it
        ? `Pagare in anticipo non cambia la prossima data di scadenza: il rinnovo decorre ${phrase(p.extendsFrom, language, 'from')}.`
        : `Paying early does not change your next expiry date: the renewal runs ${phrase(p.extendsFrom, language, 'from')}.`,
    ),
    paragraph(
      ...(it
        ? ['Puoi rivedere l’ordine o cambiare il metodo di pagamento finché non è pagato: ', { link: 'apri l’ordine', href: orderPage }, '.']
        : ['You can review the order or change the payment method until it is paid: ', { link: 'open the order', href: orderPage }, '.']),
    ),
  ]
  return {
    subject: orderSummarySubject(p, language),
    preheader: it
      ? `Ordine ${number}: ${euro(p.order.totalCents, language)} da versare, causale ${number}.`
      : `Order ${number}: ${euro(p.order.totalCents, language)} to pay, reference ${number}.`,
    blocks,
    footer: footer(p.mailbox, context, language),
    language,
  }
}
