import type { MailContext } from '../mail-context'
import { paragraph, type Block, type MailDocument } from '../mail-document'
import type { DeactivationParams } from '../mail-types'
import { date, dayAfter, phrase, footer, greeting, openOrderSection, registerWarning, renewAction, type Language } from './shared'

export function deactivationSubject(p: DeactivationParams, language: Language): string {
  return language === 'it' ? `La casella PEC ${p.mailbox} è stata disattivata` : `Your PEC mailbox ${p.mailbox} has been deactivated`
}

/** R5: the deactivation notice; R6: how to reactivate within the window; R7 warning. */
export function deactivationMail(p: DeactivationParams, context: MailContext, language: Language): MailDocument {
  const it = language === 'it'
  const until = date(p.renewableUntil, language)
  const blocks: Block[] = [
    greeting(p.holderName, language),
    paragraph(
      ...(it
        ? ['la casella PEC ', { strong: p.mailbox }, ` è scaduta ${phrase(p.expiresOn, language, 'on')} senza che risultasse pagato un rinnovo: ${phrase(dayAfter(p.expiresOn), language, 'since')} è `, { strong: 'disattivata' }, ' e non invia né riceve messaggi PEC.']
        : ['Your PEC mailbox ', { strong: p.mailbox }, ` expired ${phrase(p.expiresOn, language, 'on')} with no renewal paid: ${phrase(dayAfter(p.expiresOn), language, 'since')} it is `, { strong: 'deactivated' }, ' and neither sends nor receives PEC messages.']),
    ),
    { kind: 'heading', text: it ? 'Come riattivarla' : 'How to reactivate it' },
    paragraph(
      ...(it
        ? ['Puoi ancora rinnovarla ', { strong: phrase(p.renewableUntil, language, 'until') }, ': appena il pagamento del rinnovo ci arriva, entro quella data, la casella viene riattivata.']
        : ['You can still renew it ', { strong: phrase(p.renewableUntil, language, 'until') }, ': as soon as the renewal payment reaches us, by that date, the mailbox is reactivated.']),
    ),
  ]
  if (p.openOrder) {
    blocks.push(
      paragraph(it ? 'Il tuo ordine di rinnovo è ancora valido e può essere pagato:' : 'Your renewal order is still valid and can be paid:'),
      ...openOrderSection(p.openOrder, p.mailbox, context, language),
    )
  } else {
    blocks.push(renewAction(p.mailbox, context, language, { it: 'Rinnova e riattiva la casella', en: 'Renew and reactivate the mailbox' }))
  }
  blocks.push({
    kind: 'box',
    tone: 'warning',
    title: it ? 'Dopo ' + phrase(p.renewableUntil, language, 'the') : 'After ' + until,
    blocks: [
      paragraph(
        it
          ? `Se ${phrase(p.renewableUntil, language, 'by')} il rinnovo non risulta pagato, la casella cessa: viene eliminata definitivamente con i suoi messaggi e non potrà più essere rinnovata.`
          : `If the renewal has not been paid ${phrase(p.renewableUntil, language, 'by')}, the mailbox ceases: it is deleted for good with its messages and can no longer be renewed.`,
      ),
    ],
  })
  const warning = registerWarning(p.register, 'unless_renewed', language)
  if (warning) blocks.push(warning)
  return {
    subject: deactivationSubject(p, language),
    preheader: it ? `Puoi ancora riattivarla rinnovando ${phrase(p.renewableUntil, language, 'by')}.` : `You can still reactivate it by renewing ${phrase(p.renewableUntil, language, 'by')}.`,
    blocks,
    footer: footer(p.mailbox, context, language),
    language,
  }
}
