import type { CalendarDate } from '../core/calendar'
import { withoutJit, type Tx } from '../db/client'
import type { Deps } from '../deps'
import {
  ceaseBatch,
  deactivateBatch,
  lifecycleConventions,
  previewReminders,
  previewStatusChanges,
  recordRun,
  sendReminderBatch,
  type BatchResult,
  type PreviewRow,
} from './queries'
import { lifecyclePlan, type LifecyclePlan } from './rules'

export const LIFECYCLE_JOB = 'lifecycle'


export interface LifecycleSummary {
  date: CalendarDate
  reminders: number
  deactivated: number
  ceased: number
  registerWarnings: number
  skippedReminders: number
  dryRun: boolean
  /** Dry run only: what the run would do, mailbox by mailbox. */
  actions?: PreviewRow[]
}

export interface LifecycleOptions {
  date: CalendarDate
  dryRun?: boolean
  batchSize?: number
  /** Called after each batch with the running totals: progress on a terminal. */
  onProgress?: (step: 'cessations' | 'deactivations' | 'reminders', summary: LifecycleSummary) => void
}

/**
 * The daily run for one Europe/Rome date: cessations (R6), deactivations (R5), reminders (R2),
 * with the register warnings (R7) they carry. Each batch is its own short transaction, so a run
 * killed midway resumes where it stopped, and runners on several nodes share the work (R8).
 */
export async function runLifecycle(deps: Deps, options: LifecycleOptions): Promise<LifecycleSummary> {
  const today = options.date
  const limit = options.batchSize ?? 5000
  const summary: LifecycleSummary = { date: today, reminders: 0, deactivated: 0, ceased: 0, registerWarnings: 0, skippedReminders: 0, dryRun: !!options.dryRun }
  // What is due is decided by the rules, once, from the conventions' settings; the SQL applies it.
  const plan = lifecyclePlan(await lifecycleConventions(deps.db), today)
  if (options.dryRun) return previewLifecycle(deps, plan, summary)

  // A batch's one statement is planned for a batch of the size asked, and compiled (JIT) when that
  // looks large; it reaches its rows by index in milliseconds (a second run of a day: none at all).
  const inBatch = <T>(run: (tx: Tx) => Promise<T>) =>
    deps.db.transaction(async (tx) => {
      await withoutJit(tx)
      return run(tx)
    })
  const add = (result: BatchResult, key: 'reminders' | 'deactivated' | 'ceased') => {
    summary[key] += result.done
    summary.registerWarnings += result.registerWarnings
    summary.skippedReminders += result.skipped
  }

  // Status changes: drain with SKIP LOCKED (runners share), then one waiting pass for rows that
  // another transaction held (a payment arriving at that moment, or a second runner).
  for (const [step, key, batch] of [
    ['cessations', 'ceased', (skipLocked: boolean) => inBatch((tx) => ceaseBatch(tx, plan, { limit, now: deps.clock.now(), skipLocked }))],
    ['deactivations', 'deactivated', (skipLocked: boolean) => inBatch((tx) => deactivateBatch(tx, plan, { limit, now: deps.clock.now(), skipLocked }))],
  ] as const) {
    for (const skipLocked of [true, false]) {
      for (;;) {
        const result = await batch(skipLocked)
        add(result, key)
        if (result.candidates > 0) options.onProgress?.(step, summary)
        if (result.candidates < limit) break
      }
    }
  }

  // Reminders: the same drain-then-wait passes; a mailbox leaves the due set once reminded.
  for (const skipLocked of [true, false]) {
    for (;;) {
      const result = await inBatch((tx) => sendReminderBatch(tx, plan, { limit, now: deps.clock.now(), skipLocked }))
      add(result, 'reminders')
      if (result.candidates > 0) options.onProgress?.('reminders', summary)
      if (result.candidates < limit) break
    }
  }

  await recordRun(deps.db, LIFECYCLE_JOB, today, deps.clock.now(), summary)
  return summary
}

async function previewLifecycle(deps: Deps, plan: LifecyclePlan, summary: LifecycleSummary): Promise<LifecycleSummary> {
  const actions = await previewStatusChanges(deps.db, plan)
  actions.push(...(await previewReminders(deps.db, plan)))
  summary.actions = actions
  summary.ceased = actions.filter((a) => a.action === 'cease').length
  summary.deactivated = actions.filter((a) => a.action === 'deactivate').length
  summary.reminders = actions.filter((a) => a.action === 'reminder').length
  summary.skippedReminders = actions.reduce((n, a) => n + a.skippedOffsets.length, 0)
  summary.registerWarnings = actions.filter((a) => a.registerWarning).length
  return summary
}
