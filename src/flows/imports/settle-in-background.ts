import type { Deps } from '../../deps'
import { unsettledImports } from '../../payments/imports/queries'
import { settleImport } from './settle-import'

/** Imports settling in this process, after the request that stored them has answered. */
export interface ImportSettlements {
  /** Settles the import here, unless this process is settling it already. */
  start(importId: number): void
  /** Starts every import that still has entries to settle: a process stopped half-way through one. */
  resume(): Promise<void>
  /** Resolves when this process settles nothing (tests). */
  settled(): Promise<void>
  /** Stops each import after its batch under way (shutdown): another run resumes it. */
  stop(): Promise<void>
}

/**
 * Issue 10: the back office stores an uploaded file and answers at once; the file settles here, in
 * the background, batch by batch, while its page shows the progress. Should this process stop,
 * any node's jobs resume the import (resume), and a batch is never settled twice (settleImport).
 */
export function importSettlements(deps: Deps, onError: (message: string, detail?: unknown) => void): ImportSettlements {
  const running = new Map<number, Promise<void>>()
  const stopping = new AbortController()
  const start = (importId: number) => {
    if (running.has(importId) || stopping.signal.aborted) return
    const run = settleImport(deps, importId, { signal: stopping.signal })
      .then(() => undefined, (error: unknown) => onError(`settling import ${importId} failed`, error))
      .finally(() => running.delete(importId))
    running.set(importId, run)
  }
  return {
    start,
    async resume() {
      for (const importId of await unsettledImports(deps.db)) start(importId)
    },
    async settled() {
      while (running.size) await Promise.all(running.values())
    },
    async stop() {
      stopping.abort()
      await this.settled()
    },
  }
}
