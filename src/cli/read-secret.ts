import { UsageError, type OutputStream } from './output'

const MAX_PIPED_BYTES = 64 * 1024

/** A stream a secret is read from: the process's stdin (a terminal or a pipe), or a test's. */
export type InputStream = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown }

/** Ctrl-C or Ctrl-D at the prompt; run-cli.ts words it in the operator's language. */
export class SecretCancelled extends UsageError {}

/**
 * A secret typed at a terminal (nothing is echoed) or piped on stdin (its first line), so it never
 * appears in the shell history or the process list as an argument would. The prompt goes to stderr.
 */
export async function readSecret(prompt: string, stdin: InputStream, stderr: OutputStream): Promise<string> {
  return stdin.isTTY && stdin.setRawMode ? readFromTerminal(prompt, stdin, stderr) : readFirstLine(stdin)
}

async function readFirstLine(stream: NodeJS.ReadableStream): Promise<string> {
  let text = ''
  for await (const chunk of stream) {
    text += chunk.toString()
    if (text.includes('\n') || text.length > MAX_PIPED_BYTES) break
  }
  return text.split(/\r?\n/)[0]
}

function readFromTerminal(prompt: string, stdin: InputStream, stderr: OutputStream): Promise<string> {
  stderr.write(prompt)
  stdin.setRawMode!(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  return new Promise((resolve, reject) => {
    let value = ''
    const finish = (outcome: () => void) => {
      stdin.off('data', onData)
      stdin.setRawMode!(false)
      stdin.pause()
      stderr.write('\n')
      outcome()
    }
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish(() => resolve(value))
        if (char === '\u0003' || char === '\u0004') return finish(() => reject(new SecretCancelled('cancelled')))
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('')
        else if (char >= ' ') value += char
      }
    }
    stdin.on('data', onData)
  })
}
