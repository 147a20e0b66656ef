/** How commands speak: JSON for machines (--json), short lines for people, progress on a terminal. */
export function printResult(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`)
}

/** A progress line rewritten in place on a terminal; silent when stderr is not one (CI, pipes). */
export function progressLine(): { update(text: string): void; done(): void } {
  const tty = process.stderr.isTTY
  let last = 0
  let shown = false
  return {
    update(text) {
      const now = Date.now()
      if (!tty || now - last < 100) return
      last = now
      shown = true
      process.stderr.write(`\r\x1b[2K${text}`)
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[2K')
    },
  }
}

/** A refusal the operator can act on: printed without a stack, exit code 1. */
export class UsageError extends Error {}
