import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * Builds dist/ before the tests that start the real command as a process (bin/ runs dist/), so
 * they test the build of the sources under test, never one left from before a change.
 */
export default function buildCli() {
  execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url))], { stdio: 'inherit' })
}
