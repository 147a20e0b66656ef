import { createRequire } from 'node:module'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import type { ManualClock } from '../../../src/core/clock'
import type { Database } from '../../../src/db/client'
import { buildServices, type Services } from '../../../src/services'
import { buildServer } from '../../../src/web/server'
import { totpCode } from '../../../src/operators/second-factor'
import { TEST_SESSION_SECRET, testConfig } from '../../support/config'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** CI sets REQUIRE_BROWSER=1: a missing Chromium then fails the run instead of skipping. */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env.REQUIRE_BROWSER === '1') throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium`)
  return false
}

export interface RunningPortal {
  url: string
  services: Services
  app: FastifyInstance
  close(): Promise<void>
}

/** The real server on a free loopback port, on the given database and clock (demo mode: the mail viewer; `env` adds settings). */
export async function startPortal(database: Database, clock: ManualClock, env: Record<string, string> = {}): Promise<RunningPortal> {
  const config = testConfig({ DATABASE_URL: 'memory://', PEC_MODE: 'demo', SESSION_SECRET: TEST_SESSION_SECRET, PORT: '0', ...env })
  const services = buildServices(config, database, clock)
  const app = await buildServer(services)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  return { url, services, app, close: () => app.close() }
}

/** Debian's Chromium, headless, with a fresh profile and none of its background traffic. */
export async function launchBrowser(): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'pec-renewal-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 390, height: 844 }, // a phone first: holders often renew on one
    locale: 'it-IT',
  })
  const page = context.pages()[0] ?? (await context.newPage())
  return {
    context,
    page,
    close: async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']

interface AxeViolation {
  id: string
  impact: string
  help: string
  nodes: Array<{ target: string[] }>
}

/**
 * The page as axe-core judges it against WCAG 2.1 A and AA: each violation as one line, none when
 * the page passes. axe is evaluated through the DevTools protocol, which the CSP does not block.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE)
  const violations = await page.evaluate(async (tags) => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> } }).axe
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags } })
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }))
  }, WCAG_21_AA)
  return violations.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}

/**
 * Each step of a story: a screenshot, kept as a test artifact under test-results/screenshots/,
 * and an accessibility audit (axe-core, WCAG 2.1 AA) that fails the test on any violation.
 */
export function screenshotter(page: Page, story: string) {
  const folder = join('test-results', 'screenshots', story)
  mkdirSync(folder, { recursive: true })
  let n = 0
  return async (step: string) => {
    await page.screenshot({ path: join(folder, `${String(++n).padStart(2, '0')}-${step}.png`), fullPage: true })
    const violations = await accessibilityViolations(page)
    if (violations.length) throw new Error(`${story}/${step} (${page.url()}) fails WCAG 2.1 AA:\n${violations.join('\n')}`)
  }
}

/** Fills and sends the back-office sign-in form open on the page (the second factor, if asked, is the caller's). */
export async function fillOperatorSignIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Nome utente').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Accedi' }).click()
}

/**
 * An operator's first sign-in on the page open at a back-office sign-in form: enrols the second
 * factor when their role asks for it and continues to where they were going; returns the TOTP key
 * enrolled (undefined when none was asked).
 */
export async function signInOperatorInBrowser(page: Page, clock: ManualClock, username: string, password: string): Promise<string | undefined> {
  await fillOperatorSignIn(page, username, password)
  await page.waitForURL((url) => !url.pathname.endsWith('/accedi'))
  if (!page.url().includes('/ufficio/secondo-fattore')) return undefined
  const key = (await page.locator('#totp-key').textContent())!.replace(/ /g, '')
  await page.getByLabel('Codice', { exact: true }).fill(totpCode(key, clock.now()))
  await page.getByRole('button', { name: 'Conferma' }).click()
  await page.getByRole('link', { name: 'Continua' }).click()
  return key
}

/**
 * From the mailbox list, Italian pages: renews `mailbox` for 1 year by bonifico, every contract
 * accepted, a Rome billing address; ends on the order's page.
 */
export async function orderByBankTransfer(page: Page, mailbox: string): Promise<void> {
  await page.getByRole('link', { name: `Rinnova ${mailbox}` }).click()
    await page.getByLabel(/^1 anno/).check()
    await page.getByRole('button', { name: 'Prosegui' }).click()
    for (const box of await page.getByRole('checkbox').all()) await box.check()
    await page.getByRole('button', { name: 'Prosegui' }).click()
    await page.getByLabel('Via o piazza').fill('Via Nazionale')
    await page.getByLabel('Numero civico').fill('10')
    await page.getByLabel('CAP', { exact: true }).fill('00184')
    await page.getByLabel('Comune').fill('Roma')
    await page.getByLabel('Provincia').selectOption('RM')
    await page.getByRole('button', { name: 'Prosegui' }).click()
    await page.getByLabel(/^Bonifico bancario/).check()
    await page.getByRole('button', { name: 'Prosegui' }).click()
    await page.getByRole('button', { name: 'Conferma l’ordine' }).click()
    await page.waitForURL(/\/ordini\/[0-9A-Z]+$/)
}
