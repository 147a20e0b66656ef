import type { MailContext } from '../mail-context'
import { paragraph, type Block, type MailDocument } from '../mail-document'
import type { ReminderParams } from '../mail-types'
import { date, dayAfter, phrase, footer, greeting, openOrderSection, registerWarning, renewAction, type Language } from './shared'

export function reminderSubject(p: ReminderParams, language: Language): string {
  return language === 'it'
    ? `La casella PEC ${p.mailbox} scade ${phrase(p.expiresOn, language, 'on')}`
    : `Your PEC mailbox ${p.mailbox} expires ${phrase(p.expiresOn, language, 'on')}`
}

/** R2: the expiry reminder; R4: paying early does not move the expiry; R7 when registerWarning. */
export function reminderMail(p: ReminderParams, context: MailContext, language: Language): MailDocument {
  const it = language === 'it'
  const expiry = date(p.expiresOn, language)
  const blocks: Block[] = [
    greeting(p.holderName, language),
    paragraph(
      ...(it
        ? ['la casella di Posta Elettronica Certificata ', { strong: p.mailbox }, ' scade ', { strong: phrase(p.expiresOn, language, 'the') }, ': funziona fino alla fine di quel giorno.']
        : ['Your certified e-mail (PEC) mailbox ', { strong: p.mailbox }, ' expires on ', { strong: expiry }, ': it works until the end of that day.']),
    ),
  ]
  if (p.openOrder) {
    blocks.push(
      paragraph(
        it
          ? 'Hai già avviato il rinnovo, ma il pagamento non ci è ancora arrivato. Qui sotto trovi il tuo ordine e come pagarlo.'
          : 'You have already started the renewal, but your payment has not reached us yet. Your order and how to pay it are below.',
      ),
      ...openOrderSection(p.openOrder, p.mailbox, context, language),
    )
  } else {
    blocks.push(
      paragraph(it ? 'Per rinnovarla apri questo link e segui la procedura guidata:' : 'To renew it, open this link and follow the guided steps:'),
      renewAction(p.mailbox, context, language),
      paragraph(
        it
          ? 'Alla fine dell’ordine riceverai un riepilogo con il numero d’ordine da indicare come causale, l’importo e gli estremi per pagare con carta di credito, PayPal, bonifico o bollettino postale. Con carta di credito o PayPal il pagamento viene registrato subito.'
          : 'When you complete the order you will receive a summary with the order number to quote as payment reference, the amount, and the details to pay by credit card, PayPal, bank transfer or postal slip. Card and PayPal payments are registered at once.',
      ),
    )
  }
  blocks.push(
    paragraph(
      it
        ? `Pagare in anticipo non cambia la prossima data di scadenza: il rinnovo decorre comunque ${phrase(p.expiresOn, language, 'from')}, per quanto presto arrivi il pagamento.`
        : `Paying early does not change your next expiry date: the renewal always runs ${phrase(p.expiresOn, language, 'from')}, however early the payment arrives.`,
    ),
    {
      kind: 'box',
      tone: 'warning',
      title: it ? 'Importante' : 'Important',
      blocks: [
        paragraph(
          it
            ? `Il giorno dopo la scadenza, ${phrase(dayAfter(p.expiresOn), language, 'the')}, se il rinnovo non risulta pagato la casella viene disattivata e smette di funzionare: non potrai più inviare né ricevere messaggi PEC.`
            : `On the day after expiry, ${date(dayAfter(p.expiresOn), language)}, if the renewal has not been paid the mailbox is deactivated and stops working: you will no longer be able to send or receive PEC messages.`,
        ),
      ],
    },
  )
  const warning = p.registerWarning ? registerWarning(p.register, 'unless_renewed', language) : null
  if (warning) blocks.push(warning)
  return {
    subject: reminderSubject(p, language),
    preheader: it ? `Rinnova ${phrase(p.expiresOn, language, 'by')} per non perdere la casella.` : `Renew ${phrase(p.expiresOn, language, 'by')} to keep your mailbox.`,
    blocks,
    footer: footer(p.mailbox, context, language),
    language,
  }
}
