import { describe, expect, it } from 'vitest'
import { KNOWN_VARIABLES, loadConfig, unknownVariables } from '../../src/config'
import { PROVIDER_VARIABLES, readProviderIdentity } from '../../src/core/provider-identity'
import { DEMO_ENV, PROVIDER_ENV } from '../support/config'

const PUBLIC_URL = 'https://rinnovi.example.it'

describe('the provider’s identity (PROVIDER_*)', () => {
  it('complete and valid: every field, the optional ones too, never marked as demo', () => {
    const { identity, problems } = readProviderIdentity(PROVIDER_ENV, false, PUBLIC_URL)
    expect(problems).toEqual([])
    expect(identity).toEqual({
      name: 'PEC Provider S.p.A.',
      vatNumber: '01234560017',
      registeredOffice: 'Via Roma 10, 20121 Milano (MI)',
      privacyUrl: 'https://www.pec-provider.example/privacy',
      cookieUrl: 'https://www.pec-provider.example/cookie',
      termsUrl: 'https://www.pec-provider.example/condizioni',
      supportEmail: 'assistenza@pec-provider.example',
      supportPhone: '+39 02 1234 5678',
      supportUrl: 'https://www.pec-provider.example/assistenza',
      helpUrl: 'https://www.pec-provider.example/guide',
      isDemo: false,
    })
  })

  it('R10: none set in production is no identity, every required variable reported missing; in demo mode the demo’s, marked as such', () => {
    const production = readProviderIdentity({}, false, PUBLIC_URL)
    expect(production.identity).toBeUndefined()
    expect(production.problems.map((p) => p.variable)).toEqual([
      'PROVIDER_NAME', 'PROVIDER_VAT_NUMBER', 'PROVIDER_REGISTERED_OFFICE', 'PROVIDER_PRIVACY_URL', 'PROVIDER_COOKIE_URL', 'PROVIDER_TERMS_URL', 'PROVIDER_SUPPORT_EMAIL', 'PROVIDER_HELP_URL',
    ])
    expect(production.problems.every((p) => p.problem === 'missing')).toBe(true)
    const demo = readProviderIdentity({}, true, 'http://localhost:3000')
    expect(demo.identity).toMatchObject({ isDemo: true, helpUrl: 'http://localhost:3000/demo/documenti/guide' })
    expect(demo.identity!.name).toContain('dimostrativ')
    expect(demo.identity!.supportEmail).toMatch(/\.invalid$/) // a reserved domain: never a real mailbox
  })

  it('each wrong value has its own problem: P.IVA check digit, URL, e-mail, phone; a demo with half a configuration is refused too', () => {
    const { problems } = readProviderIdentity(
      { ...PROVIDER_ENV, PROVIDER_VAT_NUMBER: '01234560018', PROVIDER_PRIVACY_URL: 'javascript:alert(1)', PROVIDER_SUPPORT_EMAIL: 'assistenza', PROVIDER_SUPPORT_PHONE: 'call us', PROVIDER_LOGO_URL: '//evil.example/logo.png' },
      false,
      PUBLIC_URL,
    )
    expect(problems).toEqual([
      { variable: 'PROVIDER_VAT_NUMBER', problem: 'vat_number' },
      { variable: 'PROVIDER_LOGO_URL', problem: 'url' },
      { variable: 'PROVIDER_PRIVACY_URL', problem: 'url' },
      { variable: 'PROVIDER_SUPPORT_EMAIL', problem: 'email' },
      { variable: 'PROVIDER_SUPPORT_PHONE', problem: 'phone' },
    ])
    expect(readProviderIdentity({ PROVIDER_NAME: 'Solo il nome' }, true, PUBLIC_URL).identity).toBeUndefined()
    // a path on this site is a valid logo
    expect(readProviderIdentity({ ...PROVIDER_ENV, PROVIDER_LOGO_URL: '/static/logo.svg' }, false, PUBLIC_URL).identity?.logoUrl).toBe('/static/logo.svg')
  })

  it('loadConfig: the identity in demo mode, none (with the problems) in production, each variable known', () => {
    expect(loadConfig({ DATABASE_URL: 'memory://', ...DEMO_ENV }).provider?.isDemo).toBe(true)
    const production = loadConfig({ DATABASE_URL: 'memory://' })
    expect(production.provider).toBeUndefined()
    expect(production.providerProblems).toHaveLength(8)
    expect(loadConfig({ DATABASE_URL: 'memory://', ...PROVIDER_ENV }).provider?.name).toBe('PEC Provider S.p.A.')
    for (const variable of Object.values(PROVIDER_VARIABLES)) expect(KNOWN_VARIABLES).toContain(variable)
    expect(unknownVariables({ PROVIDER_NAMES: 'x' })).toEqual([{ name: 'PROVIDER_NAMES', suggestion: 'PROVIDER_NAME' }])
  })
})
