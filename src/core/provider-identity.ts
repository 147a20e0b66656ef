import { iva } from './italian-tax-ids'

/**
 * Who runs the service, as holders must be able to see it on every page and in every e-mail:
 * the company, its P.IVA and registered office, its notices, and a support channel a holder can
 * actually reach. Read once from the environment (src/config.ts); demo values only in demo mode (R10).
 */
export interface ProviderIdentity {
  /** Company name (ragione sociale). */
  name: string
  /** Partita IVA, 11 digits, checked. */
  vatNumber: string
  /** Registered office (sede legale), one line. */
  registeredOffice: string
  /** An https image (or a path on this site) shown in the header; absent: the name alone. */
  logoUrl?: string
  privacyUrl: string
  cookieUrl: string
  termsUrl: string
  /** Where holders write for help: every e-mail and every page gives it. */
  supportEmail: string
  supportPhone?: string
  /** A support page (ticket form, opening hours); absent: the e-mail and phone alone. */
  supportUrl?: string
  /** The guides ("consulta le guide"). */
  helpUrl: string
  /** The fictitious identity of the demo (R10): pages and e-mails say so. */
  isDemo: boolean
}

/** Each setting's variable (the optional ones: logo, phone, support page). */
export const PROVIDER_VARIABLES = {
  name: 'PROVIDER_NAME',
  vatNumber: 'PROVIDER_VAT_NUMBER',
  registeredOffice: 'PROVIDER_REGISTERED_OFFICE',
  logoUrl: 'PROVIDER_LOGO_URL',
  privacyUrl: 'PROVIDER_PRIVACY_URL',
  cookieUrl: 'PROVIDER_COOKIE_URL',
  termsUrl: 'PROVIDER_TERMS_URL',
  supportEmail: 'PROVIDER_SUPPORT_EMAIL',
  supportPhone: 'PROVIDER_SUPPORT_PHONE',
  supportUrl: 'PROVIDER_SUPPORT_URL',
  helpUrl: 'PROVIDER_HELP_URL',
} as const satisfies Record<Exclude<keyof ProviderIdentity, 'isDemo'>, string>

type Field = keyof typeof PROVIDER_VARIABLES
const REQUIRED: readonly Field[] = ['name', 'vatNumber', 'registeredOffice', 'privacyUrl', 'cookieUrl', 'termsUrl', 'supportEmail', 'helpUrl']
const URL_FIELDS: readonly Field[] = ['logoUrl', 'privacyUrl', 'cookieUrl', 'termsUrl', 'supportUrl', 'helpUrl']

/** Why a provider setting cannot be used; the command line says it in the operator's language. */
export interface ProviderProblem {
  variable: string
  problem: 'missing' | 'vat_number' | 'url' | 'email' | 'phone'
}

export type ProviderSettings = { identity: ProviderIdentity; problems: [] } | { identity: undefined; problems: ProviderProblem[] }

/**
 * Reads the PROVIDER_* variables. All required ones set and valid: the identity. None set: in demo
 * mode the demo's (marked as such), in production none, with every required variable reported
 * missing (serve and worker refuse to start on that). Some set: what is wrong or missing.
 */
export function readProviderIdentity(env: Readonly<Record<string, string | undefined>>, demo: boolean, publicUrl: string): ProviderSettings {
  const value = (field: Field) => env[PROVIDER_VARIABLES[field]]?.trim() || undefined
  const anySet = (Object.keys(PROVIDER_VARIABLES) as Field[]).some((field) => value(field))
  if (!anySet && demo) return { identity: demoProviderIdentity(publicUrl), problems: [] }
  const problems: ProviderProblem[] = []
  for (const field of REQUIRED) if (!value(field)) problems.push({ variable: PROVIDER_VARIABLES[field], problem: 'missing' })
  const vat = value('vatNumber')?.replace(/^IT/i, '').replace(/\s/g, '')
  if (vat && !iva.validate(vat).isValid) problems.push({ variable: PROVIDER_VARIABLES.vatNumber, problem: 'vat_number' })
  for (const field of URL_FIELDS) {
    const url = value(field)
    if (url && !isLinkable(url)) problems.push({ variable: PROVIDER_VARIABLES[field], problem: 'url' })
  }
  const email = value('supportEmail')
  if (email && !/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(email)) problems.push({ variable: PROVIDER_VARIABLES.supportEmail, problem: 'email' })
  const phone = value('supportPhone')
  if (phone && !/^\+?[\d\s./-]{6,20}$/.test(phone)) problems.push({ variable: PROVIDER_VARIABLES.supportPhone, problem: 'phone' })
  if (problems.length) return { identity: undefined, problems }
  return {
    identity: {
      name: value('name')!,
      vatNumber: vat!,
      registeredOffice: value('registeredOffice')!,
      privacyUrl: value('privacyUrl')!,
      cookieUrl: value('cookieUrl')!,
      termsUrl: value('termsUrl')!,
      supportEmail: email!,
      helpUrl: value('helpUrl')!,
      ...(value('logoUrl') ? { logoUrl: value('logoUrl') } : {}),
      ...(phone ? { supportPhone: phone } : {}),
      ...(value('supportUrl') ? { supportUrl: value('supportUrl') } : {}),
      isDemo: false,
    },
    problems: [],
  }
}

/** An absolute http(s) address, or a path on this site (/static/logo.svg). */
function isLinkable(value: string): boolean {
  if (/^\/(?!\/)\S*$/.test(value)) return true
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:'
  } catch {
    return false
  }
}

/**
 * R10: the demo's provider, fictitious and said to be (the same company the demo invoices name);
 * its notices are demo pages of this site, its support address in the reserved .invalid domain.
 */
export function demoProviderIdentity(publicUrl: string): ProviderIdentity {
  const base = publicUrl.replace(/\/$/, '')
  return {
    name: 'Fornitore PEC dimostrativo S.r.l. (dati dimostrativi)',
    vatNumber: '01234560017',
    registeredOffice: 'Via dell’Esempio 1, 00100 Roma (RM)',
    privacyUrl: `${base}/demo/documenti/privacy`,
    cookieUrl: `${base}/demo/documenti/cookie`,
    termsUrl: `${base}/demo/documenti/condizioni`,
    supportEmail: 'assistenza@fornitore-pec.invalid',
    supportPhone: '+39 06 0000 0000',
    supportUrl: `${base}/demo/documenti/assistenza`,
    helpUrl: `${base}/demo/documenti/guide`,
    isDemo: true,
  }
}
