import type { Clock } from '../core/clock'
import type { Config } from '../config'
import type { Db } from '../db/client'
import { httpMailPlatform } from './http-platform'
import { simulatedMailPlatform, type MailPlatform } from './mail-platform'
import { sqlMailPlatform } from './sql-platform'

/**
 * The configured adapter (MAIL_PLATFORM); none configured: the simulation in demo mode (R10),
 * otherwise none at all, and the commands wait, queued, until one is.
 */
export function pickMailPlatform(config: Pick<Config, 'mailPlatform' | 'mode'>, db: Db, clock: Clock, log: (line: string) => void): MailPlatform | undefined {
  const chosen = config.mailPlatform
  if (chosen?.kind === 'sql') return sqlMailPlatform(db)
  if (chosen?.kind === 'http') return httpMailPlatform({ url: chosen.url, secret: chosen.secret, clock })
  return config.mode === 'demo' ? simulatedMailPlatform(log) : undefined
}
