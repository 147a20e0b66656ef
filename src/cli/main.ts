import { runCli } from './run-cli'

// The process's edge, and the only file of the command line that touches the process: its
// arguments, variables and streams go in, the exit code comes out. bin/pec-renewal.js runs the
// build of this file (dist/), tests call runCli in their own process.
const code = await runCli(process.argv.slice(2), process.env, {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  stopSignal() {
    const stop = new AbortController()
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort())
    return stop.signal
  },
})
process.exitCode = code
