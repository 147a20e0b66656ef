/**
 * The embedded database's driver: PGlite and drizzle's PGlite session, in a module of their own so
 * that a process on PostgreSQL never loads them (client.ts imports this on the first embedded open).
 */
import { PGlite } from '@electric-sql/pglite'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { attachReadCache, type Database, type Db } from './client'
import { ReadCache, throughCache } from './read-cache'

export { PGlite }
export { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'

export function wrapPglite(client: PGlite, onClose: () => void = () => {}): Database {
  const cache = new ReadCache()
  // drizzle reaches the client only through the cache's count (its `client.exec` and the like are not used)
  const db = drizzlePglite(throughCache(client, cache) as PGlite) as unknown as Db
  attachReadCache(db, cache)
  return {
    kind: 'pglite',
    db,
    // one process, one connection: nothing is ever missed, so no gap
    listen: async (channel, onNotice) => {
      const stop = await client.listen(channel, onNotice)
      return async () => stop()
    },
    close: async () => {
      await client.close()
      onClose()
    },
  }
}
