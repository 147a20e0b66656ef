/** UI languages: Italian first, English available (DESIGN §1). */
export const LANGUAGES = ['it', 'en'] as const
export type Lang = (typeof LANGUAGES)[number]

export function isLang(value: unknown): value is Lang {
  return value === 'it' || value === 'en'
}

/** A catalogue of UI texts: one object per language with the same keys. */
export type Catalogue<K extends string> = Record<Lang, Record<K, string>>

export type Translate = (key: string, params?: Record<string, string | number>) => string

/** Builds the `t` function templates call: `t('signin.title')`, `{name}` placeholders filled in. */
export function translator(catalogue: Record<Lang, Record<string, string>>, lang: Lang): Translate {
  const texts = catalogue[lang]
  return (key, params) => {
    const text = texts[key] ?? catalogue.it[key]
    if (text === undefined) throw new Error(`missing UI text "${key}"`) // caught by the tests, never shown
    return params ? text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`)) : text
  }
}
