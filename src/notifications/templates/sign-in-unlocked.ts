import type { MailContext } from '../mail-context'
import { paragraph, type MailDocument } from '../mail-document'
import type { SignInUnlockedParams } from '../mail-types'
import { footer, greeting, type Language } from './shared'

export function signInUnlockedSubject(_p: SignInUnlockedParams, language: Language): string {
  return language === 'it' ? 'Accesso al servizio di rinnovo sbloccato' : 'Sign-in to the renewal service unlocked'
}

/** Issue 11: after too many failed sign-ins, the office lifted the lock: the password signs in again. */
export function signInUnlockedMail(p: SignInUnlockedParams, context: MailContext, language: Language): MailDocument {
  const it = language === 'it'
  return {
    subject: signInUnlockedSubject(p, language),
    preheader: it ? 'Puoi accedere di nuovo con la tua password.' : 'You can sign in with your password again.',
    blocks: [
      greeting(p.holderName, language),
      paragraph(
        ...(it
          ? ['il nostro ufficio ha sbloccato l’accesso del conto ', { strong: p.accountId }, ', sospeso dopo troppi tentativi non riusciti: puoi accedere di nuovo con la tua password.']
          : ['Our office has unlocked sign-in for the account ', { strong: p.accountId }, ', suspended after too many unsuccessful attempts: you can sign in with your password again.']),
      ),
      paragraph(
        it
          ? 'Se non ricordi la password, usa «Password dimenticata» nella pagina di accesso. Se non sei stato tu a tentare l’accesso, imposta una nuova password.'
          : 'If you do not remember the password, use “Forgot password” on the sign-in page. If it was not you trying to sign in, set a new password.',
      ),
      { kind: 'action', label: it ? 'Accedi' : 'Sign in', href: `${context.publicUrl}/accedi` },
    ],
    footer: footer(p.mailbox, context, language),
    language,
  }
}
