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
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const [{ demoMarkerPath, markDemoFolder }, { holdsMailboxesOutside }, { DEMO_DOMAIN, loadDemo }, { FNOMCEO_DEMO }] = await Promise.all([
        import('../../config'),
        import('../../accounts/queries'),
        import('../../demo/load-demo'),
        import('../../catalog/queries'),
      ])
      // Running this command is the explicit choice of demo mode (R10): loadConfig refuses it beside PostgreSQL, https or real keys.
      await withServices(
        cli,
        async ({ deps, config }) => {
          if (!existsSync(demoMarkerPath(config.databaseUrl) ?? '') && (await holdsMailboxesOutside(deps.db, DEMO_DOMAIN))) {
            throw new UsageError(t('demo.notEmpty', { path: config.databaseUrl }))
          }
          markDemoFolder(config.databaseUrl)
          const demo = await loadDemo(deps, cli.actor)
          cli.print(opts.json, { ...demo, mode: 'demo' }, () => {
            const oneYear = FNOMCEO_DEMO.prices.find((p) => p.years === 1)!
            const expiries = padColumn(demo.credentials.map((c) => cli.day(c.expiresOn)))
            const statuses = padColumn(demo.credentials.map((c) => t(`status.${c.status as MailboxStatus}`)))
            return [
              t('demo.loaded', { date: cli.day(demo.today), price: cli.euro(oneYear.netCents) }),
              t('demo.signIn', { accountPassword: demo.accountPassword, mailboxPassword: demo.mailboxPassword }),
              ...demo.credentials.map((c, i) =>
                t('demo.mailbox', { accountId: c.accountId, mailbox: c.mailbox.padEnd(38), expiresOn: expiries[i], status: statuses[i], story: c.story }),
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
