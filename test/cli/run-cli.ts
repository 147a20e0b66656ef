import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BANK_ENV, TEST_SESSION_SECRET } from '../support/config'
import { postgresOnly } from '../support/databases'

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

/** Runs the real command in a child process, as an operator would; `input` is piped to its stdin. */
export function startCli(args: string[], env: CliEnv, input?: string): { child: ChildProcess; done: Promise<CliResult> } {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env }
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete merged[name]
  const child = spawn(process.execPath, [CLI, ...args], { env: merged, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
  if (input !== undefined) child.stdin!.end(input)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk) => (stdout += chunk))
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
  return { child, done }
}

export function runCli(args: string[], env: CliEnv, input?: string): Promise<CliResult> {
  return startCli(args, env, input).done
}

/** A database the command can open from another process: its DATABASE_URL, and how to drop it. */
export interface CliDatabase {
  env: { DATABASE_URL: string } & Record<string, string>
  close(): Promise<void>
}

/** Both databases, as the command sees them: an embedded one in a temporary folder, and PostgreSQL when reachable. */
export function cliDatabases(): Array<['pglite' | 'postgres', () => Promise<CliDatabase>]> {
  const embedded = async (): Promise<CliDatabase> => {
    const folder = mkdtempSync(join(tmpdir(), 'pec-renewal-cli-'))
    return { env: { DATABASE_URL: join(folder, 'data') }, close: async () => rmSync(folder, { recursive: true, force: true }) }
  }
  const servers = postgresOnly().map(([name, open]): ['postgres', () => Promise<CliDatabase>] => [
    name,
    async () => {
      const database = await open()
      // A PostgreSQL installation is production (R10): its secret is required, its bank details configured.
      return { env: { DATABASE_URL: database.url!, SESSION_SECRET: TEST_SESSION_SECRET, ...BANK_ENV }, close: () => database.close() }
    },
  ])
  return [['pglite', embedded], ...servers]
}
