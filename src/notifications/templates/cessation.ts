import type { MailContext } from '../mail-context'
import { paragraph, type Block, type MailDocument } from '../mail-document'
import type { CessationParams } from '../mail-types'
import { footer, phrase, greeting, registerWarning, type Language } from './shared'

export function cessationSubject(p: CessationParams, language: Language): string {
  return language === 'it' ? `La casella PEC ${p.mailbox} è cessata` : `Your PEC mailbox ${p.mailbox} has ceased`
}

/** R6: the mailbox is gone; a payment arriving later is refunded; R7 warning. */
export function cessationMail(p: CessationParams, context: MailContext, language: Language): MailDocument {
  const it = language === 'it'
  const blocks: Block[] = [
    greeting(p.holderName, language),
    paragraph(
      ...(it
        ? ['la casella PEC ', { strong: p.mailbox }, `, scaduta ${phrase(p.expiresOn, language, 'on')} e non rinnovata nel periodo concesso, è `, { strong: `cessata ${phrase(p.ceasedOn, language, 'on')}` }, ' ed è stata eliminata.']
        : ['Your PEC mailbox ', { strong: p.mailbox }, `, which expired ${phrase(p.expiresOn, language, 'on')} and was not renewed within the period allowed, `, { strong: `ceased ${phrase(p.ceasedOn, language, 'on')}` }, ' and has been deleted.']),
    ),
    paragraph(
      it
        ? 'Non può più essere rinnovata né riattivata e i suoi messaggi non sono più recuperabili. Gli ordini di rinnovo ancora aperti sono stati annullati.'
        : 'It can no longer be renewed or reactivated, and its messages cannot be recovered. Any renewal order still open has been cancelled.',
    ),
    {
      kind: 'box',
      tone: 'info',
      title: it ? 'Pagamenti arrivati dopo la cessazione' : 'Payments arriving after cessation',
      blocks: [
        paragraph(
          it
            ? 'Se un pagamento per questa casella ci arriva dopo la cessazione, non viene usato per rinnovarla: ti sarà rimborsato.'
            : 'If a payment for this mailbox reaches us after cessation, it is not used to renew it: it will be refunded to you.',
        ),
      ],
    },
    paragraph(
      ...(it
        ? ['Se ti serve ancora un indirizzo PEC, puoi richiedere una nuova casella dal ', { link: 'sito del servizio', href: context.publicUrl }, '.']
        : ['If you still need a PEC address, you can request a new mailbox from the ', { link: 'service website', href: context.publicUrl }, '.']),
    ),
  ]
  const warning = registerWarning(p.register, 'ceased', language)
  if (warning) blocks.push(warning)
  return {
    subject: cessationSubject(p, language),
    preheader: it ? 'La casella è stata eliminata e non può più essere rinnovata.' : 'The mailbox has been deleted and can no longer be renewed.',
    blocks,
    footer: footer(p.mailbox, context, language),
    language,
  }
}
