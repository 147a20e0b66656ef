/** A stream a command writes to: the process's own, or a test's in memory. */
export type OutputStream = NodeJS.WritableStream & { isTTY?: boolean }

/** How commands speak: JSON for machines (--json), short lines for people, progress on a terminal. */
export function printResult(stdout: OutputStream, json: boolean | undefined, value: unknown, human: () => string): void {
  stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`)
}

/** A progress line rewritten in place on a terminal; silent when stderr is not one (CI, pipes, tests). */
export function progressLine(stderr: OutputStream): { update(text: string): void; done(): void } {
  const tty = stderr.isTTY
  let last = 0
  let shown = false
  return {
    update(text) {
      const now = Date.now()
      if (!tty || now - last < 100) return
      last = now
      shown = true
      stderr.write(`\r\x1b[2K${text}`)
    },
    done() {
      if (shown) stderr.write('\r\x1b[2K')
    },
  }
}

/** Human lists show this many rows; --json gives all of them. */
export const MAX_LINES = 50

/** Words of one column padded to the longest, so the columns after them line up in either language. */
export function padColumn(words: string[]): string[] {
  const width = Math.max(0, ...words.map((w) => w.length))
  return words.map((w) => w.padEnd(width))
}

/** A refusal the operator can act on: printed without a stack, exit code 1. */
export class UsageError extends Error {}
