#!/usr/bin/env node
// Runs the command line built into dist/ (`npm ci` builds it through `prepare`; `npm run build`
// builds it again after a change to src/). No TypeScript at run time: tsx is for development and tests.
import { existsSync, readdirSync, statSync } from 'node:fs'
import module from 'node:module'

const main = new URL('../dist/main.js', import.meta.url)
if (!existsSync(main)) {
  process.stderr.write('pec-renewal: the command line is not built (dist/ is missing): run `npm run build` (npm ci runs it too)\n')
  process.exit(1)
}
const src = new URL('../src/', import.meta.url)
if (existsSync(src) && newestChange(src) > statSync(main).mtimeMs) {
  // A checkout where src/ changed after the build: say so rather than run yesterday's code.
  process.stderr.write('pec-renewal: src/ has changed since dist/ was built: run `npm run build` to run the changes\n')
}
module.enableCompileCache?.() // Node ≥ 22: the compiled code of dist/ and node_modules is kept between runs
await import(main.href)

/** The newest modification time of a file under `folder` (a few hundred stat calls: about a millisecond). */
function newestChange(folder) {
  let newest = 0
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs)
  }
  return newest
}
