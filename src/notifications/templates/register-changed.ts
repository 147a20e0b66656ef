import type { MailContext } from '../mail-context'
import { paragraph, type MailDocument } from '../mail-document'
import type { RegisterChangedParams } from '../mail-types'
import { footer, greeting, type Language } from './shared'

const REGISTER_NAMES = {
  it: { registro_imprese: 'al Registro delle Imprese', ini_pec: 'a INI-PEC, l’Indice Nazionale degli Indirizzi PEC dei professionisti' },
  en: { registro_imprese: 'at the Registro delle Imprese (Italian business register)', ini_pec: 'at INI-PEC, the national index of professionals’ PEC addresses' },
} as const

export function registerChangedSubject(p: RegisterChangedParams, language: Language): string {
  return language === 'it' ? `Casella ${p.mailbox}: registro pubblico aggiornato` : `Mailbox ${p.mailbox}: public register updated`
}

/** Issue 11, R7: the office recorded (or removed) that the mailbox is communicated to a public register. */
export function registerChangedMail(p: RegisterChangedParams, context: MailContext, language: Language): MailDocument {
  const it = language === 'it'
  const text =
    p.register === 'none'
      ? it
        ? 'il nostro ufficio ha registrato che la casella non risulta più comunicata a un registro pubblico (Registro delle Imprese o INI-PEC).'
        : 'Our office has recorded that the mailbox is no longer on record at a public register (Registro delle Imprese or INI-PEC).'
      : it
        ? `il nostro ufficio ha registrato che la casella risulta comunicata ${REGISTER_NAMES.it[p.register]}. Se un giorno non la rinnovassi, gli avvisi ti ricorderanno di comunicare un nuovo indirizzo PEC in sostituzione.`
        : `Our office has recorded that the mailbox is on record ${REGISTER_NAMES.en[p.register]}. Should you not renew it one day, the notices will remind you to communicate a new PEC address to replace it.`
  return {
    subject: registerChangedSubject(p, language),
    preheader: text,
    blocks: [greeting(p.holderName, language), paragraph(...(it ? ['Casella ', { strong: p.mailbox }, ': '] : ['Mailbox ', { strong: p.mailbox }, ': ']), text)],
    footer: footer(p.mailbox, context, language),
    language,
  }
}
