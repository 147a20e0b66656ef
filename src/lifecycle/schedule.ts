import { addDays, businessDate, instantAt, type CalendarDate } from '../core/calendar'
import type { Deps } from '../deps'
import { lastRunDate } from './queries'
import { LIFECYCLE_JOB, runLifecycle, type LifecycleSummary } from './run-lifecycle'

/**
 * The business date whose daily run is owed at `now`, or null when none is: the run fires at
 * `time` (Europe/Rome) each day; before that time yesterday's run is the one owed. A process that
 * was down catches up with one run for the owed date (R2 avoids a burst of reminders).
 */
export function owedRunDate(now: Date, lastRun: CalendarDate | null, time: string, timeZone: string): CalendarDate | null {
  const today = businessDate(now, timeZone)
  const owed = now >= instantAt(today, time, timeZone) ? today : addDays(today, -1)
  return lastRun !== null && lastRun >= owed ? null : owed
}

/** Runs the lifecycle if a run is owed now; returns its summary, or null. */
export async function runOwedLifecycle(deps: Deps, time: string): Promise<LifecycleSummary | null> {
  const owed = owedRunDate(deps.clock.now(), await lastRunDate(deps.db, LIFECYCLE_JOB), time, deps.config.businessTimeZone)
  return owed ? runLifecycle(deps, { date: owed }) : null
}

const MAX_SLEEP_MS = 10 * 60_000 // re-check often: survives clock changes and suspended machines

/** The daily timer of `serve` and `worker`. */
export function startLifecycleSchedule(
  deps: Deps,
  time: string,
  log: (message: string, detail?: unknown) => void,
): { stop(): void } {
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  const tick = async () => {
    try {
      const summary = await runOwedLifecycle(deps, time)
      if (summary) log('lifecycle run done', summary)
    } catch (error) {
      log('lifecycle run failed; retrying at the next check', error)
    }
    if (stopped) return
    const now = deps.clock.now()
    const today = businessDate(now, deps.config.businessTimeZone)
    const nextFire = [instantAt(today, time, deps.config.businessTimeZone), instantAt(addDays(today, 1), time, deps.config.businessTimeZone)].find(
      (at) => at > now,
    )!
    timer = setTimeout(tick, Math.min(nextFire.getTime() - now.getTime() + 1000, MAX_SLEEP_MS))
  }
  void tick()
  return {
    stop() {
      stopped = true
      clearTimeout(timer)
    },
  }
}
