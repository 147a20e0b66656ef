// Builds the command line into dist/: src/cli/main.ts and what it imports, bundled by esbuild,
// with the npm packages left as imports (node_modules is there at run time), but drizzle-orm:
// its hundreds of small modules, each resolved against a 180 kB package.json, cost Node 24 half a
// second at every start; bundled, they are one chunk. `npm ci` runs this through `prepare`;
// `npm run build` after changing src/. tsc only type-checks (`npm run typecheck`).
//
// Each command group imports what it runs (fastify, pdfkit, stripe, PGlite…) only when it runs:
// those dynamic imports become chunks beside main.js, loaded on demand, so `--help` starts fast.
//
// The sources find their files (views, static assets, migrations) with `new URL('./x',
// import.meta.url)`. In a bundle import.meta.url would be dist's, so each file's own is rewritten
// to its source's URL, relative to the bundle: the files stay where they are in src/, one copy.
import { readFileSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outdir = join(root, 'dist')
const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const BUNDLED = ['drizzle-orm'] // pure ECMAScript modules, no files of their own to find at run time
const external = Object.keys(dependencies)
  .filter((name) => !BUNDLED.includes(name))
  .flatMap((name) => [name, `${name}/*`])

/** `import.meta.url` in a source file → the URL of that source file, found from the bundle's own. */
const sourceUrls = {
  name: 'source-urls',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async ({ path }) => {
      const text = await readFile(path, 'utf8')
      if (!text.includes('import.meta.url')) return undefined
      const fromBundle = relative(outdir, path).split('\\').join('/') // main.js and its chunks all sit in dist/
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`), loader: 'ts' }
    })
  },
}

await rm(outdir, { recursive: true, force: true })
await build({
  entryPoints: { main: join(root, 'src/cli/main.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  chunkNames: '[name]-[hash]', // beside main.js: the rewritten source URLs count from dist/
  plugins: [sourceUrls],
  logLevel: 'warning',
})
