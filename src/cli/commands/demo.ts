import { existsSync } from 'node:fs'
import type { MailboxStatus } from '../../accounts/schema'
import { withServices, type CommandGroup } from '../context'
import { padColumn, UsageError } from '../output'

/** `demo`: the sample convention, holders and operator, in a folder marked as a demo (R10). */
export const demoCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  program
    .command('demo')
    .description(t('demo.description'))
    .option('--reset', t('demo.resetOption'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const [{ demoMarkerPath, markDemoFolder }, { holdsMailboxesOutside }, { DEMO_DOMAIN, demoActivity, loadDemo, resetDemo }, { FNOMCEO_DEMO }] = await Promise.all([
        import('../../config'),
        import('../../accounts/queries'),
        import('../../demo/load-demo'),
        import('../../catalog/queries'),
      ])
      // Running this command is the explicit choice of demo mode (R10): loadConfig refuses it beside PostgreSQL, https or real keys.
      await withServices(
        cli,
        async ({ deps, config }) => {
          const demoFolder = existsSync(demoMarkerPath(config.databaseUrl) ?? '')
          if (!demoFolder && (await holdsMailboxesOutside(deps.db, DEMO_DOMAIN))) {
            throw new UsageError(t('demo.notEmpty', { path: config.databaseUrl }))
          }
          // A demo that was used (orders, payments, lifecycle runs…) is not loaded over: only --reset starts it again, whole.
          // --reset empties only a folder already marked as the demo's: never a database the demo did not make.
          const reset = !!opts.reset && demoFolder
          const activity = reset ? undefined : await demoActivity(deps.db)
          if (activity) {
            cli.exitCode = 4 // a refusal by the state of things, as the other commands' 409s
            if (opts.json) cli.print(true, { refused: 'demo_in_use', activity, mode: 'demo' }, () => '')
            else cli.io.stderr.write(`${t('error.prefix')}: ${t('demo.inUse', { ...activity, path: config.databaseUrl })}\n`)
            return
          }
          if (config.mode !== 'demo') throw new Error('the demo runs only in demo mode') // loadConfig made it so: a guard, not a path
          markDemoFolder(config.databaseUrl)
          const demo = reset ? await resetDemo(deps, cli.actor) : await loadDemo(deps, cli.actor)
          cli.print(opts.json, { ...demo, mode: 'demo', reset }, () => {
            const oneYear = FNOMCEO_DEMO.prices.find((p) => p.years === 1)!
            const expiries = padColumn(demo.credentials.map((c) => cli.day(c.expiresOn)))
            const statuses = padColumn(demo.credentials.map((c) => t(`status.${c.status as MailboxStatus}`)))
            return [
              t('demo.loaded', { date: cli.day(demo.today), price: cli.euro(oneYear.netCents) }),
              t('demo.signIn', { accountPassword: demo.accountPassword, mailboxPassword: demo.mailboxPassword }),
              ...demo.credentials.map((c, i) =>
                t('demo.mailbox', { accountId: c.accountId, mailbox: c.mailbox.padEnd(38), expiresOn: expiries[i], status: statuses[i], story: c.story[cli.lang] }),
              ),
              t('demo.operator', { username: demo.operator.username, password: demo.operator.password }),
              t('demo.mode', { path: config.databaseUrl }),
            ].join('\n')
          })
        },
        { env: { ...cli.env, PEC_MODE: 'demo' } },
      )
    })
}
