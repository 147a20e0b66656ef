import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterEach } from 'vitest'
import type { ManualClock } from '../../../src/core/clock'
import type { Database } from '../../../src/db/client'
import { addOperator } from '../../../src/operators/add-operator'
import type { OperatorRole } from '../../../src/operators/roles'
import { testDatabases, type TestDatabase } from '../../support/databases'
import { launchBrowser, screenshotter, startPortal, type RunningPortal } from './browser'

/** The password of every operator a story adds with `operators`. */
export const STORY_OPERATOR_PASSWORD = 'operatore-di-prova-1'

/** A back-office desk: the viewport the back office is used at. */
export const DESK = { width: 1280, height: 900 } as const

export interface StoryBrowser {
  page: Page
  /** Screenshot and accessibility audit of the page as it is (screenshotter). */
  shot(step: string): Promise<void>
}

export interface Story {
  /** An emptied embedded database of the test's own. */
  database(): Promise<TestDatabase>
  /** The real server on a loopback port (startPortal). */
  portal(database: Database, clock: ManualClock, env?: Record<string, string>): Promise<RunningPortal>
  /** Chromium with a page at `viewport` (default: the phone launchBrowser opens), its steps screenshotted under `name`. */
  browser(name: string, options?: { viewport?: { width: number; height: number }; timeoutMs?: number }): Promise<StoryBrowser>
  /** A scratch folder of the test's own. */
  folder(prefix: string): string
}

/**
 * What a browser story opens — its database, the portal, Chromium, scratch folders — closed after
 * each test in the reverse order it was opened (the browser before the server before the database).
 */
export function browserStory(): Story {
  const closers: Array<() => unknown> = []
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })
  return {
    async database() {
      const [[, open]] = testDatabases()
      const opened = await open()
      closers.push(() => opened.close())
      return opened
    },
    async portal(database, clock, env) {
      const portal = await startPortal(database, clock, env)
      closers.push(() => portal.close())
      return portal
    },
    async browser(name, options = {}) {
      const browser = await launchBrowser()
      closers.push(() => browser.close())
      const { page } = browser
      if (options.viewport) await page.setViewportSize(options.viewport)
      page.setDefaultTimeout(options.timeoutMs ?? 20_000)
      return { page, shot: screenshotter(page, name) }
    },
    folder(prefix) {
      const folder = mkdtempSync(join(tmpdir(), prefix))
      closers.push(() => rmSync(folder, { recursive: true, force: true }))
      return folder
    },
  }
}

/** Back-office operators, each with STORY_OPERATOR_PASSWORD, added by the setup actor. */
export async function addStoryOperators(portal: RunningPortal, operators: Array<{ username: string; displayName: string; role: OperatorRole }>): Promise<void> {
  for (const operator of operators) {
    await addOperator(portal.services.deps, { ...operator, password: STORY_OPERATOR_PASSWORD, actor: 'operator:setup' })
  }
}
