import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config'
import { buildServices } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { DEMO_ENV, PROVIDER_ENV, TEST_SESSION_SECRET } from '../support/config'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn } from '../support/seed'

describe.each(testDatabases())('%s: the provider on every page', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  async function server(env: Record<string, string>) {
    t = await open()
    const config = loadConfig({ DATABASE_URL: 'memory://', PUBLIC_URL: 'https://rinnovi.example.it', SESSION_SECRET: TEST_SESSION_SECRET, ...env })
    return buildServer(buildServices(config, t.database, clockOn('2026-06-20')))
  }

  it('the header names the provider; the footer gives its P.IVA, office, support channels and notices, in both languages; the logo’s origin is allowed', async () => {
    const app = await server({ ...PROVIDER_ENV, PROVIDER_LOGO_URL: 'https://cdn.pec-provider.example/logo.png' })
    const italian = await app.inject('/rinnova')
    expect(italian.statusCode).toBe(200)
    const header = italian.body.slice(italian.body.indexOf('<header'), italian.body.indexOf('</header>'))
    expect(header).toContain('Servizio offerto da PEC Provider S.p.A.')
    expect(header).toContain('<img class="logo" src="https://cdn.pec-provider.example/logo.png" alt="PEC Provider S.p.A."')
    const footer = italian.body.slice(italian.body.indexOf('<footer'))
    expect(footer).toContain('P.IVA 01234560017')
    expect(footer).toContain('sede legale: Via Roma 10, 20121 Milano (MI)')
    expect(footer).toContain('<a href="mailto:assistenza@pec-provider.example">assistenza@pec-provider.example</a>')
    expect(footer).toContain('<a href="tel:+390212345678">+39 02 1234 5678</a>')
    expect(footer).toContain('<a href="https://www.pec-provider.example/guide">Guide al servizio</a>')
    expect(footer).toContain('<a href="https://www.pec-provider.example/privacy">Informativa privacy</a>')
    expect(footer).toContain('<a href="https://www.pec-provider.example/condizioni">Condizioni del servizio</a>')
    expect(footer).not.toContain('indirizzo indicato nelle comunicazioni') // the old footer that gave no address
    expect(footer).not.toContain('dimostrativ')
    expect(italian.headers['content-security-policy']).toContain('img-src \'self\' data: https://cdn.pec-provider.example')
    const english = await app.inject('/rinnova?lang=en')
    expect(english.body).toContain('A service of PEC Provider S.p.A.')
    expect(english.body).toContain('VAT no. 01234560017')
    expect(english.body).toContain('Privacy notice')
    // the back office shows the same identity
    expect((await app.inject('/ufficio/accesso')).body).toContain('assistenza@pec-provider.example')
    // no demo documents outside demo mode
    expect((await app.inject('/demo/documenti/privacy')).statusCode).toBe(404)
    await app.close()
  })

  it('R10: the demo’s identity is marked as demo data, its notices are demo pages of the site', async () => {
    const app = await server({ ...DEMO_ENV })
    const page = await app.inject('/rinnova')
    expect(page.body).toContain('Dati dimostrativi: nessuna di queste informazioni è reale.')
    expect(page.body).toContain('href="http://localhost:3000/demo/documenti/privacy"')
    const privacy = await app.inject('/demo/documenti/privacy')
    expect(privacy.statusCode).toBe(200)
    expect(privacy.body).toContain('Informativa privacy (dimostrativa)')
    expect((await app.inject('/demo/documenti/altro')).statusCode).toBe(400)
    await app.close()
  })
})
