/** The back office's texts about operators: roles, the second factor, operator management. */
export const operatorTexts = {
  it: {
    'role.admin': 'amministratore',
    'role.billing': 'contabilità',
    'role.support': 'assistenza',
    'role.read-only': 'sola lettura',
    'error.forbidden': 'Con il ruolo «{role}» non puoi usare questa pagina. Se ti serve, chiedi a un amministratore.',
  },
  en: {
    'role.admin': 'administrator',
    'role.billing': 'billing',
    'role.support': 'support',
    'role.read-only': 'read-only',
    'error.forbidden': 'Your role, “{role}”, cannot use this page. If you need it, ask an administrator.',
  },
}
