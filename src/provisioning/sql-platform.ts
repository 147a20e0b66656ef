import { sql } from 'drizzle-orm'
import { queryRows, type Executor } from '../db/client'
import type { MailPlatform } from './mail-platform'

/**
 * The SQL adapter: Dovecot (passdb, userdb) and Postfix (virtual mailbox maps) read the view
 * mail_platform_accounts over our own tables (docs/mail-platform.md), so a deactivation, a
 * reactivation or a cessation is effective on the mail servers when its own transaction commits.
 * A command therefore has nothing left to send: delivering it only confirms it. `status` reads
 * what the servers read.
 */
export function sqlMailPlatform(db: Executor): MailPlatform {
  return {
    name: 'sql',
    async apply() {
      // Already effective: the view follows the state change that queued this command.
    },
    async status(address) {
      const [row] = await queryRows<{ login_allowed: boolean; receive_allowed: boolean }>(
        db,
        sql`SELECT login_allowed, receive_allowed FROM mail_platform_accounts WHERE address = ${address.toLowerCase()}`,
      )
      if (!row) return 'absent'
      if (row.login_allowed) return 'active'
      return row.receive_allowed ? 'receive-only' : 'off'
    },
  }
}
