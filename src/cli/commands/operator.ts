import { Option } from 'commander'
import { DomainError } from '../../core/errors'
import { needsSecondFactor, OPERATOR_ROLES } from '../../operators/roles'
import type { OperatorListing } from '../../operators/list-operators'
import { withDeps, type Cli, type CommandGroup } from '../context'
import { UsageError } from '../output'
import { readSecret } from '../read-secret'

/** `operator add | list | role | disable | enable | unlock | password`: the back office's operators, each change audited (R9). */
export const operatorCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  const operator = program.command('operator').description(t('operator.description'))
  operator
    .command('add <username>')
    .description(t('operatorAdd.description'))
    .option('--name <name>', t('operatorAdd.name'))
    .addOption(new Option('--role <role>', t('operatorAdd.role')).choices(OPERATOR_ROLES).default('support'))
    .option('--json', t('option.json'))
    .action(async (username: string, opts) => {
      const { addOperator, operatorUsername } = await import('../../operators/add-operator')
      await withDeps(cli, async (deps, config) => {
        operatorUsername(username) // a bad username is refused before the password is asked for
        const password = await operatorPassword(cli)
        const added = await addOperator(deps, { username, displayName: opts.name, password, role: opts.role, actor: cli.actor })
        const signInUrl = `${config.publicUrl}/ufficio/accedi`
        cli.print(opts.json, { ...added, signInUrl }, () =>
          [
            t('operatorAdd.done', { username: added.username, displayName: added.displayName, role: added.role, signInUrl }),
            ...(needsSecondFactor(added.role) ? [t('operatorAdd.secondFactor')] : []),
          ].join('\n'),
        )
      })
    })
  operator
    .command('list')
    .description(t('operatorList.description'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const { listOperators } = await import('../../operators/list-operators')
      await withDeps(cli, async (deps) => {
        const rows = await listOperators(deps)
        cli.print(opts.json, rows, () => (rows.length ? rows.map((o) => describeOperator(cli, o)).join('\n') : t('operatorList.none')))
      })
    })
  operator
    .command('role <username> <role>')
    .description(t('operatorRole.description'))
    .option('--json', t('option.json'))
    .action(async (username: string, role: string, opts) => {
      const { setOperatorRole } = await import('../../operators/set-operator-role')
      await withDeps(cli, async (deps) => {
        const result = await setOperatorRole(deps, { username, role, actor: cli.actor })
        cli.print(opts.json, result, () =>
          result.kind === 'role_set'
            ? t('operatorRole.done', { username: result.username, role: result.role, previous: result.previousRole })
            : t('operatorRole.unchanged', { username: result.username, role: result.role }),
        )
      })
    })
  operator
    .command('disable <username>')
    .description(t('operatorDisable.description'))
    .option('--json', t('option.json'))
    .action(async (username: string, opts) => {
      const { disableOperator } = await import('../../operators/disable-operator')
      await withDeps(cli, async (deps) => {
        const result = await disableOperator(deps, { username, actor: cli.actor })
        cli.print(opts.json, result, () =>
          result.kind === 'disabled'
            ? t('operatorDisable.done', { username: result.username, sessions: result.sessionsClosed })
            : t('operatorDisable.already', { username: result.username, since: cli.instant(result.disabledAt) }),
        )
      })
    })
  operator
    .command('enable <username>')
    .description(t('operatorEnable.description'))
    .option('--json', t('option.json'))
    .action(async (username: string, opts) => {
      const { enableOperator } = await import('../../operators/enable-operator')
      await withDeps(cli, async (deps) => {
        const result = await enableOperator(deps, { username, actor: cli.actor })
        const key = result.kind === 'enabled' ? 'operatorEnable.done' : result.unlocked ? 'operatorEnable.unlocked' : 'operatorEnable.already'
        cli.print(opts.json, result, () => t(key, { username: result.username }))
      })
    })
  operator
    .command('unlock <username>')
    .description(t('operatorUnlock.description'))
    .option('--json', t('option.json'))
    .action(async (username: string, opts) => {
      const { unlockOperator } = await import('../../operators/unlock-operator')
      await withDeps(cli, async (deps) => {
        const result = await unlockOperator(deps, { username, actor: cli.actor })
        cli.print(opts.json, result, () =>
          result.kind === 'nothing_to_unlock'
            ? t('operatorUnlock.nothing', { username: result.username })
            : t(result.blocked ? 'operatorUnlock.blocked' : 'operatorUnlock.slowed', { username: result.username, failures: result.failures }),
        )
      })
    })
  operator
    .command('password <username>')
    .description(t('operatorPassword.description'))
    .option('--json', t('option.json'))
    .action(async (username: string, opts) => {
      const [{ findOperator }, { setOperatorPassword }] = await Promise.all([import('../../operators/queries'), import('../../operators/set-operator-password')])
      await withDeps(cli, async (deps) => {
        await findOperator(deps.db, username) // an unknown username is refused before the password is asked for
        const password = await operatorPassword(cli)
        const result = await setOperatorPassword(deps, { username, password, actor: cli.actor })
        cli.print(opts.json, result, () =>
          [
            t('operatorPassword.done', { username: result.username, sessions: result.sessionsClosed }),
            ...(result.disabled ? [t('operatorPassword.stillDisabled', { username: result.username })] : []),
          ].join('; '),
        )
      })
    })
}

/** One line of `operator list`. */
function describeOperator({ t, instant }: Cli, o: OperatorListing): string {
  const state = o.disabledAt ? t('operatorList.disabledSince', { since: instant(o.disabledAt) }) : t('operatorList.active')
  const lastSignIn = o.lastSignedInAt ? t('operatorList.lastSignIn', { at: instant(o.lastSignedInAt) }) : t('operatorList.neverSignedIn')
  return `${o.username.padEnd(20)} ${o.displayName.padEnd(24)} ${o.role.padEnd(10)} ${state}  ${t('operatorList.sessions', { sessions: o.activeSessions })}  ${lastSignIn}`
}

/** An operator's new password: from the environment (scripts), else stdin; never an argument, never echoed. */
async function operatorPassword(cli: Cli): Promise<string> {
  const { t, io } = cli
  const fromEnv = cli.env.PEC_OPERATOR_PASSWORD
  const password = fromEnv ?? (await readSecret(t('password.prompt'), io.stdin, io.stderr))
  if (!password) throw new UsageError(t('password.missing'))
  const problem = await passwordProblem(cli, password)
  if (problem) throw problem
  if (fromEnv === undefined && io.stdin.isTTY && (await readSecret(t('password.repeatPrompt'), io.stdin, io.stderr)) !== password) {
    throw new UsageError(t('password.differ'))
  }
  return password
}

/** Why a password cannot be an operator's, with the detail in the operator's language; or null. */
async function passwordProblem({ t }: Cli, password: string): Promise<DomainError | null> {
  const { MAX_PASSWORD_LENGTH, MIN_OPERATOR_PASSWORD_LENGTH, operatorPasswordProblem } = await import('../../operators/add-operator')
  const problem = operatorPasswordProblem(password)
  if (problem?.code === 'password_too_short') {
    return new DomainError(problem.code, t('password.tooShort', { min: MIN_OPERATOR_PASSWORD_LENGTH, length: [...password].length }))
  }
  if (problem?.code === 'password_too_long') return new DomainError(problem.code, t('password.tooLong', { max: MAX_PASSWORD_LENGTH }))
  return problem
}
