import { formatDate, type CalendarDate } from './calendar'

/**
 * How a date sits in a sentence. Italian joins the article to the preposition and elides it
 * before a day read with a vowel: "l'8", "l'11" (otto, undici), "dall'11", "entro l'8"; the first
 * of the month is written "1º" and read "primo", so it keeps "il": "il 1º dicembre", "dal 1º".
 * English needs only the preposition.
 *
 *   the    scade l'11 dicembre 2026       expires 11 December 2026 (a bare date, for "è …")
 *   on     scade l'11 dicembre 2026       expires on 11 December 2026
 *   until  rinnovata fino all'11 …        renewed until 11 …
 *   by     paga entro l'8 …               pay by 8 …
 *   from   decorre dall'11 …              runs from 11 …
 *   since  disattivata dall'11 …          deactivated since 11 …
 *   of     la scadenza dell'11 …          the expiry date of 11 …
 *   to     la scadenza passa all'11 …     the expiry date moves to 11 …
 */
export type DateRole = 'the' | 'on' | 'until' | 'by' | 'from' | 'since' | 'of' | 'to'

const ITALIAN: Record<DateRole, { plain: string; elided: string }> = {
  the: { plain: 'il ', elided: 'l’' },
  on: { plain: 'il ', elided: 'l’' },
  until: { plain: 'fino al ', elided: 'fino all’' },
  by: { plain: 'entro il ', elided: 'entro l’' },
  from: { plain: 'dal ', elided: 'dall’' },
  since: { plain: 'dal ', elided: 'dall’' },
  of: { plain: 'del ', elided: 'dell’' },
  to: { plain: 'al ', elided: 'all’' },
}

const ENGLISH: Record<DateRole, string> = {
  the: '',
  on: 'on ',
  until: 'until ',
  by: 'by ',
  from: 'from ',
  since: 'since ',
  of: 'of ',
  to: 'to ',
}

/** Days of the month whose Italian name starts with a vowel: uno is written 1º (primo), so 8 and 11. */
function startsWithVowelSound(day: number): boolean {
  return day === 8 || day === 11
}

/** The date with its article and preposition, as it reads in a sentence: "fino all'11 dicembre 2026". */
export function datePhrase(date: CalendarDate, language: 'it' | 'en', role: DateRole): string {
  const text = formatDate(date, language)
  if (language === 'en') return ENGLISH[role] + text
  const forms = ITALIAN[role]
  return (startsWithVowelSound(Number(date.slice(8, 10))) ? forms.elided : forms.plain) + text
}
