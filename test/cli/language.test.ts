import { describe, expect, it } from 'vitest'
import { chooseLanguage, takeLangFlag, type LanguageEnv } from '../../src/cli/language'
import { cliMessages } from '../../src/cli/messages'
import { UsageError } from '../../src/cli/output'

describe('the command line’s language', () => {
  it.each<[LanguageEnv, 'it' | 'en']>([
    [{}, 'it'],
    [{ PEC_LANG: 'en' }, 'en'],
    [{ PEC_LANG: 'it', LANG: 'en_US.UTF-8' }, 'it'], // PEC_LANG wins over the locale
    [{ PEC_LANG: 'EN' }, 'en'],
    [{ PEC_LANG: '', LANG: 'en_US.UTF-8' }, 'en'], // an empty variable counts as unset
    [{ LANG: 'en_US.UTF-8' }, 'en'],
    [{ LANG: 'en' }, 'en'],
    [{ LANG: 'it_IT.UTF-8' }, 'it'],
    [{ LANG: 'C' }, 'it'],
    [{ LANG: 'POSIX' }, 'it'],
    [{ LANG: 'C.UTF-8' }, 'it'],
    [{ LANG: 'de_DE.UTF-8' }, 'it'],
    [{ LC_ALL: 'C', LANG: 'en_US.UTF-8' }, 'it'], // LC_ALL, when set, decides alone
    [{ LC_ALL: 'en_GB.UTF-8', LANG: 'it_IT.UTF-8' }, 'en'],
    [{ LC_MESSAGES: 'en_GB.UTF-8', LANG: 'it_IT.UTF-8' }, 'en'], // then LC_MESSAGES
    [{ LC_ALL: '', LC_MESSAGES: 'it_IT.UTF-8', LANG: 'en_US.UTF-8' }, 'it'],
  ])('%o → %s', (env, lang) => {
    expect(chooseLanguage(env)).toBe(lang)
  })

  it('--lang wins over PEC_LANG and the locale', () => {
    expect(chooseLanguage({ PEC_LANG: 'it', LANG: 'it_IT.UTF-8' }, 'en')).toBe('en')
    expect(chooseLanguage({ PEC_LANG: 'en' }, 'it')).toBe('it')
  })

  it('refuses a PEC_LANG or --lang it does not know, saying so in both languages', () => {
    expect(() => chooseLanguage({ PEC_LANG: 'fr' })).toThrow(UsageError)
    expect(() => chooseLanguage({ PEC_LANG: 'en_US' })).toThrow('PEC_LANG deve essere "it" (italiano) o "en" (inglese), non "en_US" — PEC_LANG must be "it" (Italian) or "en" (English), got "en_US"')
    expect(() => chooseLanguage({ PEC_LANG: 'en' }, 'de')).toThrow(/^--lang deve essere .* --lang must be .*got "de"$/)
    expect(() => chooseLanguage({}, '')).toThrow(/--lang must be/)
  })

  it.each([
    [['--lang', 'en', 'outbox', 'list'], 'en', ['outbox', 'list']],
    [['outbox', 'list', '--json', '--lang=it'], 'it', ['outbox', 'list', '--json']],
    [['outbox', 'list'], undefined, ['outbox', 'list']],
    [['mailbox', 'show', '--', '--lang', 'en'], undefined, ['mailbox', 'show', '--', '--lang', 'en']], // after --: an argument
    [['outbox', 'list', '--lang'], '', ['outbox', 'list']],
  ])('takes --lang out of %j', (args, flag, rest) => {
    expect(takeLangFlag(args)).toEqual({ flag, args: rest })
  })
})

describe('the command line’s texts', () => {
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

  it('has every text in both languages, with the same placeholders', () => {
    expect(Object.keys(cliMessages.en).sort()).toEqual(Object.keys(cliMessages.it).sort())
    for (const [key, text] of Object.entries(cliMessages.it)) {
      const english = cliMessages.en[key as keyof typeof cliMessages.en]
      expect(text.trim(), key).not.toBe('')
      expect(english.trim(), key).not.toBe('')
      expect(placeholders(english), key).toEqual(placeholders(text))
    }
  })
})
