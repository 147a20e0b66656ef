import { sql } from 'drizzle-orm'
import type { CalendarDate } from '../core/calendar'
import type { Executor } from '../db/client'

export interface BulkMailboxes {
  count: number
  today: CalendarDate
  /** Expiries spread evenly over [today + fromDays, today + toDays]. */
  fromDays: number
  toDays: number
  /** Share flagged as registered with INI-PEC or the Registro delle Imprese (R7). */
  registeredShare?: number
  /** Give mailboxes past their expiry the status a daily run would have given them. */
  settledPast?: boolean
  firstNumber?: number
  /**
   * Holders with names drawn from common Italian first names and surnames (compound ones too: De
   * Luca, Dalla Chiesa, De La Cruz), every pair about equally often, and a codice fiscale each of their
   * own: what a search by name or codice fiscale meets at scale. Default: 'Nome', 'Cognome N', one
   * codice fiscale for all.
   */
  variedHolders?: boolean
}

/** The names variedHolders draws from: every pair of a first name and a surname equally often. */
export const BULK_FIRST_NAMES = [
  'Marco', 'Giulia', 'Luca', 'Francesca', 'Alessandro', 'Chiara', 'Andrea', 'Sara', 'Giuseppe', 'Anna', 'Matteo', 'Laura',
  'Lorenzo', 'Valentina', 'Davide', 'Elena', 'Simone', 'Martina', 'Federico', 'Silvia', 'Riccardo', 'Paola', 'Stefano', 'Roberta',
  'Paolo', 'Federica', 'Giovanni', 'Alessia', 'Antonio', 'Elisa', 'Francesco', 'Ilaria', 'Roberto', 'Monica', 'Fabio', 'Cristina',
  'Massimo', 'Barbara', 'Daniele', 'Serena', 'Emanuele', 'Claudia', 'Nicola', 'Marta', 'Pietro', 'Beatrice', 'Tommaso', 'Irene',
  'Gabriele', 'Alice', 'Salvatore', 'Veronica', 'Vincenzo', 'Caterina', 'Michele', 'Debora', 'Domenico', 'Maria Grazia', 'Carlo', 'Rita', 'Enrico',
]
export const BULK_SURNAMES = [
  'Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco', 'Bruno', 'Gallo', 'Conti',
  'Costa', 'Giordano', 'Mancini', 'Rizzo', 'Lombardi', 'Moretti', 'Barbieri', 'Fontana', 'Santoro', 'Mariani', 'Rinaldi', 'Caruso',
  'Ferrara', 'Galli', 'Martini', 'Leone', 'Longo', 'Gentile', 'Martinelli', 'Vitale', 'Lombardo', 'Serra', 'Coppola', 'Villa',
  'Cattaneo', 'Marchetti', 'Parisi', 'Fabbri', 'Silvestri', 'Sala', 'Pellegrini', 'Palumbo', 'Sanna', 'Farina', 'Rizzi', 'Monti',
  'Cattani', 'Grassi', 'Moro', 'Ferri', 'Testa', 'Bellini', 'Guerra', 'Mazza', 'Basile', 'Benedetti', 'Valentini', 'Neri', 'Orlando',
  'Pagano', 'Bernardi', 'Messina', 'Rota', 'Sartori', 'Amato', 'Fiore', 'Bianco', 'Fumagalli', 'Riva', 'Bassi', 'Cirillo', 'Ruggiero',
  'Donati', 'Marchi', 'Ferraro', 'Piras', 'Fadda', 'Montanari', 'Milani', 'Morelli', 'Pace', 'Caputo', 'Sorrentino', 'Gatti',
  'Pellegrino', 'Negri', 'Carbone', 'Giuliani', 'Vitali', 'Cocco', 'Melis', 'Zanetti', 'Mele', 'Olivieri', 'Bellucci', 'Tedesco',
  'De Luca', 'De Santis', 'De Angelis', 'Di Stefano', 'Di Giovanni', 'De Rosa', 'La Rosa', 'Lo Russo', 'Dalla Chiesa', 'Del Monte',
  'Di Marco', 'De Simone', 'Di Pietro', 'De Marco', 'Lo Bianco', 'Della Valle', 'D\'Amico', 'D\'Angelo', 'De La Cruz', 'Da Ponte',
  'Li Causi', 'Lo Presti', 'De Vita', 'Di Bella', 'Del Piero', 'La Torre',
]

/**
 * Generated accounts and mailboxes for benchmarks and load tests, inserted set-based in the
 * database (a million rows in seconds). Not for production data: use `import mailboxes`.
 */
export async function insertBulkMailboxes(db: Executor, p: BulkMailboxes): Promise<void> {
  const first = p.firstNumber ?? 1
  const last = first + p.count - 1
  const span = p.toDays - p.fromDays + 1
  const registeredEvery = p.registeredShare ? Math.max(1, Math.round(1 / p.registeredShare)) : 0
  const holder = p.variedHolders
    ? {
        firstName: sql`${JSON.stringify(BULK_FIRST_NAMES)}::jsonb ->> (i % ${BULK_FIRST_NAMES.length}::int)`,
        lastName: sql`${JSON.stringify(BULK_SURNAMES)}::jsonb ->> ((i / ${BULK_FIRST_NAMES.length}::int) % ${BULK_SURNAMES.length}::int)`,
        // six letters from the number (distinct up to 26⁶), then a fixed birth date and place
        fiscalCode: sql`chr(65 + i % 26) || chr(65 + i / 26 % 26) || chr(65 + i / 676 % 26) || chr(65 + i / 17576 % 26) || chr(65 + i / 456976 % 26) || chr(65 + i / 11881376 % 26) || '85T10A562S'`,
      }
    : { firstName: sql`'Nome'`, lastName: sql`'Cognome ' || i`, fiscalCode: sql`'RSSMRA85T10A562S'` }
  await db.execute(sql`INSERT INTO accounts (id, first_name, last_name, fiscal_code, reference_email, language, created_at, updated_at)
    SELECT 'B' || lpad(i::text, 9, '0'), ${holder.firstName}, ${holder.lastName}, ${holder.fiscalCode}, 'titolare' || i || '@example.it',
           CASE WHEN i % 10 = 0 THEN 'en' ELSE 'it' END, now(), now()
      FROM generate_series(${first}::int, ${last}::int) AS i`)
  await db.execute(sql`INSERT INTO mailboxes (address, account_id, convention_code, activated_on, expires_on, status, register, updated_at)
    SELECT 'casella' || i || '@pec.example.it', 'B' || lpad(i::text, 9, '0'), 'FNOMCEO', e - 365, e,
           CASE WHEN NOT ${p.settledPast ?? false}::boolean OR e >= ${p.today}::date - 1 THEN 'active'
                WHEN e < ${p.today}::date - 91 THEN 'ceased' ELSE 'deactivated' END,
           CASE WHEN ${registeredEvery}::int > 0 AND i % ${registeredEvery || 1}::int = 0
                THEN (CASE WHEN i % 2 = 0 THEN 'ini_pec' ELSE 'registro_imprese' END) ELSE 'none' END,
           now()
      FROM (SELECT i, ${p.today}::date + ${p.fromDays}::int + ((i::bigint * 7919) % ${span}::int)::int AS e
              FROM generate_series(${first}::int, ${last}::int) AS i) AS g`)
}
