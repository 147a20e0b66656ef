import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config'
import { buildServices } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { runLifecycle } from '../../src/lifecycle/run-lifecycle'
import { parseCalendarDate as day } from '../../src/core/calendar'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { DEMO_ENV } from '../support/config'

describe.each(testDatabases())('%s: the web server', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('answers health checks, and in demo mode shows queued mail in the mail viewer', async () => {
    t = await open()
    const config = loadConfig({ DATABASE_URL: 'memory://', ...DEMO_ENV })
    const services = buildServices(config, t.database, clockOn('2026-06-20'))
    await seedConvention(t.database.db)
    await seedMailbox(t.database.db, { expiresOn: '2026-06-27', address: 'dottoressa@pec.example.it' })
    await runLifecycle(services.deps, { date: day('2026-06-20') })
    const app = await buildServer(services)
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' })
    const home = await app.inject('/')
    expect(home.headers.location).toBe('/rinnova')
    const mail = await app.inject('/dev/posta')
    expect(mail.statusCode).toBe(200)
    expect(mail.body).toContain('dottoressa@pec.example.it')
    await app.close()
  })

  it('R10: has no mail viewer outside demo mode, with or without SMTP', async () => {
    t = await open()
    for (const env of [{}, { SMTP_URL: 'smtp://127.0.0.1:2525' }]) {
      const config = loadConfig({ DATABASE_URL: 'memory://', ...env })
      const app = await buildServer(buildServices(config, t.database, clockOn('2026-06-20')))
      expect((await app.inject('/dev/posta')).statusCode).toBe(404)
      await app.close()
    }
  })
})

const PAYMENT = {
  PAYMENT_BENEFICIARY: 'PEC Provider S.p.A.',
  PAYMENT_IBAN: 'IT60 X054 2811 1010 0000 0123 456',
  PAYMENT_BIC: 'BPMOIT22XXX',
  PAYMENT_POSTAL_ACCOUNT: '1234 5678',
}

describe('configuration', () => {
  it('takes the provider’s payment details, checked, instead of the demo data', () => {
    expect(loadConfig({ DATABASE_URL: 'memory://', ...PAYMENT }).paymentInstructions).toEqual({
      beneficiary: 'PEC Provider S.p.A.',
      iban: 'IT60X0542811101000000123456',
      bic: 'BPMOIT22XXX',
      postalAccount: '000012345678',
      isDemo: false,
    })
    expect(loadConfig({ DATABASE_URL: 'memory://' }).paymentInstructions).toBeUndefined() // production: not offered
    expect(loadConfig({ DATABASE_URL: 'memory://', ...DEMO_ENV }).paymentInstructions).toMatchObject({ isDemo: true })
  })

  it.each([
    [{ PORT: '80a' }, /PORT: expected an integer/],
    [{ SMTP_URL: 'mail.example.it' }, /SMTP_URL: expected smtp:\/\//],
    [{ PUBLIC_URL: 'not a url' }, /PUBLIC_URL/],
    [{ TZ_BUSINESS: 'Mars/Olympus' }, /TZ_BUSINESS: unknown time zone/],
    [{ LIFECYCLE_TIME: '24:30' }, /LIFECYCLE_TIME: expected HH:MM/],
    [{ PAYMENT_IBAN: 'IT60X0542811101000000123456' }, /PAYMENT_BENEFICIARY, PAYMENT_BIC, PAYMENT_POSTAL_ACCOUNT: set together/],
    [{ ...PAYMENT, PAYMENT_IBAN: 'IT60Y0542811101000000123456' }, /PAYMENT_IBAN: /],
    [{ ...PAYMENT, PAYMENT_BIC: 'BPM' }, /PAYMENT_BIC: expected 8 or 11/],
  ])('names the bad variable: %j', (env, message) => {
    expect(() => loadConfig({ DATABASE_URL: 'memory://', ...env })).toThrow(message)
  })
})
