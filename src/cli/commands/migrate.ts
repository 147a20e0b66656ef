import { withDeps, type CommandGroup } from '../context'

/** `migrate`: apply the SQL migrations (every other command does it too when the database is behind). */
export const migrateCommands: CommandGroup = (program, cli) => {
  program
    .command('migrate')
    .description(cli.t('migrate.description'))
    .action(() =>
      withDeps(cli, async () => {
        cli.io.stdout.write(`${cli.t('migrate.done')}\n`)
      }),
    )
}
