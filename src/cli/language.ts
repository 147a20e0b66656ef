import { isLang, type Lang } from '../web/i18n'
import { UsageError } from './output'

/** The variables the language is read from (the process environment, or a test's). */
export type LanguageEnv = Partial<Record<'PEC_LANG' | 'LC_ALL' | 'LC_MESSAGES' | 'LANG', string>>

/**
 * The command line's language, decided once at start-up: `--lang`, else PEC_LANG, else the POSIX
 * locale (LC_ALL, LC_MESSAGES, LANG: the first one set decides). Italian unless that says English:
 * unset, C, POSIX, C.UTF-8 or any other language all mean Italian. An empty variable counts as unset.
 */
export function chooseLanguage(env: LanguageEnv, flag?: string): Lang {
  if (flag !== undefined) return requireLang(flag, '--lang')
  if (env.PEC_LANG) return requireLang(env.PEC_LANG, 'PEC_LANG')
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || ''
  return locale.startsWith('en') ? 'en' : 'it'
}

function requireLang(value: string, source: string): Lang {
  const lang = value.trim().toLowerCase()
  if (isLang(lang)) return lang
  // The language is what we could not decide, so the refusal speaks both.
  throw new UsageError(`${source} deve essere "it" (italiano) o "en" (inglese), non "${value}" — ${source} must be "it" (Italian) or "en" (English), got "${value}"`)
}

/**
 * Takes `--lang X` or `--lang=X` out of the arguments wherever it stands (before `--`), so every
 * command accepts it without declaring it. `flag` is '' when --lang has no value.
 */
export function takeLangFlag(args: string[]): { flag?: string; args: string[] } {
  const rest: string[] = []
  let flag: string | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === '--') {
      rest.push(...args.slice(i))
      break
    }
    if (arg === '--lang') flag = args[++i] ?? ''
    else if (arg.startsWith('--lang=')) flag = arg.slice('--lang='.length)
    else rest.push(arg)
  }
  return { flag, args: rest }
}
