import { DataFolderInUseError } from '../core/errors'
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql, type ExtractTablesWithRelations, type SQL } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core'
import type pg from 'pg'
import type { ReadCache } from './read-cache'

// Queries name their tables (each capability's schema.ts); the client needs no list of them, so
// db/ depends on no capability (db/schema.ts gathers every table for drizzle-kit and tests only).
export type Db = PgDatabase<PgQueryResultHKT>
/** An open transaction: lock helpers and state changes take this, never a bare Db. */
export type Tx = PgTransaction<PgQueryResultHKT, Record<string, never>, ExtractTablesWithRelations<Record<string, never>>>
export type Executor = Db | Tx

export interface Database {
  readonly kind: 'pglite' | 'postgres'
  readonly db: Db
  /** PostgreSQL only: the pool, for callers that need a dedicated connection. */
  readonly pool?: pg.Pool
  /**
   * Hears NOTIFY on `channel` (from any process on the same database) until the returned stop is
   * called. `onGap` says notices may have been missed (the connection dropped and came back).
   */
  listen(channel: string, onNotice: (payload: string) => void, onGap: () => void): Promise<() => Promise<void>>
  close(): Promise<void>
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url))

/**
 * node-postgres and its drizzle driver, loaded the first time a PostgreSQL database is opened: a
 * command on the embedded database does without them (they cost a command's start-up ~50 ms).
 */
const postgresDriver = memoize(async () => {
  const [{ default: driver }, { drizzle }, { migrate }] = await Promise.all([
    import('pg'),
    import('drizzle-orm/node-postgres'),
    import('drizzle-orm/node-postgres/migrator'),
  ])
  // Dates stay 'YYYY-MM-DD' strings and bigints numbers: never JS Date objects for calendar dates (R1).
  driver.types.setTypeParser(driver.types.builtins.DATE, (value) => value)
  driver.types.setTypeParser(driver.types.builtins.INT8, (value) => Number(value))
  return { pg: driver, drizzle, migrate }
})

/**
 * PGlite and its drizzle driver, loaded the first time an embedded database is opened: a command
 * on PostgreSQL does without them.
 */
const pgliteDriver = memoize(() => import('./pglite'))

function memoize<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined
  return () => (loaded ??= load())
}

/** Runs a raw statement and returns its rows; both drivers answer with `{ rows }`. */
export async function queryRows<T>(executor: Executor, query: SQL): Promise<T[]> {
  const result = (await executor.execute(query)) as unknown as { rows: T[] }
  return result.rows
}

const turns = new WeakMap<Executor, Promise<void>>()

/**
 * Sends `statement` on `executor` once every statement sent through here before it has answered,
 * whatever its fate. A connection runs one query at a time; node-postgres 8 queues a query issued
 * while another waits and warns that version 9 will throw instead. Code that issues a statement
 * before the last one has answered (the statement import pipelines its batches) goes through here:
 * the statements reach the server in the same order, as soon as the one before has answered.
 */
export function inTurn<T>(executor: Executor, statement: () => Promise<T>): Promise<T> {
  const previous = turns.get(executor) ?? Promise.resolve()
  const sent = previous.then(statement)
  turns.set(
    executor,
    sent.then(
      () => {},
      () => {},
    ),
  )
  return sent
}

/**
 * A query built once per database instead of once per call, for the pages every holder loads:
 * drizzle keeps its SQL, and PostgreSQL parses and plans it once per connection (a named
 * prepared statement). Values come as `sql.placeholder(name)`s, given to `execute`.
 */
export function preparedPerDatabase<Q>(build: (db: Executor) => Q): (db: Executor) => Q {
  const built = new WeakMap<Executor, Q>()
  return (db) => {
    let query = built.get(db)
    if (!query) built.set(db, (query = build(db)))
    return query
  }
}

const readCaches = new WeakMap<Executor, ReadCache>()

/** The embedded database's `db` reads through `cache` (db/pglite.ts: wrapPglite). */
export function attachReadCache(db: Db, cache: ReadCache): void {
  readCaches.set(db, cache)
}

/**
 * A read the embedded database may answer from its ReadCache (see there); on PostgreSQL, and
 * inside a transaction, it simply runs. `key` names the query and every value it depends on.
 */
export function cachedRead<T>(db: Executor, key: string, run: () => Promise<T>): Promise<T> {
  const cache = readCaches.get(db)
  return cache ? cache.read(key, run) : run()
}

/**
 * Turns PostgreSQL's JIT compilation off for the rest of the transaction. For a statement that
 * reaches a few rows through indexes but whose plan is estimated large (data-modifying CTEs over
 * a batch whose size the planner guesses), compiling it costs more than running it: ~100 ms per
 * statement, several hundred at millions of rows, where the statement itself takes milliseconds.
 */
export async function withoutJit(tx: Tx): Promise<void> {
  await tx.execute(sql`SET LOCAL jit = off`)
}

