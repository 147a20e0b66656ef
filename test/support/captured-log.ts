import type { LogLevel } from '../../src/config'
import { createLogger } from '../../src/logging'

/** The process's logger writing into memory: each JSON line as written, and parsed. */
export function capturedLog(level: LogLevel = 'info') {
  const lines: string[] = []
  const logger = createLogger(level, { write: (line: string) => void lines.push(line) })
  return {
    logger,
    /** Everything written, as one text: what a secret must never appear in. */
    text: () => lines.join(''),
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, any>),
  }
}
