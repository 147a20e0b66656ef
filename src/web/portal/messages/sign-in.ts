import type { Catalogue } from '../../i18n'

export const signIn = {
  it: {
    'signin.title': 'Rinnova la tua casella PEC',
    'signin.intro': 'Accedi con il codice cliente e la password dell’account, oppure con il nome della casella PEC e la sua password.',
    'signin.identifier': 'Codice cliente o casella PEC',
    'signin.identifierHint': 'Ad esempio FNOM000001 oppure nome.cognome@pec.example.it',
    'signin.password': 'Password',
    'signin.submit': 'Accedi',
    'signin.failed': 'Codice cliente, casella o password non corretti.',
    'signin.missingIdentifier': 'Inserisci il codice cliente o il nome della casella PEC.',
    'signin.missingPassword': 'Inserisci la password.',
    'signin.signedOut': 'Sei uscito. A presto.',
  },
  en: {
    'signin.title': 'Renew your PEC mailbox',
    'signin.intro': 'Sign in with your customer account ID and the account password, or with the PEC mailbox name and its password.',
    'signin.identifier': 'Customer account ID or PEC mailbox',
    'signin.identifierHint': 'For example FNOM000001 or name.surname@pec.example.it',
    'signin.password': 'Password',
    'signin.submit': 'Sign in',
    'signin.failed': 'Account ID, mailbox or password not correct.',
    'signin.missingIdentifier': 'Enter your customer account ID or the PEC mailbox name.',
    'signin.missingPassword': 'Enter your password.',
    'signin.signedOut': 'You have signed out. See you soon.',
  },
} satisfies Catalogue<string>
