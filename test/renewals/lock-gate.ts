import pg from 'pg'

/**
 * Makes concurrency tests really concurrent: holds a mailbox's row lock on a separate connection
 * until `waiters` other transactions are queued behind a lock, then lets them all go at once.
 */
export async function lockGate(url: string, mailboxId: number) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query('begin')
  await client.query('select id from mailboxes where id = $1 for update', [mailboxId])
  return {
    /** Resolves once `waiters` backends of this database wait on a lock (polls the server, no timers). */
    async queued(waiters: number): Promise<void> {
      for (let i = 0; i < 10_000; i++) {
        const { rows } = await client.query(
          `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
        )
        if (rows[0].n >= waiters) return
      }
      throw new Error(`fewer than ${waiters} transactions ever waited on a lock`)
    },
    async release(): Promise<void> {
      await client.query('commit')
      await client.end()
    },
  }
}
