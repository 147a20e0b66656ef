import { AsyncLocalStorage } from 'node:async_hooks'
import type { PGlite } from '@electric-sql/pglite'

interface Entry {
  generation: number
  value: unknown
}

/**
 * The embedded database's memory of "the same page again": the results of chosen reads, kept until
 * anything else touches the database. PGlite belongs to one process (the data folder is locked)
 * and every statement goes through its one client, so "anything else" is known exactly: every
 * other statement or transaction counts as a write, both when it starts and when it ends, and
 * makes every kept result stale. PostgreSQL has writers in other processes: no cache there.
 */
export class ReadCache {
  private generation = 0
  private readonly entries = new Map<string, Entry>()
  private readonly reading = new AsyncLocalStorage<true>()

  constructor(private readonly maxEntries = 10_000) {}

  /** Routes the client's statements through the cache's write count. */
  watch(client: PGlite): void {
    for (const method of ['query', 'exec', 'transaction', 'sql', 'execProtocol', 'execProtocolRaw'] as const) {
      const original = client[method].bind(client) as (...args: unknown[]) => Promise<unknown>
      const counted = async (...args: unknown[]) => {
        if (this.reading.getStore()) return original(...args)
        this.generation++
        try {
          return await original(...args)
        } finally {
          this.generation++
        }
      }
      Object.defineProperty(client, method, { value: counted, configurable: true, writable: true })
    }
  }

  /** The kept result for `key`, or `run`'s, kept if nothing wrote while it ran. Callers must not mutate it. */
  async read<T>(key: string, run: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(key)
    if (entry && entry.generation === this.generation) return entry.value as T
    const generation = this.generation
    const value = await this.reading.run(true, run)
    if (generation === this.generation) {
      this.entries.delete(key)
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
      this.entries.set(key, { generation, value: deepFreeze(value) }) // shared by every caller: a mutation throws
    }
    return value
  }

  get size(): number {
    return this.entries.size
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
