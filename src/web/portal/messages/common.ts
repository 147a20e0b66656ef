import type { Catalogue } from '../../i18n'

/** Texts of the layout and of every page's frame. Each page area keeps its own catalogue file. */
export const common = {
  it: {
    'site.name': 'Rinnovo caselle PEC',
    'site.tagline': 'Convenzione FNOMCEO — rinnovo a carico dell’iscritto',
    'nav.skip': 'Vai al contenuto',
    'nav.mailboxes': 'Le mie caselle',
    'nav.signOut': 'Esci',
    'nav.language': 'English',
    'nav.languageLabel': 'Switch to English',
    'error.title': 'Si è verificato un problema',
    'error.generic': 'Non è stato possibile completare l’operazione. Riprova tra qualche minuto.',
    'error.notFound': 'Pagina non trovata.',
    'error.csrf': 'La pagina è scaduta per sicurezza. Ricaricala e riprova.',
    'error.back': 'Torna alla pagina iniziale',
    'error.summary': 'Correggi i seguenti errori:',
    'footer.help': 'Assistenza: rispondiamo alle e-mail all’indirizzo indicato nelle comunicazioni di rinnovo.',
  },
  en: {
    'site.name': 'PEC mailbox renewal',
    'site.tagline': 'FNOMCEO convention — renewal paid by the member',
    'nav.skip': 'Skip to content',
    'nav.mailboxes': 'My mailboxes',
    'nav.signOut': 'Sign out',
    'nav.language': 'Italiano',
    'nav.languageLabel': 'Passa all’italiano',
    'error.title': 'Something went wrong',
    'error.generic': 'The operation could not be completed. Please try again in a few minutes.',
    'error.notFound': 'Page not found.',
    'error.csrf': 'The page expired for your security. Reload it and try again.',
    'error.back': 'Back to the start page',
    'error.summary': 'Please correct the following:',
    'footer.help': 'Help: we answer e-mails at the address given in the renewal notices.',
  },
} satisfies Catalogue<string>
