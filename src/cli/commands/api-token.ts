import type { ApiTokenListing } from '../../api-tokens/manage-tokens'
import { withDeps, type Cli, type CommandGroup } from '../context'

/** `api-token create | list | revoke`: the REST API's tokens (issue 15), each change audited (R9). */
export const apiTokenCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  const group = program.command('api-token').description(t('apiToken.description'))
  group
    .command('create')
    .description(t('apiTokenCreate.description'))
    .requiredOption('--name <name>', t('apiTokenCreate.name'))
    .requiredOption('--scope <scopes>', t('apiTokenCreate.scope'))
    .option('--convention <code>', t('apiTokenCreate.convention'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const { createApiToken } = await import('../../api-tokens/manage-tokens')
      await withDeps(cli, async (deps) => {
        const created = await createApiToken(deps, { name: opts.name, scopes: String(opts.scope).split(','), conventionCode: opts.convention ?? null, actor: cli.actor })
        cli.print(opts.json, created, () =>
          t('apiTokenCreate.done', {
            name: created.name,
            scopes: created.scopes.join(','),
            convention: created.conventionCode ? t('apiTokenCreate.conventionOnly', { code: created.conventionCode }) : '',
            token: created.token,
          }),
        )
      })
    })
  group
    .command('list')
    .description(t('apiTokenList.description'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const { listApiTokens } = await import('../../api-tokens/manage-tokens')
      await withDeps(cli, async (deps) => {
        const rows = await listApiTokens(deps)
        cli.print(opts.json, rows, () => (rows.length ? rows.map((row) => describeToken(cli, row)).join('\n') : t('apiTokenList.none')))
      })
    })
  group
    .command('revoke <token>')
    .description(t('apiTokenRevoke.description'))
    .option('--json', t('option.json'))
    .action(async (token: string, opts) => {
      const { revokeApiToken } = await import('../../api-tokens/manage-tokens')
      await withDeps(cli, async (deps) => {
        const revoked = await revokeApiToken(deps, { token, actor: cli.actor })
        cli.print(opts.json, revoked, () => t('apiTokenRevoke.done', { name: revoked.name, prefix: revoked.prefix }))
      })
    })
}

function describeToken(cli: Cli, row: ApiTokenListing): string {
  const { t } = cli
  return t('apiTokenList.line', {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes.join(','),
    convention: row.conventionCode ? t('apiTokenCreate.conventionOnly', { code: row.conventionCode }) : '',
    state: row.revokedAt
      ? t('apiTokenList.revoked', { at: cli.instant(row.revokedAt) })
      : t('apiTokenList.active', { lastUsed: row.lastUsedAt ? cli.instant(row.lastUsedAt) : t('apiTokenList.never') }),
  })
}
