import { setFlagsFromString } from 'node:v8'
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
  briefRun() {
    // A brief command on the embedded database spends most of its start on PGlite's WebAssembly,
    // and V8 meanwhile tiers its hot functions up to the optimising compiler (half a second of CPU
    // and 500 MB on Node 24) for a process about to end: its baseline compiler alone halves the
    // start. Set after start-up, a flag's implications are not applied, hence all three. Long runs
    // (serve, worker, the bulk commands) never ask for this and keep the optimising compiler.
    setFlagsFromString('--liftoff-only --no-wasm-tier-up --no-wasm-dynamic-tiering')
  },
})
process.exitCode = code
