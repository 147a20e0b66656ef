import type { Clock } from './core/clock'
import type { Config } from './config'
import type { Db } from './db/client'

/** What every use case receives: the database, the clock, the settings. Nothing global. */
export interface Deps {
  db: Db
  clock: Clock
  config: Pick<Config, 'publicUrl' | 'businessTimeZone'>
}
