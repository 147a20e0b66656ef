import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config'
import { addOperator } from '../../src/operators/add-operator'
import { buildServices } from '../../src/services'
import { buildServer } from '../../src/web/server'
import { TEST_SESSION_SECRET } from '../support/config'
import { testDatabases, type TestDatabase } from '../support/databases'
import { seedDashboardDay } from '../support/dashboard-day'
import { signInAsOperator } from '../support/office'
import { clockOn } from '../support/seed'
import { WebClient } from '../support/web-client'

const PASSWORD = 'operatore-di-prova-1'

describe.each(testDatabases())('%s: the dashboard page and its CSV (issue 11)', (_name, open) => {
  let t: TestDatabase
  let app: FastifyInstance
  afterEach(async () => {
    await app?.close()
    await t?.close()
  })

  async function setup() {
    t = await open()
    const clock = clockOn('2026-11-01')
    const services = buildServices(loadConfig({ DATABASE_URL: 'memory://', PUBLIC_URL: 'https://rinnovi.example.it', SESSION_SECRET: TEST_SESSION_SECRET }), t.database, clock)
    await seedDashboardDay(services.deps, clock)
    await addOperator(services.deps, { username: 'lia', displayName: 'Lia', password: PASSWORD, role: 'read-only', actor: 'operator:setup' })
    app = await buildServer(services)
    const client = new WebClient(app)
    await signInAsOperator(client, clock, 'lia', PASSWORD)
    return client
  }

  it('a read-only operator sees five charts drawn as SVG images, each with its table and CSV link; the nav links it', { timeout: 120_000 }, async () => {
    const client = await setup()
    const home = await client.get('/ufficio')
    expect(home.body).toContain('href="/ufficio/cruscotto"')
    const page = await client.get('/ufficio/cruscotto')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('oggi è il 5 dicembre 2026')
    expect(page.body.match(/<svg [^>]*role="img"/g)).toHaveLength(5)
    expect(page.body.match(/<table class="results">/g)).toHaveLength(5)
    for (const chart of ['rinnovi', 'incassi', 'scadenze', 'coorti', 'sospesi']) expect(page.body).toContain(`href="/ufficio/cruscotto/${chart}.csv"`)
    expect(page.body).toContain('3 rinnovi pagati negli ultimi 90 giorni.')
    expect(page.body).toMatch(/60,00\s€ in 2 pagamenti aspettano un operatore/)
    expect(page.body).toContain('<th scope="row">dal 12 dicembre 2026 al 18 dicembre 2026</th><td>1</td><td>0</td><td>1</td>')
    expect(page.body).toContain('<td>66,7 %</td>')
    expect(page.body).not.toContain('script')
  })

  it('each chart downloads as CSV with the figures, and an unknown chart is 404', { timeout: 120_000 }, async () => {
    const client = await setup()
    const renewals = await client.get('/ufficio/cruscotto/rinnovi.csv')
    expect(renewals.statusCode).toBe(200)
    expect(renewals.headers['content-type']).toContain('text/csv')
    expect(renewals.headers['content-disposition']).toBe('attachment; filename="rinnovi-2026-12-05.csv"')
    const lines = renewals.body.trim().split('\r\n')
    expect(lines[0]).toBe('day,card,paypal,bonifico,bollettino,total')
    expect(lines).toHaveLength(91)
    expect(lines).toContain('2026-12-01,0,0,1,0,1')
    expect((await client.get('/ufficio/cruscotto/incassi.csv')).body).toContain('2026-12-03,0,6000,6000')
    expect((await client.get('/ufficio/cruscotto/scadenze.csv')).body.split('\r\n').slice(0, 3)).toEqual(['week_from,week_to,renewed,not_renewed,total', '2026-12-05,2026-12-11,0,1,1', '2026-12-12,2026-12-18,1,0,1'])
    expect((await client.get('/ufficio/cruscotto/coorti.csv')).body).toContain('2026-11,1,1,0,50')
    expect((await client.get('/ufficio/cruscotto/sospesi.csv')).body).toContain('amount_mismatch,1,1000,2026-12-03')
    expect((await client.get('/ufficio/cruscotto/altro.csv')).statusCode).toBe(404)
  })
})
