import type { Catalogue } from '../../i18n'

export const mailboxesText = {
  it: {
    'mailboxes.title': 'Le tue caselle PEC',
    'mailboxes.none': 'Nessuna casella associata a questo account.',
    'mailboxes.expiresOn': 'Scadenza',
    'mailboxes.status': 'Stato',
    'mailboxes.status.active': 'Attiva',
    'mailboxes.status.deactivated': 'Disattivata',
    'mailboxes.status.ceased': 'Cessata',
  },
  en: {
    'mailboxes.title': 'Your PEC mailboxes',
    'mailboxes.none': 'No mailbox belongs to this account.',
    'mailboxes.expiresOn': 'Expiry date',
    'mailboxes.status': 'Status',
    'mailboxes.status.active': 'Active',
    'mailboxes.status.deactivated': 'Deactivated',
    'mailboxes.status.ceased': 'Ceased',
  },
} satisfies Catalogue<string>
