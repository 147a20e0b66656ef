import type { HashCost } from './core/hash-cost'
import type { Clock } from './core/clock'
import type { Db } from './db/client'

/** What every use case receives: the database, the clock, the settings. Nothing global. */
export interface Deps {
  db: Db
  clock: Clock
  /** The settings use cases read (a part of Config: deps know nothing of how settings are read). */
  config: {
    publicUrl: string
    businessTimeZone: string
    invoicing?: { series: string }
    officeExtensionApprovalDays?: number
    officeTotpKey?: Buffer
    /** The cost of the password hashes written (default OUR_HASH_COST). */
    passwordHashCost?: HashCost
    webhooks?: { allowHttp: boolean; allowPrivateAddresses: boolean; disableAfterFailures: number }
  }
}
