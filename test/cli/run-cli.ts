import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { runCli as runCommand } from '../../src/cli/run-cli'
import { BANK_ENV, TEST_SESSION_SECRET, TEST_OFFICE_TOTP_KEY } from '../support/config'
import { migratedFolder, postgresOnly } from '../support/databases'

export { migratedFolder }

/** The installed command, as an operator runs it: bin/ runs the build in dist/ (test/support/build-cli.ts makes it fresh). */
export const CLI = fileURLToPath(new URL('../../bin/pec-renewal.js', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Variables for the command, over this process's own; `undefined` removes one (e.g. LANG). */
export type CliEnv = Record<string, string | undefined>

/** The command's language left to its default: no PEC_LANG and no locale, whatever the machine running the tests has. */
export const NO_LANGUAGE: CliEnv = { PEC_LANG: undefined, LC_ALL: undefined, LC_MESSAGES: undefined, LANG: undefined }

function commandEnv(env: CliEnv): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env }
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete merged[name]
  return merged
}

/** A stream that keeps what is written to it, as a pipe to a terminal-less reader would. */
function collector(): { stream: Writable; text(): string } {
  let text = ''
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString()
      done()
    },
  })
  return { stream, text: () => text }
}

/**
 * Runs the command in this process (runCli, as bin/ does with the process's own streams): the
 * same arguments, variables, stdin and exit code as a child process, without a Node start-up per
 * command. `input` is its stdin (a pipe); without it stdin is empty, as /dev/null would be.
 */
export function runCli(args: string[], env: CliEnv, input?: string): Promise<CliResult> {
  return runInProcess(args, env, input, AbortSignal.abort()) // serve and worker stop as soon as they have started
}

/** A long-running command (serve, worker) in this process: `stop()` fires its stop signal and waits for its end. */
export function startInProcess(args: string[], env: CliEnv): { stop(): Promise<CliResult> } {
  const stop = new AbortController()
  const done = runInProcess(args, env, undefined, stop.signal)
  return {
    stop() {
      stop.abort()
      return done
    },
  }
}

async function runInProcess(args: string[], env: CliEnv, input: string | undefined, stop: AbortSignal): Promise<CliResult> {
  const stdout = collector()
  const stderr = collector()
  const code = await runCommand(args, commandEnv(env), {
    stdin: Readable.from(input === undefined ? [] : [input]),
    stdout: stdout.stream,
    stderr: stderr.stream,
    stopSignal: () => stop,
  })
  return { code, stdout: stdout.text(), stderr: stderr.text() }
}

/** Runs the real command in a child process, as an operator would; `input` is piped to its stdin. */
export function startCli(args: string[], env: CliEnv, input?: string): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: commandEnv(env), stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
  if (input !== undefined) child.stdin!.end(input)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk) => (stdout += chunk))
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
  return { child, done }
}

/** The real command in a child process, to its end: for what only a process shows (start-up, signals, another process's lock). */
export function spawnCli(args: string[], env: CliEnv, input?: string): Promise<CliResult> {
  return startCli(args, env, input).done
}

/**
 * A database the command can open from another process: its DATABASE_URL, and how to drop it. On
 * PostgreSQL, which is never the demo (R10), also what a production installation sets: its
 * SESSION_SECRET and its bank details (so bonifico and bollettino are offered).
 */
export interface CliDatabase {
  env: CliEnv & { DATABASE_URL: string }
  close(): Promise<void>
}

/** Both databases, as the command sees them: an embedded one in a temporary folder, and PostgreSQL when reachable. */
export function cliDatabases(): Array<['pglite' | 'postgres', () => Promise<CliDatabase>]> {
  const embedded = async (): Promise<CliDatabase> => {
    const folder = migratedFolder('pec-renewal-cli-')
    return { env: { DATABASE_URL: join(folder, 'data') }, close: async () => rmSync(folder, { recursive: true, force: true }) }
  }
  const servers = postgresOnly().map(([name, open]): ['postgres', () => Promise<CliDatabase>] => [
    name,
    async () => {
      const database = await open()
      return { env: { DATABASE_URL: database.url!, SESSION_SECRET: TEST_SESSION_SECRET, OFFICE_TOTP_KEY: TEST_OFFICE_TOTP_KEY, ...BANK_ENV }, close: () => database.close() }
    },
  ])
  return [['pglite', embedded], ...servers]
}