/**
 * Runs a few lookups an operator waits for (the search box) in one transaction planned for what
 * they are: statements of a few milliseconds through indexes. No JIT compilation and no parallel
 * workers, whatever the planner estimates: starting two workers costs more than the whole lookup
 * (tens of milliseconds, hundreds on a busy machine), and compiling costs ~100 ms.
 */
export function asQuickLookup<T>(db: Executor, run: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)`)
    return run(tx)
  })
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url)
}

export interface OpenOptions {
  /** Pool size for PostgreSQL. */
  maxConnections?: number
  /**
   * A process that runs a few statements and ends (most commands): the embedded database starts
   * with a small buffer cache, which it fills faster than the 128 MB a server keeps (tenths of a second).
   */
  brief?: boolean
}

/**
 * Opens the database named by `url`: a postgres:// URL, `memory://` for a throw-away embedded
 * database, or a folder for the embedded PGlite (one process per folder: a lock file says who).
 */
export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  if (isPostgresUrl(url)) {
    const { pg, drizzle } = await postgresDriver()
    const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10 })
    pool.on('error', () => {}) // an idle client dropped by the server must not crash the process
    await pool.query('select 1') // fail now, with the server's message, rather than at first use
    return {
      kind: 'postgres',
      db: drizzle(pool) as unknown as Db,
      pool,
      listen: (channel, onNotice, onGap) => listenPostgres(url, channel, onNotice, onGap),
      close: () => pool.end(),
    }
  }
  const { PGlite, wrapPglite } = await pgliteDriver()
  if (url === 'memory://') return wrapPglite(new PGlite({ relaxedDurability: true }))
  mkdirSync(url, { recursive: true })
  const releaseLock = lockDataFolder(url)
  try {
    const client = await PGlite.create(url, options.brief ? { startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'] } : {})
    return wrapPglite(client, releaseLock)
  } catch (error) {
    releaseLock()
    throw error
  }
}

const RELISTEN_MS = 1_000

/**
 * A connection of its own that LISTENs and comes back when it drops. Notices sent while it was
 * away are lost, so onGap is called when it drops and again once it listens anew.
 */
async function listenPostgres(url: string, channel: string, onNotice: (payload: string) => void, onGap: () => void) {
  const { pg } = await postgresDriver()
  let stopped = false
  let client: pg.Client | undefined
  let retry: NodeJS.Timeout | undefined
  const connect = async (): Promise<void> => {
    const attempt = new pg.Client({ connectionString: url })
    let lost = false
    const reconnectLater = () => {
      if (lost || stopped) return
      lost = true
      onGap()
      retry = setTimeout(() => connect().then(onGap, () => {}), RELISTEN_MS)
    }
    attempt.on('notification', (message) => message.channel === channel && onNotice(message.payload ?? ''))
    attempt.on('error', reconnectLater)
    attempt.on('end', reconnectLater)
    client = attempt
    try {
      await attempt.connect()
      await attempt.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
    } catch (error) {
      reconnectLater()
      throw error
    }
  }
  await connect().catch((error) => {
    stopped = true // the first connection is the caller's to retry
    clearTimeout(retry)
    throw error
  })
  return async () => {
    stopped = true
    clearTimeout(retry)
    await client?.end().catch(() => {})
  }
}

/**
 * Folders this process holds open. A lock file naming this process's own pid is otherwise taken as
 * left by a dead process whose pid came round again; the command line also runs inside other
 * processes (tests call runCli), where a second open of a held folder must be refused all the same.
 */
const foldersHeldHere = new Set<string>()

/** PGlite is single-process: a second process on the same folder would corrupt it. */
function lockDataFolder(folder: string): () => void {
  const lockPath = join(folder, 'pec-renewal.lock')
  const inUse = (owner: number) => new DataFolderInUseError(folder, owner)
  const held = resolve(folder)
  if (foldersHeldHere.has(held)) throw inUse(process.pid)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      foldersHeldHere.add(held)
      return () => {
        foldersHeldHere.delete(held)
        rmSync(lockPath, { force: true })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = Number(readFileSync(lockPath, 'utf8'))
      if (owner && owner !== process.pid && isAlive(owner)) throw inUse(owner)
      rmSync(lockPath, { force: true }) // left by a process that died
    }
  }
  throw new Error(`could not lock ${lockPath}`)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const MIGRATION_LOCK = 7_201_001 // advisory lock key: one migrator at a time on a shared server

/** Applies the SQL migrations; the same files on PGlite and PostgreSQL. */
export async function migrateDatabase(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    const { migratePglite } = await pgliteDriver()
    await migratePglite(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER })
    return
  }
  const { drizzle, migrate } = await postgresDriver()
  const client = await database.pool!.connect()
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK])
    await migrate(drizzle(client) as never, { migrationsFolder: MIGRATIONS_FOLDER })
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {})
    client.release()
  }
}

export { sql }
