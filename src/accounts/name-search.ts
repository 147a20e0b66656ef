import { sql, type SQL } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'

/**
 * A holder's name as the search box compares it: lower case, accents off (Nicolò, NICOLÒ, nicolo
 * alike), apostrophes dropped (D'Amico, D’Amico, damico alike), a hyphen read as a space (the
 * second part of Rossi-Bianchi is a word of its own). One table for the database (translate(), in
 * the accounts' generated folded columns) and for the text typed (foldName).
 */
const ACCENTED = 'àáâãäåāăąèéêëēėęěìíîïīįòóôõöøōőùúûüūůűųýÿñńçćčšśžźżłđ'
const PLAIN = 'aaaaaaaaaeeeeeeeeiiiiiioooooooouuuuuuuuyynncccsszzzld'
/** Read as a space. */
const SPACED = '-'
/** Dropped. */
const DROPPED = "'’`´"

const FROM = ACCENTED + ACCENTED.toUpperCase() + SPACED + DROPPED
const TO = PLAIN + PLAIN + ' '.repeat(SPACED.length)
const TABLE = new Map([...FROM].map((c, k) => [c, TO[k] ?? '']))

/** The SQL of a name column folded: lower(), then translate() with the table above (constants inline, as a generated column's expression must be). */
export function foldedName(column: AnyPgColumn | SQL): SQL {
  return sql`translate(lower(${column}), ${sql.raw(literal(FROM))}, ${sql.raw(literal(TO))})`
}

/** The text typed, folded as foldedName folds a column. */
export function foldName(text: string): string {
  return [...text.toLowerCase()].map((c) => TABLE.get(c) ?? c).join('')
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`
}

/**
 * Where a word of a holder's name may start, in the folded name columns (accounts.firstNameFolded,
 * lastNameFolded): the first name, the surname, the second or the third word of a compound surname
 * (De Luca, De La Cruz, Rossi-Bianchi). Each place is one index (text_pattern_ops, so LIKE 'x%' is a
 * range on it), and the search writes each arm as its index is written. The word places index every
 * surname (split_part gives '' where there is no such word, which no word typed matches), not only
 * the compound ones: a partial expression index has no statistics, and the planner, misjudging a
 * word's matches by ten, then filtered 24,000 rows where an AND of the words' bitmaps finds 131.
 */
export function nameWordPlaces(firstNameFolded: AnyPgColumn, lastNameFolded: AnyPgColumn): Array<{ index: string; key: SQL }> {
  return [
    { index: 'accounts_first_name_folded', key: sql`${firstNameFolded}` },
    { index: 'accounts_last_name_folded', key: sql`${lastNameFolded}` },
    { index: 'accounts_last_name_second_word', key: sql`split_part(${lastNameFolded}, ' ', 2)` },
    { index: 'accounts_last_name_third_word', key: sql`split_part(${lastNameFolded}, ' ', 3)` },
  ]
}
