import { availableParallelism } from 'node:os'
import { configDefaults, defineConfig } from 'vitest/config'

/**
 * Files that drive Chromium or start the real command (or a bench, or Dovecot) as a process: they run one at a
 * time, after the others, so a browser or a child process never competes with a busy pool for the cores.
 */
const ONE_AT_A_TIME = [
  'test/e2e/**/*.test.ts',
  'test/bench/*.test.ts',
  'test/cli/processes.test.ts',
  'test/cli/serve-modes.test.ts',
  'test/lifecycle/killed-run.test.ts',
  'test/provisioning/dovecot.test.ts',
]

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          // Files side by side, one per core: each has its own databases (PGlite in its process's
          // memory, PostgreSQL databases named after the process: test/support/databases.ts). A
          // worker runs file after file without restarting: the modules and the emptied embedded
          // databases are loaded once per worker, not once per file (no test changes globals).
          name: 'main',
          isolate: false,
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...ONE_AT_A_TIME],
          globalSetup: ['test/support/global-setup.ts'],
          maxWorkers: Math.max(2, availableParallelism()),
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'processes',
          include: ONE_AT_A_TIME,
          globalSetup: ['test/support/global-setup.ts', 'test/support/build-cli.ts'],
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
